// Every drain mode, by the name the config gives it (`drain.mode`). Adding a mode: a module in
// src/drain/modes/ and one line in each of the two lists below (docs/architecture.md).
import { z } from 'zod';
import { type DeregisterDrain, deregister, deregisterSchema } from './modes/deregister.ts';
import { type TerminationDrain, termination, terminationSchema } from './modes/termination.ts';
import type { DrainMode } from './types.ts';

/** The config's `drain` union: one branch per mode, discriminated by `mode`. */
export const drainSchema = z.discriminatedUnion('mode', [terminationSchema, deregisterSchema]);
export type DrainConfig = TerminationDrain | DeregisterDrain;

export const DRAIN_MODES = { termination, deregister } as const;
export type DrainModeName = keyof typeof DRAIN_MODES;
export const DRAIN_MODE_NAMES = Object.keys(DRAIN_MODES) as DrainModeName[];

/**
 * The module of a mode, typed for the config that names it. The one cast of the registry: the
 * schema guarantees that a `drain` whose mode is X has X's shape.
 */
export function drainMode<C extends DrainConfig>(drain: C | C['mode']): DrainMode<C> {
  const name = typeof drain === 'string' ? drain : drain.mode;
  return DRAIN_MODES[name as DrainModeName] as unknown as DrainMode<C>;
}
