// Every event as one JSON line (versioned), for machines and for tests that follow a run live.
import type { DeployEvent } from '../engine/events.ts';

export function ndjsonRenderer(out: NodeJS.WritableStream): (e: DeployEvent) => void {
  return (e) => {
    out.write(`${JSON.stringify({ v: 1, ...e })}\n`);
  };
}
