// `deploy run`: for now only --dry-run (the plan); the engine lands with issue 4.
import { UsageError } from '../../errors.ts';
import type { Io } from '../io.ts';
import { planCommand } from './plan.ts';

export async function runCommand(values: Record<string, unknown>, io: Io): Promise<number> {
  if (values.strategy !== undefined && values.strategy !== 'stop-first' && values.strategy !== 'build-first')
    throw new UsageError(`--strategy must be stop-first or build-first, got '${values.strategy}'`);
  if (values['dry-run']) return planCommand(values, io);
  throw new UsageError('deploy run without --dry-run is not available yet');
}
