// Renderer choice is policy: TTY with live progress, plain lines otherwise.
import type { DeployEvent } from '../../engine/events.ts';
import { plainRenderer } from '../../render/plain.ts';
import { ttyRenderer } from '../../render/tty.ts';

export function renderers(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): (e: DeployEvent) => void {
  return out.isTTY ? ttyRenderer(out, env) : plainRenderer(out);
}
