// The CLI contract (docs/cli.md) as data: every command's options in one table, read by the
// parser (src/cli/args.ts), --help, `deploy help <command>`, did-you-mean and the shell
// completions. Loaded by bin/deploy.js on any Node (for --help on an old one): no imports at all.
// The values of `strategy` are the runbook's strategies and auto (test/unit/plug-in.test.ts
// checks them against STRATEGIES: importing it here would load zod on an old Node).

export type Opt = {
  type: 'string' | 'boolean';
  short?: string;
  describe: string;
  /** What a string option takes, for help and completion: a fixed list, a file, or free text. */
  value?: readonly string[] | 'file' | 'dir' | 'host' | 'seconds' | 'text';
};
export type Arg = { name: string; values: readonly string[] };
export type Command = { summary: string; options: Record<string, Opt>; arg?: Arg };

const config: Opt = {
  type: 'string',
  short: 'c',
  describe: 'config file (default: deploy.config.ts here or in a parent directory)',
  value: 'file',
};
const json: Opt = { type: 'boolean', describe: 'print one versioned JSON document on stdout (errors too)' };
const strategy: Opt = {
  type: 'string',
  describe:
    'stop-first (default), build-first, swap (one instance: the other port of app.ports), or auto (looks at the hosts first: swap when both JVMs fit, else stop-first, else refuses)',
  value: ['stop-first', 'build-first', 'swap', 'auto'],
};
const waitLock: Opt = {
  type: 'string',
  describe: 'queue up to SECONDS behind a running deploy instead of exiting 3 (config: lock.waitSeconds)',
  value: 'seconds',
};
const env: Opt = {
  type: 'string',
  describe: 'apply this environment: environments.NAME in the config, or deploy.NAME.config.ts',
  value: 'text',
};
// run and rollback share these: both go through one pipeline (src/cli/commands/pipeline.ts).
const dryRun: Opt = { type: 'boolean', describe: 'print the plan and the commands; change nothing' };
const verbose: Opt = {
  type: 'boolean',
  short: 'v',
  describe: 'with --dry-run: the exact shell text of each command (secrets masked)',
};
const allowDowntime: Opt = { type: 'boolean', describe: 'allow draining the last healthy target' };
const reportDir: Opt = {
  type: 'string',
  describe: 'where report.json, report.html, memory.csv/svg and summary.md go',
  value: 'dir',
};
const hosts: Opt = { type: 'string', describe: 'only these hosts, comma-separated names', value: 'host' };
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export const COMMANDS = {
  run: {
    summary: 'deploy host by host: drain, wait, stop, build, start, health, admit, settle',
    options: {
      config,
      env,
      json,
      hosts,
      'dry-run': dryRun,
      verbose,
      strategy,
      'allow-downtime': allowDowntime,
      'report-dir': reportDir,
      yes: { type: 'boolean', short: 'y', describe: 'do not ask for confirmation' },
      'wait-lock': waitLock,
      strict: { type: 'boolean', describe: 'refuse when the memory budget predicts a peak above the limit' },
    },
  },
  plan: {
    summary: 'the timeline and the drain-time math; no side effects',
    options: { config, json, hosts, env, strategy },
  },
  sample: {
    summary: 'run the memory sampler alone on one host',
    options: {
      config,
      env,
      host: { type: 'string', describe: 'host name (required)', value: 'host' },
      duration: { type: 'string', describe: 'seconds to sample (default 60)', value: 'seconds' },
      out: { type: 'string', describe: 'write the samples as CSV to this file', value: 'file' },
      json,
    },
  },
  rollback: {
    summary: 'back to the previous release, or to any release on the hosts (--to)',
    options: {
      config,
      env,
      hosts,
      json,
      to: {
        type: 'string',
        describe: 'this release instead of the previous one (`deploy history` lists them)',
        value: 'text',
      },
      'dry-run': dryRun,
      verbose,
      'allow-downtime': allowDowntime,
      'report-dir': reportDir,
      yes: { type: 'boolean', short: 'y', describe: 'do not ask' },
      'wait-lock': waitLock,
    },
  },
  status: { summary: 'current release and PID per host', options: { config, env, hosts, json } },
  history: { summary: 'past deploys, as recorded on the hosts', options: { config, env, hosts, json } },
  unlock: { summary: 'remove a stale deploy lock', options: { config, env, hosts } },
  logs: {
    summary: 'the app log of the current release: the last lines, or followed (-f)',
    options: {
      config,
      env,
      host: {
        type: 'string',
        describe: 'only this host (or comma-separated hosts); default every host, lines prefixed',
        value: 'host',
      },
      follow: { type: 'boolean', short: 'f', describe: 'keep printing new lines until Ctrl-C' },
      lines: { type: 'string', describe: 'how many lines from the end (default 100)', value: 'text' },
    },
  },
  init: {
    summary: 'write a starter deploy.config.ts and a GitHub workflow, ignore deploy-report/',
    options: {
      force: { type: 'boolean', describe: 'overwrite deploy.config.ts and the workflow if they exist' },
      'no-workflow': { type: 'boolean', describe: 'write deploy.config.ts only, no GitHub workflow' },
    },
  },
  completion: {
    summary: 'print the shell completion script (bash, zsh or fish)',
    options: {},
    arg: { name: 'shell', values: SHELLS },
  },
  help: { summary: 'help for a command', options: {}, arg: { name: 'command', values: [] } },
} as const satisfies Record<string, Command>;

export type CommandName = keyof typeof COMMANDS;
