// Fault injection for tests (the fault matrix): a JSON file of rules the endpoint rereads on every
// call. A rule answers its action with an AWS error (Throttling 400, InternalFailure 500, ...)
// `times` times (-1: until the rule is removed), counting down in the file, then the call goes
// through. No file, or an empty list: no faults. Real AWS throttles and fails the same way.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Emulator } from './actions.ts';
import { ApiError } from './model.ts';

export type FaultRule = { action: string; code: string; status: number; times: number; message?: string };

function readRules(file: string): FaultRule[] {
  try {
    const rules = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return Array.isArray(rules) ? (rules as FaultRule[]) : [];
  } catch {
    return [];
  }
}

/** Takes one hit of the first live rule for `action`, or undefined when the call should go through. */
export function takeFault(file: string, action: string): ApiError | undefined {
  const rules = readRules(file);
  const rule = rules.find((r) => r.action === action && r.times !== 0);
  if (!rule) return undefined;
  if (rule.times > 0) {
    rule.times--;
    writeFileSync(file, `${JSON.stringify(rules)}\n`);
  }
  const type = rule.status >= 500 ? 'Receiver' : 'Sender';
  return new ApiError(rule.status, rule.code, rule.message ?? `injected fault: ${rule.code}`, type);
}

/** The emulator, answering from `file`'s rules first. */
export function withFaults(emulator: Emulator, file: string | undefined): Emulator {
  if (!file) return emulator;
  return {
    ...emulator,
    handle(action, params) {
      const fault = takeFault(file, action);
      return fault ? Promise.reject(fault) : emulator.handle(action, params);
    },
  };
}
