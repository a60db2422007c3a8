// Commands are data (argv); only here do they become a shell string, with every argument quoted.
// Remote scripts are constant text that read their inputs from positional parameters, so no value
// ever reaches the shell parser unquoted.

export type CmdKind =
  | 'prepare'
  | 'lock.acquire'
  | 'lock.release'
  | 'lock.read'
  | 'lock.remove'
  | 'state.read'
  | 'jvm.find'
  | 'jvm.stop'
  | 'jvm.start'
  | 'jvm.alive'
  | 'jvm.record'
  | 'jvm.started'
  | 'release.create'
  | 'release.extract'
  | 'release.chunk'
  | 'release.fetch'
  | 'release.download'
  | 'release.describe'
  | 'release.switch'
  | 'release.unlink'
  | 'release.remove'
  | 'release.prune'
  | 'build.run'
  | 'build.kill'
  | 'drain.post'
  | 'health.probe'
  | 'traffic.sample'
  | 'port.read'
  | 'port.write'
  | 'port.listeners'
  | 'pid.write'
  | 'mark'
  | 'history.append'
  | 'history.read'
  | 'app.log'
  | 'app.tail'
  | 'sampler'
  | 'memory.look'
  | 'memory.rss'
  | 'peaks.read'
  | 'peaks.write'
  | 'sampler.spawn'
  | 'sampler.read'
  | 'sampler.stop'
  | 'hook'
  | 'local';

export type Cmd = {
  kind: CmdKind;
  argv: string[];
  /**
   * Standard input: what is sent, and what a dry run may show of it (secrets masked). `public`: no
   * secret in it, only too long to show (an upload's base64 piece).
   */
  input?: {
    data: string;
    shown: string;
    public?: true;
    /** A credential that expires within minutes (a presigned URL): shown masked, but Run Command may keep it. */
    expiring?: true;
  };
};

export function quote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

export function shellJoin(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

/** A constant POSIX script run with positional arguments: sh -c SCRIPT handoff ARG1 ARG2 ... */
export function script(kind: CmdKind, body: string, args: (string | number)[]): Cmd {
  return { kind, argv: ['sh', '-c', body.trim(), 'handoff', ...args.map(String)] };
}
