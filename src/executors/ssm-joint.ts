// One SendCommand for the hosts of a batch (docs/transports.md, "Batches: one SendCommand for
// several hosts"). Hosts side by side mostly run the same command text at the same step, so a
// command waits a moment (the join window) for the peers that are at the same point (idle, and
// their last command was this host's last one) and goes out once with all their InstanceIds; each
// host then follows its own invocation (status, exit code, output pages, cancel), so a failure
// fails only that host. With no such peer, a command goes at once: a host deployed alone, or
// ahead of the others, never waits.
import { randomUUID } from 'node:crypto';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Pacer } from './pacer.ts';
import { type CommandPoll, CommandPolls } from './ssm-poll.ts';
import { type Fanned, type SendLimits, sendJoint } from './ssm-send.ts';

/** Run Command takes at most 50 InstanceIds in one SendCommand. */
export const MAX_INSTANCE_IDS = 50;

export type JointRequest = {
  instanceId: string;
  /** Equal keys, equal text and limits: the command's script without its run ID, and its limits. */
  key: string;
  /** The script for the run ID the joint command gets (one ID for all: each host has its own files). */
  build: (runId: string) => string[];
  limits: SendLimits;
  signal?: AbortSignal;
};

export type Joined = Fanned & { runId: string };

type Member = { instanceId: string; done: (j: Joined) => void; fail: (e: unknown) => void; off: () => void };
type Group = {
  key: string;
  req: JointRequest;
  members: Member[];
  /** Peers that may still send the same text, each until when: the group goes once none is left. */
  expected: Map<string, number>;
  /** How many were expected when it opened (0: it goes after the grace). */
  waitsFor: number;
  timer?: NodeJS.Timeout;
};

export type JointOptions = {
  client: SSMClient;
  pacer: Pacer;
  /** How long a command waits for the peers expected to send the same one (ms). */
  windowMs: number;
  /** How long it waits with no peer expected, for one that sends at the same moment (ms). */
  graceMs?: number;
  /** A peer whose last command ended longer ago than this is not deploying in step (ms). */
  followMs?: number;
  /** How long a command waits for a peer still running this host's previous command (ms). */
  syncMs?: number;
};

/** What the sender knows of a host's commands (the sampler's, beside the steps, are not sent here). */
type Host = {
  /** Keys of its commands in flight. */
  inFlight: string[];
  /** The key of the command that ended last, and when. */
  lastKey?: string;
  lastEnd: number;
};

export class JointSender {
  private readonly hosts = new Map<string, Host>();
  private readonly groups = new Set<Group>();
  /** The polls of joint commands that hosts wait on. */
  private readonly polls: CommandPolls;
  private readonly o: Required<JointOptions>;
  /** SendCommand requests made, and the host commands they carried. */
  readonly stats = { sends: 0, commands: 0 };
  constructor(o: JointOptions) {
    this.o = { graceMs: Math.min(10, o.windowMs), followMs: 3000, syncMs: 1500, ...o };
    this.polls = new CommandPolls(o);
  }

  /** The poll the hosts of a joint command share (one ListCommandInvocations per look for all). */
  poll(commandId: string): CommandPoll {
    return this.polls.of(commandId);
  }

  /** A host whose commands may join others'. */
  join(instanceId: string): Host {
    const known = this.hosts.get(instanceId);
    if (known) return known;
    const h: Host = { inFlight: [], lastEnd: Number.NEGATIVE_INFINITY };
    this.hosts.set(instanceId, h);
    return h;
  }

  leave(instanceId: string): void {
    this.hosts.delete(instanceId);
    for (const g of this.groups) this.unexpect(g, instanceId);
  }

  /** The host's command has its result (once per submit, also when submit threw). */
  done(instanceId: string, key: string): void {
    const h = this.hosts.get(instanceId);
    if (!h) return;
    const at = h.inFlight.indexOf(key);
    if (at >= 0) h.inFlight.splice(at, 1);
    h.lastKey = key;
    h.lastEnd = Date.now();
    // Expected while it ran that command: it has a window from now to send the next one.
    for (const g of this.groups) {
      const until = g.expected.get(instanceId);
      if (until !== undefined && until > h.lastEnd + this.o.windowMs) {
        g.expected.set(instanceId, h.lastEnd + this.o.windowMs);
        this.schedule(g);
      }
    }
  }

  /** Sends the command, alone or with the same command of peers that follow within the window. */
  submit(req: JointRequest): Promise<Joined> {
    const me = this.join(req.instanceId);
    const previous = me.lastKey;
    me.inFlight.push(req.key);
    if (req.signal?.aborted) return Promise.reject(req.signal.reason);
    // This host sends something else: groups of other texts need not wait for it.
    for (const g of this.groups) if (g.key !== req.key) this.unexpect(g, req.instanceId);
    const group = [...this.groups].find(
      (g) =>
        g.key === req.key &&
        g.members.length < MAX_INSTANCE_IDS &&
        !g.members.some((m) => m.instanceId === req.instanceId),
    );
    const g = group ?? this.open(req, previous);
    g.expected.delete(req.instanceId);
    const joined = new Promise<Joined>((resolve, reject) => {
      const onAbort = () => {
        g.members = g.members.filter((m) => m !== member);
        if (g.members.length === 0) this.close(g);
        reject(req.signal?.reason);
      };
      const off = () => req.signal?.removeEventListener('abort', onAbort);
      const member: Member = { instanceId: req.instanceId, done: resolve, fail: reject, off };
      g.members.push(member);
      req.signal?.addEventListener('abort', onAbort, { once: true });
    });
    this.ready(g);
    return joined;
  }

  /**
   * A new group. Expected: the peers deploying in step, about to send their next command. A peer
   * still running this host's previous command (the same joint command, its answer a poll later)
   * is waited for up to syncMs, and a window once it has its answer: so hosts that drift apart by
   * a poll fall in step again. A peer idle since a command that ended lately, up to the window.
   * The group goes once each has sent this text or another or run out of time; with none
   * expected, after the grace (a peer sending at the same moment).
   */
  private open(req: JointRequest, previous: string | undefined): Group {
    const now = Date.now();
    const expected = new Map<string, number>();
    for (const [id, h] of this.hosts) {
      if (id === req.instanceId) continue;
      if (previous !== undefined && h.inFlight.includes(previous)) expected.set(id, now + this.o.syncMs);
      else if (h.inFlight.length === 0 && now - h.lastEnd <= this.o.followMs)
        expected.set(id, now + this.o.windowMs);
    }
    const g: Group = { key: req.key, req, members: [], expected, waitsFor: expected.size };
    this.groups.add(g);
    if (expected.size === 0) g.timer = setTimeout(() => this.flush(g), this.o.graceMs);
    else this.schedule(g);
    return g;
  }

  /** Wakes the group when its next expected peer runs out of time. */
  private schedule(g: Group): void {
    clearTimeout(g.timer);
    const next = Math.min(...g.expected.values());
    g.timer = setTimeout(
      () => {
        const now = Date.now();
        for (const [id, until] of g.expected) if (until <= now) g.expected.delete(id);
        if (g.expected.size === 0) void this.flush(g);
        else this.schedule(g);
      },
      Math.max(0, next - Date.now()),
    );
  }

  private unexpect(g: Group, instanceId: string): void {
    if (g.expected.delete(instanceId)) this.ready(g);
  }

  private ready(g: Group): void {
    // With none expected the grace runs out instead: who sends at the same moment is not known.
    if ((g.waitsFor > 0 && g.expected.size === 0) || g.members.length >= MAX_INSTANCE_IDS) void this.flush(g);
  }

  private close(g: Group): void {
    clearTimeout(g.timer);
    this.groups.delete(g);
  }

  private async flush(g: Group): Promise<void> {
    if (!this.groups.has(g)) return;
    this.close(g);
    const members = g.members;
    for (const m of members) m.off(); // sent for every member: an abort now is a cancel (the executor's)
    if (members.length === 0) return;
    const runId = randomUUID();
    this.stats.commands += members.length;
    try {
      const ids = members.map((m) => m.instanceId);
      const { sends, each } = await sendJoint(this.o, ids, g.req.build(runId), g.req.limits);
      this.stats.sends += sends;
      for (const [i, m] of members.entries()) m.done({ runId, ...(each[i] as Fanned) });
    } catch (e) {
      for (const m of members) m.fail(e);
    }
  }
}
