// node --import this file: appends every module URL the process loads (ESM and require) to the
// file named by HANDOFF_LOAD_TRACE, one per line. Evidence of what a command loads, not timing.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const out = process.env.HANDOFF_LOAD_TRACE;
if (out)
  registerHooks({
    load(url, context, next) {
      appendFileSync(out, `${url}\n`);
      return next(url, context);
    },
  });
