import { z } from 'zod';
import { invalidParam, missingParam } from './errors.js';
import type { ApiRequest } from './routes.js';
import type { JsonObject } from './store.js';

/**
 * The handler's typed view of a form body. Twilio's contract (required fields, SID patterns, enums, booleans,
 * repeated keys for arrays) has already been checked in http.ts; these schemas add only the sandbox's own rules
 * (lengths Twilio documents in prose, JSON `Attributes`) and give handlers types.
 * A failing key that is absent → "Missing required parameter"; otherwise "Invalid parameter".
 */
export function fields<S extends z.ZodType>(req: ApiRequest, schema: S): z.output<S> {
  const r = schema.safeParse(req.body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = issue && issue.path.length > 0 ? String(issue.path[0]) : 'body';
  if (!(key in req.body)) throw missingParam(key);
  throw invalidParam(key, issue?.message ?? 'invalid value');
}

export const zNonEmpty = z.string().min(1, { message: 'must not be empty' });

/** `Attributes`: one form field holding a JSON object. */
export const zAttributes = z.string().transform((s, ctx): JsonObject => {
  try {
    const v: unknown = JSON.parse(s);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as JsonObject;
  } catch {
    // fall through
  }
  ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
  return z.NEVER;
});
