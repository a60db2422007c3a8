// Small builders shared by the schema files, so every duration and threshold reads the same way.
import { z } from 'zod';

export const seconds = (description: string) => z.number().nonnegative().describe(description);
export const positiveSeconds = (description: string) => z.number().positive().describe(description);
export const threshold = (description: string) => z.number().int().min(2).max(10).describe(description);
