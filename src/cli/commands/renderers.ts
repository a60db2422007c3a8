// Renderer choice is policy: GitHub Actions gets groups and annotations (its log is not a TTY, but
// plain lines alone would bury a failure), a TTY gets live progress, anything else plain lines.
import type { DeployEvent } from '../../engine/events.ts';
import { githubRenderer } from '../../render/github.ts';
import { plainRenderer } from '../../render/plain.ts';
import { ttyRenderer } from '../../render/tty.ts';

export function renderers(
  out: NodeJS.WritableStream & { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): (e: DeployEvent) => void {
  if (env.GITHUB_ACTIONS === 'true') return githubRenderer(out);
  return out.isTTY ? ttyRenderer(out, env) : plainRenderer(out);
}
