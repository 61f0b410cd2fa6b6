// Request validation with zod: one clear 400 listing every problem, with the path of each.

import type { z } from 'zod';
import { ValidationError } from '../errors';

export interface ValidationProblem {
  path: string;
  message: string;
}

export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'params'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: ValidationProblem[] = result.error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new ValidationError(`The request ${where} is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, {
    problems,
  });
}
