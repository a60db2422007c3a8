// Pure: what a port swap needs from the target group and the host before anything changes
// (docs/contracts.md, "swap preflight"). Each problem names its check and the fix.

export type SwapFacts = {
  /** The target group's TargetType. */
  targetType: string;
  /** The target group's HealthCheckPort: 'traffic-port' or a fixed port. */
  healthCheckPort: string;
  ports: [number, number];
  /** The port recorded as live on the host (or app.port before the first swap). */
  livePort: number;
  /** Listening TCP sockets on either port of the pair, with their process. */
  listeners: { port: number; pid?: number }[];
  /** PIDs that are the app (the old JVM, or a JVM a failed swap left behind). */
  appPids: number[];
};

export type SwapProblem = { check: string; message: string; fix: string };

export const otherPort = (ports: [number, number], live: number): number =>
  live === ports[0] ? ports[1] : ports[0];

export function swapProblems(f: SwapFacts): SwapProblem[] {
  const problems: SwapProblem[] = [];
  if (f.targetType !== 'instance')
    problems.push({
      check: 'target-type',
      message: `the target group's target type is '${f.targetType}'; a swap registers instance:port targets`,
      fix: "use a target group of type 'instance'",
    });
  if (f.healthCheckPort !== 'traffic-port')
    problems.push({
      check: 'health-check-port',
      message: `health checks go to port ${f.healthCheckPort}, so the new port would be judged by the old JVM's answers`,
      fix: "set the target group's health-check port to 'traffic-port' (each instance:port is then checked on its own port)",
    });
  if (!f.ports.includes(f.livePort)) {
    problems.push({
      check: 'live-port',
      message: `the live port ${f.livePort} is not one of app.ports ${f.ports.join(', ')}`,
      fix: 'include the port the app serves on now in app.ports',
    });
    return problems;
  }
  const isApp = (l: { pid?: number }) => l.pid !== undefined && f.appPids.includes(l.pid);
  const onLive = f.listeners.filter((l) => l.port === f.livePort);
  if (f.appPids.length > 0 && !onLive.some(isApp))
    problems.push({
      check: 'live-port',
      message: `the app does not listen on the live port ${f.livePort} (${onLive.length ? `pid ${onLive.map((l) => l.pid ?? '?').join(', ')} does` : 'nothing does'})`,
      fix: 'check the live-port record on the host (`handoff status` shows it) against the port the app serves on',
    });
  const next = otherPort(f.ports, f.livePort);
  const foreign = f.listeners.filter(
    (l) => l.port === next && !(l.pid !== undefined && f.appPids.includes(l.pid)),
  );
  if (foreign.length > 0)
    problems.push({
      check: 'port-free',
      message: `port ${next} is held by pid ${foreign.map((l) => l.pid ?? '?').join(', ')}, which is not the app`,
      fix: `free port ${next} on the host, or choose another pair in app.ports`,
    });
  return problems;
}
