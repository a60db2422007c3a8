// `deploy init`: writes a starter deploy.config.ts and a GitHub workflow. It never overwrites:
// if any target (or another config file the loader would pick) exists, nothing is written.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONFIG_NAMES } from '../../config/load.ts';
import { EXIT, UsageError } from '../../errors.ts';
import { configTemplate } from '../../templates/config.ts';
import { workflowTemplate } from '../../templates/workflow.ts';
import type { Io } from '../io.ts';

const CONFIG = 'deploy.config.ts';
const WORKFLOW = '.github/workflows/deploy.yml';

export async function initCommand(_values: Record<string, unknown>, io: Io): Promise<number> {
  const files = [
    { name: CONFIG, text: configTemplate() },
    { name: WORKFLOW, text: workflowTemplate() },
  ];
  // A deploy.config.js beside a new deploy.config.ts would be silently shadowed: count it too.
  const taken = [...CONFIG_NAMES, WORKFLOW].filter((name) => existsSync(resolve(io.cwd, name)));
  if (taken.length > 0)
    throw new UsageError(
      `${taken.join(' and ')} already exist${taken.length === 1 ? 's' : ''} in ${io.cwd}; deploy init never overwrites, so nothing was written. Move ${taken.length === 1 ? 'it' : 'them'} aside to start over, or edit ${taken.length === 1 ? 'it' : 'them'}.`,
    );
  for (const f of files) {
    const path = resolve(io.cwd, f.name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, f.text, { flag: 'wx' }); // wx: a file that appeared meanwhile is not clobbered
  }
  io.stdout.write(nextSteps());
  return EXIT.deployed;
}

function nextSteps(): string {
  return `Wrote ${CONFIG} and ${WORKFLOW}.

Next:
  1. npm i -D handoff-deploy              (the config imports it; the workflow runs its bin)
  2. Edit ${CONFIG}: app, hosts, loadBalancer are examples.
  3. npx --no-install handoff plan       (the timeline and the drain math; changes nothing)
  4. For GitHub Actions, in Settings > Secrets and variables > Actions:
       variables AWS_ROLE_ARN, AWS_REGION (an IAM role GitHub's OIDC provider may assume)
       secrets   DEPLOY_SSH_KEY (the hosts' private key),
                 DEPLOY_KNOWN_HOSTS (ssh-keyscan -t ed25519 <host> for each host, after checking
                 each fingerprint against the instance's own, e.g. EC2 console: Get system log)
`;
}
