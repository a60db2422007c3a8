// The CLI contract (docs/cli.md): the table of commands and options (src/cli/commands-table.ts),
// parsed by node:util parseArgs in strict mode so an unknown flag is a usage error (exit 2), never
// ignored; --help, `deploy help <command>` and did-you-mean from the same table. Loaded by
// bin/deploy.js on any Node (for --help on an old one): node: builtins and type-only imports
// besides errors.ts and the table, nothing else.
import { parseArgs } from 'node:util';
import { closeMatches } from '../config/issues.ts';
import { UsageError } from '../errors.ts';
import { COMMANDS, type Command, type CommandName, type Opt } from './commands-table.ts';

export type Values = Record<string, string | boolean | undefined>;
export type ParsedArgs = { command: CommandName; values: Values; arg?: string };
export type Parsed = ParsedArgs | { help: string } | { version: true };

const NAMES = Object.keys(COMMANDS) as CommandName[];
/** Options that may also stand before the command (`deploy -c x plan`, `deploy --json status`). */
const GLOBAL_VALUE = new Set(['-c', '--config']);
const GLOBAL_FLAG = new Set(['--json', '--help', '-h', '--version', '-v']);

/** Whether argv asks for JSON output, even when it does not parse: errors then go out as JSON. */
export function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** `bin`: the name the CLI was invoked by (`handoff` or `deploy`), used in help and usage errors. */
export function parseCli(argv: string[], bin = 'deploy'): Parsed {
  const { global, command, rest } = splitGlobal(argv, bin);
  if (global.includes('--version') || global.includes('-v')) return { version: true };
  const help = global.includes('--help') || global.includes('-h');
  if (command === undefined) {
    if (help || global.length === 0) return { help: usage(bin) };
    throw new UsageError(`no command after '${global.join(' ')}'. Run \`${bin} --help\` for the commands.`);
  }
  const name = commandName(command, bin);
  if (name === 'help') return { help: helpFor(rest, bin) };
  if (help || rest.includes('--help') || rest.includes('-h')) return { help: commandUsage(name, bin) };
  const options = global.filter((g) => !GLOBAL_FLAG.has(g) || g === '--json');
  return parseCommand(name, [...options, ...rest], bin);
}

function splitGlobal(argv: string[], bin: string): { global: string[]; command?: string; rest: string[] } {
  const global: string[] = [];
  let i = 0;
  for (; i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--'; i++) {
    const a = argv[i]!;
    if (GLOBAL_VALUE.has(a)) {
      if (argv[i + 1] === undefined) throw new UsageError(`option '${a}' needs a value (a config file)`);
      global.push(a, argv[++i]!);
    } else if (GLOBAL_FLAG.has(a) || a.startsWith('--config=') || /^-c./.test(a)) global.push(a);
    else {
      const close = closeMatches(a, ['--config', '--json', '--help', '--version'], true);
      throw new UsageError(
        `unknown option '${a}' before the command${close.length ? ` (did you mean ${quoted(close)}?)` : ''}; ` +
          `only --config/-c, --json, --help and --version may come before it. Run \`${bin} --help\`.`,
      );
    }
  }
  if (argv[i] === '--') i++;
  return { global, command: argv[i], rest: argv.slice(i + 1) };
}

function commandName(word: string, bin: string): CommandName {
  if (Object.hasOwn(COMMANDS, word)) return word as CommandName;
  const close = closeMatches(word, NAMES, true);
  if (close.length > 0)
    throw new UsageError(
      `unknown command '${word}' (did you mean ${quoted(close)}?). Run \`${bin} --help\` for all commands.`,
    );
  throw new UsageError(`unknown command '${word}'\n\n${usage(bin)}`);
}

function helpFor(rest: string[], bin: string): string {
  const [word, extra] = rest.filter((r) => r !== '--help' && r !== '-h');
  if (extra !== undefined) throw new UsageError(`${bin} help takes one command, got '${rest.join(' ')}'`);
  return word === undefined ? usage(bin) : commandUsage(commandName(word, bin), bin);
}

function parseCommand(command: CommandName, args: string[], bin: string): ParsedArgs {
  const spec: Command = COMMANDS[command];
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([k, o]) => [
      k,
      { type: o.type, ...(o.short ? { short: o.short } : {}) },
    ]),
  );
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    throw new UsageError(optionError(command, error as Error & { code?: string }, bin));
  }
  const [first, ...more] = parsed.positionals;
  const arg = spec.arg;
  const unexpected = arg ? more[0] : first;
  if (unexpected !== undefined)
    throw new UsageError(
      `unexpected argument '${unexpected}' for '${bin} ${command}'\n\n${commandUsage(command, bin)}`,
    );
  if (arg) {
    if (first === undefined)
      throw new UsageError(`${bin} ${command} needs a ${arg.name}: ${arg.values.join(', ')}`);
    if (!arg.values.includes(first)) {
      const close = closeMatches(first, arg.values, true);
      throw new UsageError(
        `unknown ${arg.name} '${first}' for '${bin} ${command}'` +
          (close.length ? ` (did you mean ${quoted(close)}?)` : `; one of ${arg.values.join(', ')}`),
      );
    }
    return { command, values: parsed.values, arg: first };
  }
  return { command, values: parsed.values };
}

/** parseArgs' errors, in our words: which option, which command, and the likely one. */
function optionError(command: CommandName, error: Error & { code?: string }, bin: string): string {
  const flags = Object.entries(COMMANDS[command].options as Record<string, Opt>).flatMap(([k, o]) => [
    `--${k}`,
    ...(o.short ? [`-${o.short}`] : []),
  ]);
  const name = /'(-[^',\s]*)/.exec(error.message)?.[1] ?? '';
  const all = flags.filter((f) => f.startsWith('--'));
  const see = `Run \`${bin} ${command} --help\` for its options.`;
  if (error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const close = closeMatches(name, all, true);
    if (close.length > 0)
      return `unknown option '${name}' for '${bin} ${command}' (did you mean ${quoted(close)}?). ${see}`;
    return `unknown option '${name}' for '${bin} ${command}'; ${all.length ? `its options: ${all.join(', ')}` : 'it takes no options'}. ${see}`;
  }
  if (error.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const long = /(--[\w-]+)/.exec(error.message)?.[1] ?? name;
    if (/argument missing/.test(error.message)) return `option '${long}' needs a value. ${see}`;
    return `option '${long}' takes no value. ${see}`;
  }
  return `${error.message}\n\n${commandUsage(command, bin)}`;
}

const quoted = (words: readonly string[]) => words.map((w) => `'${w}'`).join(' or ');

export function usage(bin = 'deploy'): string {
  const width = Math.max(...NAMES.map((c) => c.length));
  return [
    `Usage: ${bin} [--config FILE] [--json] <command> [options]`,
    '',
    ...NAMES.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name].summary}`),
    '',
    `Run \`${bin} help <command>\` (or \`${bin} <command> --help\`) for its options; --version prints the version.`,
    'Exit codes: 0 deployed · 1 failed, rolled back · 2 bad config or usage · 3 lock held · 4 rollback failed · 70 internal error.',
  ].join('\n');
}

export function commandUsage(command: CommandName, bin = 'deploy'): string {
  const spec: Command = COMMANDS[command];
  const entries = Object.entries(spec.options);
  const flag = ([k, o]: [string, Opt]) =>
    `${o.short ? `-${o.short}, ` : ''}--${k}${o.type === 'string' ? ` <${placeholder(o)}>` : ''}`;
  const width = Math.max(0, ...entries.map((e) => flag(e).length));
  const arg = spec.arg ? ` <${spec.arg.name}>` : '';
  const argLine = spec.arg?.values.length ? [`  <${spec.arg.name}>: ${spec.arg.values.join(', ')}`] : [];
  return [
    `Usage: ${bin} ${command}${arg}${entries.length ? ' [options]' : ''}`,
    `  ${spec.summary}`,
    ...argLine,
    ...(entries.length ? [''] : []),
    ...entries.map((e) => `  ${flag(e).padEnd(width)}  ${e[1].describe}`),
  ].join('\n');
}

function placeholder(o: Opt): string {
  return Array.isArray(o.value) ? o.value.join('|') : typeof o.value === 'string' ? o.value : 'value';
}
