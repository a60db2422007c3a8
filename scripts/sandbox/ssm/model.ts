// The Run Command state of the local Systems Manager endpoint: invocations, their status transitions
// and how agents take and report them. Timings are injected (opts) and the clock is Date.now, so tests
// can stretch every window. What each value models: docs/sandbox.md, "Systems Manager".

export type Status =
  | 'Pending'
  | 'InProgress'
  | 'Delayed'
  | 'Success'
  | 'Cancelled'
  | 'TimedOut'
  | 'Failed'
  | 'Cancelling';

export const FINAL: ReadonlySet<Status> = new Set(['Success', 'Cancelled', 'TimedOut', 'Failed']);

/** Output limits of GetCommandInvocation (first characters of the plugin's stdout / stderr). */
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;
/** ListCommandInvocations with Details: each plugin's Output holds only this many characters. */
export const PLUGIN_OUTPUT_LIMIT = 2_500;
const ERROR_TITLE = '\n----------ERROR-------\n';
const OUT_CUT = '\n---Output truncated---';
const ERR_CUT = '\n---Error truncated----';

/**
 * A plugin's Output in ListCommandInvocations: stdout, then stderr under a title, cut to
 * PLUGIN_OUTPUT_LIMIT with a marker where either was cut, as amazon-ssm-agent's TruncateOutput
 * builds it (the service returns the string the agent reported).
 */
export function pluginOutput(stdout: string, stderr: string, capacity = PLUGIN_OUTPUT_LIMIT): string {
  const title = stderr.length > 0 ? ERROR_TITLE : '';
  const room = capacity - title.length;
  const half = Math.trunc(room / 2); // the agent's integer division
  if (stdout.length + stderr.length < room) return stdout + title + stderr;
  if (stdout.length > half && stderr.length > half) {
    const each = Math.trunc((room - ERR_CUT.length - OUT_CUT.length) / 2);
    return stdout.slice(0, each) + OUT_CUT + title + stderr.slice(0, each) + ERR_CUT;
  }
  if (stdout.length < half)
    return stdout + title + stderr.slice(0, room - ERR_CUT.length - stdout.length) + ERR_CUT;
  return stdout.slice(0, Math.max(0, room - OUT_CUT.length - stderr.length)) + OUT_CUT + title + stderr;
}

export type Invocation = {
  commandId: string;
  /** The command's rate controls, shared by its invocations (SendCommand MaxConcurrency / MaxErrors). */
  limits: CommandLimits;
  instanceId: string;
  commands: string[];
  workingDirectory: string;
  executionTimeoutSeconds: number;
  comment: string;
  requestedAt: number;
  /** GetCommandInvocation answers InvocationDoesNotExist before this (the service is eventually consistent). */
  visibleAt: number;
  deliveryDeadline: number;
  status: Status;
  details: string;
  responseCode: number;
  stdout: string;
  stderr: string;
  startedAt?: number;
  endedAt?: number;
  /** Delivered to the agent (it may not have reported InProgress yet). */
  delivered: boolean;
  cancelRequested: boolean;
};

/** Of one command: invocations delivered at once, and errors (Failed, ExecutionTimedOut) allowed. */
export type CommandLimits = { concurrency: number; maxErrors: number; errors: number };

export type ModelOptions = {
  /** InvocationDoesNotExist window after SendCommand: uniform in [min, max] ms. */
  visibilityMs: [number, number];
  /** Delay before an agent's report becomes visible through the API. */
  reportDelayMs: [number, number];
  /** An agent with no open poll for this long is offline: its Pending invocations become Delayed. */
  offlineAfterMs: number;
  seed: number;
};

export const DEFAULT_MODEL: ModelOptions = {
  visibilityMs: [300, 1200],
  reportDelayMs: [100, 400],
  offlineAfterMs: 3000,
  seed: 16,
};

/** What the agent sends back when a command ends. */
export type AgentReport = {
  commandId: string;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** exit: the script ended; timeout: executionTimeout killed it; cancelled: CancelCommand did. */
  outcome: 'exit' | 'timeout' | 'cancelled';
};

/** Work an agent gets on a poll: commands to run and cancels for commands it runs. */
export type AgentWork = {
  run: { commandId: string; commands: string[]; workingDirectory: string; executionTimeoutSeconds: number }[];
  cancel: string[];
};

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export class RunCommandModel {
  readonly invocations = new Map<string, Invocation>(); // key commandId/instanceId
  private readonly lastSeen = new Map<string, number>();
  private readonly openPolls = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly random: () => number;
  readonly opts: ModelOptions;
  constructor(opts: ModelOptions = DEFAULT_MODEL) {
    this.opts = opts;
    this.random = rng(opts.seed);
  }

  private pick([min, max]: [number, number]): number {
    return min + (max - min) * this.random();
  }

  add(
    inv: Omit<
      Invocation,
      | 'visibleAt'
      | 'status'
      | 'details'
      | 'responseCode'
      | 'stdout'
      | 'stderr'
      | 'delivered'
      | 'cancelRequested'
    >,
  ): Invocation {
    const full: Invocation = {
      ...inv,
      visibleAt: inv.requestedAt + this.pick(this.opts.visibilityMs),
      status: 'Pending',
      details: 'Pending',
      responseCode: -1,
      stdout: '',
      stderr: '',
      delivered: false,
      cancelRequested: false,
    };
    this.invocations.set(`${inv.commandId}/${inv.instanceId}`, full);
    this.wake(inv.instanceId);
    return full;
  }

  get(commandId: string, instanceId: string): Invocation | undefined {
    return this.invocations.get(`${commandId}/${instanceId}`);
  }

  ofCommand(commandId: string): Invocation[] {
    return [...this.invocations.values()].filter((i) => i.commandId === commandId);
  }

  online(instanceId: string, now = Date.now()): boolean {
    if ((this.openPolls.get(instanceId) ?? 0) > 0) return true;
    return now - (this.lastSeen.get(instanceId) ?? Number.NEGATIVE_INFINITY) < this.opts.offlineAfterMs;
  }

  knows(instanceId: string): boolean {
    return this.lastSeen.has(instanceId);
  }

  /** Every instance whose agent has polled at least once (managed nodes). */
  instances(): string[] {
    return [...this.lastSeen.keys()];
  }

  /** CancelCommand: not yet delivered → Cancelled; running → Cancelling until the agent reports. */
  cancel(inv: Invocation, now = Date.now()): void {
    if (FINAL.has(inv.status) || inv.cancelRequested) return;
    inv.cancelRequested = true;
    if (!inv.delivered) {
      this.finish(inv, { status: 'Cancelled', details: 'Cancelled', code: -1 }, now);
      return;
    }
    inv.status = 'Cancelling';
    inv.details = 'Cancelling';
    this.wake(inv.instanceId);
  }

  /** Time passes: offline agents' work is Delayed, undelivered work past TimeoutSeconds times out. */
  tick(now = Date.now()): void {
    for (const inv of this.invocations.values()) {
      if (inv.delivered || FINAL.has(inv.status)) continue;
      if (now >= inv.deliveryDeadline) {
        this.finish(inv, { status: 'TimedOut', details: 'DeliveryTimedOut', code: -1 }, now);
      } else if (!this.online(inv.instanceId, now) && now - inv.requestedAt > this.opts.offlineAfterMs) {
        inv.status = 'Delayed';
        inv.details = 'Delayed';
      }
    }
  }

  /** One agent poll: what it should run and cancel now (empty when there is nothing). */
  take(instanceId: string, now = Date.now()): AgentWork {
    this.lastSeen.set(instanceId, now);
    this.tick(now);
    const work: AgentWork = { run: [], cancel: [] };
    for (const inv of this.invocations.values()) {
      if (inv.instanceId !== instanceId || FINAL.has(inv.status)) continue;
      if (!inv.delivered) {
        // MaxConcurrency: the rest of the command's targets wait, Pending, for a running one to end.
        if (this.running(inv.commandId) >= inv.limits.concurrency) continue;
        inv.delivered = true;
        work.run.push({
          commandId: inv.commandId,
          commands: inv.commands,
          workingDirectory: inv.workingDirectory,
          executionTimeoutSeconds: inv.executionTimeoutSeconds,
        });
        // The agent acknowledges at once; the service shows InProgress a moment later.
        this.later(() => {
          if (inv.status === 'Pending' || inv.status === 'Delayed') {
            inv.status = 'InProgress';
            inv.details = 'InProgress';
            inv.startedAt = now;
          }
        });
      } else if (inv.cancelRequested) work.cancel.push(inv.commandId);
    }
    return work;
  }

  report(instanceId: string, r: AgentReport): void {
    const inv = this.get(r.commandId, instanceId);
    if (!inv || FINAL.has(inv.status)) return;
    this.later(() => {
      inv.startedAt ??= Date.now();
      const outcome =
        r.outcome === 'cancelled'
          ? { status: 'Cancelled' as const, details: 'Cancelled' }
          : r.outcome === 'timeout'
            ? { status: 'TimedOut' as const, details: 'ExecutionTimedOut' }
            : r.exitCode === 0
              ? { status: 'Success' as const, details: 'Success' }
              : { status: 'Failed' as const, details: 'Failed' };
      inv.stdout = r.stdout.slice(0, STDOUT_LIMIT);
      inv.stderr = r.stderr.slice(0, STDERR_LIMIT);
      this.finish(inv, { ...outcome, code: r.exitCode });
    });
  }

  private finish(
    inv: Invocation,
    o: { status: Status; details: string; code: number },
    now = Date.now(),
  ): void {
    inv.status = o.status;
    inv.details = o.details;
    inv.responseCode = o.code;
    inv.endedAt = now;
    // Failures and execution timeouts count against MaxErrors (delivery timeouts do not); one more
    // than it allows and the targets not yet sent to are Cancelled (Terminated): the rest run on.
    if (o.status === 'Failed' || o.details === 'ExecutionTimedOut') inv.limits.errors++;
    const rest = this.ofCommand(inv.commandId).filter((i) => !i.delivered && !FINAL.has(i.status));
    if (inv.limits.errors > inv.limits.maxErrors)
      for (const r of rest) this.finish(r, { status: 'Cancelled', details: 'Terminated', code: -1 }, now);
    else for (const r of rest) this.wake(r.instanceId); // a place is free under MaxConcurrency
  }

  /** Invocations of a command delivered to their agents and not yet final. */
  private running(commandId: string): number {
    return this.ofCommand(commandId).filter((i) => i.delivered && !FINAL.has(i.status)).length;
  }

  private later(fn: () => void): void {
    setTimeout(fn, this.pick(this.opts.reportDelayMs)).unref();
  }

  /** Long poll support: resolves when there may be work for the instance, or after ms. */
  wait(instanceId: string, ms: number, signal: AbortSignal): Promise<void> {
    this.openPolls.set(instanceId, (this.openPolls.get(instanceId) ?? 0) + 1);
    return new Promise<void>((resolve) => {
      const set = this.waiters.get(instanceId) ?? new Set();
      this.waiters.set(instanceId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal.removeEventListener('abort', done);
        this.openPolls.set(instanceId, (this.openPolls.get(instanceId) ?? 1) - 1);
        this.lastSeen.set(instanceId, Date.now());
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private wake(instanceId: string): void {
    for (const w of [...(this.waiters.get(instanceId) ?? [])]) w();
  }
}
