// `deploy init`: writes a starter deploy.config.ts and a GitHub workflow, and ignores the report
// directory in .gitignore. Without --force it never overwrites: if any target (or another config
// file the loader would pick) exists, nothing is written.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CONFIG_NAMES } from '../../config/load.ts';
import { EXIT, UsageError } from '../../errors.ts';
import { configTemplate } from '../../templates/config.ts';
import { workflowTemplate } from '../../templates/workflow.ts';
import type { Io } from '../io.ts';

const CONFIG = 'deploy.config.ts';
const WORKFLOW = '.github/workflows/deploy.yml';
const REPORT_DIR = 'deploy-report/';

export async function initCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  const force = Boolean(values.force);
  const withWorkflow = !values['no-workflow'];
  const files = [
    { name: CONFIG, text: configTemplate() },
    ...(withWorkflow ? [{ name: WORKFLOW, text: workflowTemplate() }] : []),
  ];
  refuseTaken(io.cwd, files, force, withWorkflow);
  for (const f of files) {
    const path = resolve(io.cwd, f.name);
    mkdirSync(dirname(path), { recursive: true });
    // wx: a file that appeared meanwhile is not clobbered; --force means to replace it
    writeFileSync(path, f.text, { flag: force ? 'w' : 'wx' });
  }
  const ignored = ignoreReportDir(io.cwd);
  io.stdout.write(
    nextSteps(
      files.map((f) => f.name),
      ignored,
      withWorkflow,
    ),
  );
  return EXIT.deployed;
}

function refuseTaken(cwd: string, files: { name: string }[], force: boolean, withWorkflow: boolean): void {
  // Another config file the loader would also find (deploy.config.mjs ...) is never replaced,
  // even with --force: two configs side by side leave one silently unused.
  const others = CONFIG_NAMES.filter((n) => n !== CONFIG && existsSync(resolve(cwd, n)));
  const taken = force
    ? others
    : [...files.map((f) => f.name), ...others].filter((n) => existsSync(resolve(cwd, n)));
  if (taken.length === 0) return;
  const one = taken.length === 1;
  const fix = force
    ? `--force replaces only ${CONFIG} and ${WORKFLOW}; remove ${one ? 'it' : 'them'} first`
    : `Move ${one ? 'it' : 'them'} aside, pass --force to overwrite${others.length ? ` (${others.join(', ')}: remove by hand)` : ''}${withWorkflow ? ', or --no-workflow to write the config alone' : ''}`;
  throw new UsageError(
    `${taken.join(' and ')} already exist${one ? 's' : ''} in ${cwd}; nothing was written. ${fix}.`,
  );
}

/** Adds deploy-report/ to .gitignore (creating it) unless a line already ignores it. */
function ignoreReportDir(cwd: string): boolean {
  const file = resolve(cwd, '.gitignore');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const bare = REPORT_DIR.replace(/\/$/, '');
  const lines = text.split(/\r?\n/).map((l) => l.trim().replace(/^\//, '').replace(/\/$/, ''));
  if (lines.includes(bare)) return false;
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  writeFileSync(
    file,
    `${text}${sep}# deploy reports (handoff): report.json, report.html, memory charts\n${REPORT_DIR}\n`,
  );
  return true;
}

function nextSteps(written: string[], ignored: boolean, withWorkflow: boolean): string {
  const steps = [
    'npm i -D handoff-deploy            (the config imports it; Node >= 22.18)',
    `Edit ${CONFIG}: app, hosts and loadBalancer are examples.`,
    'npx --no-install handoff plan      (the timeline and the drain math; changes nothing, works offline)',
    'npx --no-install handoff run --dry-run   (every command it would send)',
  ];
  if (withWorkflow)
    steps.push(`For GitHub Actions, in Settings > Secrets and variables > Actions:
       variables AWS_ROLE_ARN, AWS_REGION (an IAM role GitHub's OIDC provider may assume)
       secrets   DEPLOY_SSH_KEY (the hosts' private key),
                 DEPLOY_KNOWN_HOSTS (ssh-keyscan -t ed25519 <host> for each host, after checking
                 each fingerprint against the instance's own, e.g. EC2 console: Get system log)`);
  const head = `Wrote ${written.join(' and ')}.${ignored ? ` Added ${REPORT_DIR} to .gitignore.` : ''}`;
  return `${head}\n\nNext:\n${steps.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`;
}
