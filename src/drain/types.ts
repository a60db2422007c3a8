// What a drain mode provides (docs/architecture.md, "Drain modes"). A mode is one module in
// src/drain/modes/ and one entry in src/drain/registry.ts; nothing else in src/ asks which mode
// runs. Pure parts (schema, rules, math, text) never do I/O; the three actions (drain, admit,
// readmit) act only through the host context's ports (executor, load balancer).
import type { RuleContext } from '../config/rules.ts';
import type { HostCtx } from '../engine/context.ts';
import type { DrainRule, SettleRule } from '../engine/drain-rules.ts';
import type { HealthCheck, ReadmitWindow, Window } from '../plan/drain.ts';
import type { Plan, Source } from '../plan/plan.ts';

/** The facts a mode's window math may use (read from AWS or the config). */
export type WindowFacts = {
  hc: HealthCheck;
  deregistrationDelay: { seconds: number; source: Source };
};

/** A mode's drain window for the plan: what its terms are and how they combine. */
export type ModeWindow = {
  /** The plan's `drain.model`: the check schedule, or the mode's own name for its model. */
  model: string;
  /** From "traffic is being taken away" until no load-balancer node routes to the host. */
  unhealthy: Window;
  formula: { earliest: string; latest: string };
  /** Until the host is routed to again after admit. */
  readmit: ReadmitWindow;
  /** The mode's own terms in the plan's `drain.terms` (termination: r and d; deregister: D). */
  terms: { r?: number; d?: number; D?: number };
  /** The drain's hard end (plan `drain.capSeconds`), given the wait (latest + margin). */
  capSeconds(waitSeconds: number): number;
};

export type DrainMode<C extends { mode: string }> = {
  name: C['mode'];
  /** One line: how this mode takes traffic away and gives it back (docs and `--help` text). */
  summary: string;

  // Pure: config, plan, text.
  /** Cross-field config rules; they run only when the config chooses this mode. */
  rules: ((ctx: RuleContext, drain: C) => void)[];
  window(drain: C, facts: WindowFacts): ModeWindow;
  /** Plan warnings particular to this mode (e.g. what a single target means for it). */
  warnings(drain: C, plan: Plan): string[];
  /** The timeline's notes for the steps the mode shapes. */
  notes: { drain: string; wait: string; admit: string };
  text: {
    /**
     * The plan's lines between the health check and `wait = latest + margin`; `source` labels where
     * a number came from (AWS and its target group, or the config as an offline fallback).
     */
    window(plan: Plan, source: (s: Source) => string): string[];
    /** The plan's one line on what ends the wait. */
    evidence(plan: Plan): string;
    /** The plan's "Back in service" section (title and formulas). */
    readmit(plan: Plan): string[];
    /** The summary's drain-math table rows before "wait before stopping". */
    summaryRows(plan: Plan): string[];
  };
  /** What ends the wait step (engine/drain-rules.ts evaluates it). */
  drainRule(plan: Plan): DrainRule;
  /** What ends the settle step (engine/drain-rules.ts evaluates it). */
  settleRule(plan: Plan): SettleRule;

  // Actions, through ctx.exec and ctx.lb only.
  /** The drain step: take traffic away. Sets `ctx.state.drained` as soon as traffic may be going. */
  drain(ctx: HostCtx): Promise<string>;
  /** The admit step: give traffic to the new JVM (healthy on loopback already). */
  admit(ctx: HostCtx): Promise<string>;
  /** In the restore, once the previous release serves on the host: give it traffic back. */
  readmit(ctx: HostCtx): Promise<void>;
  /**
   * A hook after the start failed: take the new JVM out of service if it may be in it, before the
   * undo stops it. True when traffic was taken away (the caller waits the drain out).
   */
  withdraw(ctx: HostCtx): Promise<boolean>;
};
