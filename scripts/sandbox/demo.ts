// `npm run demo [-- --keep]`: brings the sandbox up, shows it, runs a little steady load through
// HAProxy and `deploy plan` against it, then tears it down (unless --keep).
// TODO(lead): replace the plan step with a real two-host `deploy run` under load once it lands.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_DIR } from './contract.ts';
import { sandboxDown } from './down.ts';
import { formatLoad, startLoad } from './load.ts';
import { requireMachine } from './preflight.ts';
import { formatStatus, sandboxStatus } from './status.ts';
import { sandboxUp, summary } from './up.ts';

requireMachine('demo');
const { values } = parseArgs({ options: { keep: { type: 'boolean', default: false } } });
const step = (title: string) => console.log(`\n== ${title}`);
let code = 0;
try {
  step('sandbox:up');
  console.log(summary(await sandboxUp()));
  step('sandbox:status');
  console.log(formatStatus(await sandboxStatus()));
  step('steady load through HAProxy: 50 req/s for 5 s');
  console.log(formatLoad(await startLoad({ rate: 50, seconds: 5 }).done));
  step('deploy plan');
  const plan = spawnSync(process.execPath, [path.join(REPO_DIR, 'bin', 'deploy.js'), 'plan'], {
    cwd: REPO_DIR,
    stdio: 'inherit',
  });
  if (plan.status !== 0)
    console.log(`(deploy plan is not available yet: exit ${plan.status ?? plan.signal})`);
} catch (e) {
  console.error(`demo failed: ${(e as Error).message}`);
  code = 1;
} finally {
  if (values.keep) console.log('\n--keep: the sandbox stays up (npm run sandbox:down to remove it)');
  else {
    step('sandbox:down');
    const problems = await sandboxDown();
    if (problems.length) {
      console.error(problems.join('\n'));
      code = 1;
    } else console.log('sandbox is down');
  }
}
process.exit(code);
