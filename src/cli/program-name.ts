// The name the CLI was invoked by, for its help and usage errors: both bins run bin/deploy.js, and
// a user who typed `handoff` should be told to run `handoff plan`, not `deploy plan`. Loaded on any
// Node (bin/deploy.js's old-Node path): node: builtins only.
import { basename } from 'node:path';

/** `handoff` when the script path (process.argv[1], the bin link as invoked) is that bin, else `deploy`. */
export function programName(script: string | undefined): 'handoff' | 'deploy' {
  return basename(script ?? '').replace(/\.[cm]?js$/, '') === 'handoff' ? 'handoff' : 'deploy';
}
