// Pure: when a drain or a settle is done, from what the host's sockets (remote/traffic.ts) and the
// load balancer's API show. No I/O, no clock: every input is an argument, so each rule is tested
// with recorded observations. A drain mode (src/drain/modes/) picks the kind of rule and its
// numbers; the kinds live here (docs/drain-evidence.md).

/** What one look at the host (and, where asked, the API) showed during a drain. */
export type DrainEvidence = {
  /** Since the wait began. */
  elapsedMs: number;
  /** This look read the host's socket counters (false: `ss` failed, or the connection did). */
  evidence: boolean;
  /** No look has ever read them (no `ss` on the host): the rule cannot see traffic at all. */
  blind: boolean;
  /** Since the last request data from any load-balancer node (Infinity: none seen). */
  quietMs: number;
  /** Requests received and not answered yet. */
  inflight: number;
  /** New connections with data not yet told apart (health check or node). */
  pending: number;
  /** Samples taken so far: a connection is the load balancer's once seen twice. */
  samples: number;
  /** The target's state in DescribeTargetHealth, when the load balancer can be asked. */
  api?: string;
};

export type DrainRule =
  | {
      /** Nodes stop on their own verdicts (a health flip): never end before the computed bound. */
      kind: 'computed-bound';
      /** The computed latest bound + margin: nodes are independent, so never end before it. */
      boundMs: number;
      /** Past the bound, wait for quiet at most until here (then warn). */
      capMs: number;
      quietMs: number;
    }
  | {
      /** The API takes the host out (a deregistration): it must say so; its delay is the cap. */
      kind: 'api-draining';
      /** The deregistration delay: the load balancer closes what is left then (also the end when blind). */
      capMs: number;
      quietMs: number;
    }
  | {
      /** A listener rule answers instead of the targets (the maintenance response): only what is in flight is left. */
      kind: 'listener-rule';
      /** Without evidence (no `ss`), the end: the computed wait, as a health flip would take. */
      blindMs: number;
      capMs: number;
      quietMs: number;
    };

export type DrainEnd = 'quiet' | 'bound' | 'cap' | 'delay';
export type Verdict<E extends string> =
  | { done: true; by: E }
  | { done: false; observed: string; nextInMs?: number };

const quiet = (rule: { quietMs: number }, e: DrainEvidence) =>
  e.samples >= 2 && e.quietMs >= rule.quietMs && e.inflight === 0 && e.pending === 0;

const waiting = (rule: { quietMs: number }, e: DrainEvidence): string =>
  e.inflight > 0
    ? 'in flight'
    : e.pending > 0
      ? 'new connection'
      : e.samples < 2
        ? 'first look'
        : e.quietMs < rule.quietMs
          ? 'requests arriving'
          : 'quiet';

export function drainVerdict(rule: DrainRule, e: DrainEvidence): Verdict<DrainEnd> {
  if (rule.kind === 'computed-bound') {
    if (e.elapsedMs < rule.boundMs)
      return { done: false, observed: 'within the bound', nextInMs: rule.boundMs - e.elapsedMs };
    if (e.blind) return { done: true, by: 'bound' }; // the math alone, as it was before the evidence
    if (!e.evidence) return { done: false, observed: 'look failed' };
    // Quiet already when the bound came: the bound ended it; quiet only later: the evidence did.
    if (quiet(rule, e))
      return { done: true, by: e.elapsedMs - e.quietMs + rule.quietMs <= rule.boundMs ? 'bound' : 'quiet' };
    if (e.elapsedMs >= rule.capMs) return { done: true, by: 'cap' };
    return { done: false, observed: `after the bound: ${waiting(rule, e)}` };
  }
  if (rule.kind === 'listener-rule') {
    if (e.blind)
      return e.elapsedMs >= rule.blindMs
        ? { done: true, by: 'bound' }
        : { done: false, observed: 'no evidence', nextInMs: rule.blindMs - e.elapsedMs };
    if (e.elapsedMs >= rule.capMs) return { done: true, by: 'cap' };
    if (!e.evidence) return { done: false, observed: 'look failed' };
    return quiet(rule, e) ? { done: true, by: 'quiet' } : { done: false, observed: waiting(rule, e) };
  }
  // `draining` in the API is necessary (the call reached the load balancer), never sufficient.
  const draining = e.api === undefined || e.api === 'draining' || e.api === 'unused';
  if (e.elapsedMs >= rule.capMs) return { done: true, by: 'delay' };
  if (!draining) return { done: false, observed: `api ${e.api}` };
  // Blind, nothing proves the nodes stopped before the delay ends; a failed look proves nothing either.
  if (e.blind || !e.evidence) return { done: false, observed: e.blind ? 'no evidence' : 'look failed' };
  return quiet(rule, e) ? { done: true, by: 'quiet' } : { done: false, observed: waiting(rule, e) };
}

/** What one look showed while waiting for the load balancer to route to the host again. */
export type SettleEvidence = {
  elapsedMs: number;
  /** The nodes learned during the drain (peers that kept connections to the app). */
  nodes: string[];
  /** Those that sent a request since the settle began. */
  routing: string[];
  api?: string;
};

export type SettleRule = {
  /** health-flip: the host passes checks again; new-registration: the API's word counts too. */
  kind: 'health-flip' | 'new-registration';
  /**
   * health-flip: the healthy-threshold window (every node re-admits by then, no propagation);
   * new-registration: the limit for a registration (its latency is undocumented).
   */
  boundMs: number;
};

export type SettleEnd = 'nodes' | 'api' | 'bound';

export function settleVerdict(
  rule: SettleRule,
  e: SettleEvidence,
): Verdict<SettleEnd> | { done: false; observed: string; fail: string } {
  const missing = e.nodes.filter((n) => !e.routing.includes(n));
  if (e.nodes.length > 0 && missing.length === 0) return { done: true, by: 'nodes' };
  // No node known (no traffic before the drain): after a registration the API's word is all there is.
  if (e.nodes.length === 0 && rule.kind === 'new-registration' && e.api === 'healthy')
    return { done: true, by: 'api' };
  const observed = missing.length > 0 ? `not yet routing: ${missing.join(', ')}` : `api ${e.api ?? '?'}`;
  if (e.elapsedMs < rule.boundMs) return { done: false, observed };
  if (rule.kind === 'new-registration' && e.api !== undefined && e.api !== 'healthy')
    return {
      done: false,
      observed,
      fail: `the target never became healthy in the target group (last: ${e.api})`,
    };
  return { done: true, by: 'bound' };
}
