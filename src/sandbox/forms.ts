import { z } from 'zod';
import { invalidParam, missingParam, notFound } from './errors.js';
import type { JsonObject } from './store.js';

/**
 * Parses a form-encoded Twilio body (PascalCase keys; arrays as repeated keys) with a zod schema.
 * Keys listed in arrayKeys are read with getAll(); every other key takes its first value.
 * A failing key that is absent from the body → "Missing required parameter"; otherwise "Invalid parameter".
 */
export function parseForm<S extends z.ZodType>(form: URLSearchParams, schema: S, arrayKeys: readonly string[] = []): z.output<S> {
  const raw: Record<string, string | string[]> = {};
  for (const key of new Set(form.keys())) {
    raw[key] = arrayKeys.includes(key) ? form.getAll(key) : (form.get(key) ?? '');
  }
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const key = issue && issue.path.length > 0 ? String(issue.path[0]) : 'body';
  if (!form.has(key)) throw missingParam(key);
  throw invalidParam(key, issue?.message ?? 'invalid value');
}

export const zBool = z
  .string()
  .refine((s) => /^(true|false)$/i.test(s), { message: 'must be true or false' })
  .transform((s) => s.toLowerCase() === 'true');

export const zSid = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`), { message: `must be a ${prefix} SID (^${prefix}[0-9a-fA-F]{32}$)` });

export const zUri = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}, { message: 'must be an absolute http(s) URL' });

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

/** A path SID that does not match its pattern cannot name a resource: Twilio answers 404. */
export function pathSid(params: Record<string, string>, name: string, prefix: string, twilioPath: string): string {
  const v = params[name] ?? '';
  if (!new RegExp(`^${prefix}[0-9a-fA-F]{32}$`).test(v)) throw notFound(twilioPath);
  return v;
}
