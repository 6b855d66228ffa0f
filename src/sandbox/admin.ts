import { z } from 'zod';
import type { SandboxContext } from './context.js';
import { normaliseEmail, normaliseMobile } from './store.js';

export interface AdminResult {
  status: number;
  body: unknown;
}

const tcrUsageSchema = z
  .object({ mobile: z.string().min(1).optional(), email: z.string().min(1).optional(), count: z.number().int().min(0) })
  .refine((v) => v.mobile !== undefined || v.email !== undefined, { message: 'mobile or email is required' });
const neverReplySchema = z.object({ mobile: z.string().min(1) });

function parseJson(body: string): unknown {
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function invalid(error: z.ZodError | string): AdminResult {
  return { status: 400, body: { error: typeof error === 'string' ? error : error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') } };
}

/**
 * Test/demo controls under /_sandbox/ (no Twilio auth, loopback only, outside every budget and fault):
 * GET health, GET requests, POST brands/{BN}/otp-reply, POST tcr-usage, POST never-reply.
 */
export function handleAdmin(ctx: SandboxContext, method: string, path: string, body: string): AdminResult {
  const store = ctx.store;
  if (method === 'GET' && path === '/_sandbox/health') {
    return { status: 200, body: { ok: true, accountSid: ctx.options.accountSid, isvPrimaryProfileSid: ctx.isvPrimaryProfileSid } };
  }
  if (method === 'GET' && path === '/_sandbox/requests') {
    return { status: 200, body: store.requestLog };
  }
  const otp = /^\/_sandbox\/brands\/(BN[0-9a-fA-F]{32})\/otp-reply$/.exec(path);
  if (method === 'POST' && otp) {
    const brand = store.brands.get(otp[1]!);
    if (!brand) return { status: 404, body: { error: `brand ${otp[1]!} not found` } };
    if (brand.status !== 'APPROVED' || brand.identityStatus !== 'UNVERIFIED') {
      return { status: 409, body: { error: `brand ${brand.sid} is ${brand.status}/${brand.identityStatus}; only an APPROVED/UNVERIFIED brand awaits an OTP reply` } };
    }
    store.neverReply.delete(brand.mobile ?? '');
    ctx.lifecycle.otpReply(brand);
    return { status: 200, body: { sid: brand.sid, status: brand.status, identity_status: brand.identityStatus } };
  }
  if (method === 'POST' && path === '/_sandbox/tcr-usage') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = tcrUsageSchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    if (r.data.mobile !== undefined) store.tcrMobileUsage.set(normaliseMobile(r.data.mobile), r.data.count);
    if (r.data.email !== undefined) store.tcrEmailUsage.set(normaliseEmail(r.data.email), r.data.count);
    return { status: 200, body: { ok: true } };
  }
  if (method === 'POST' && path === '/_sandbox/never-reply') {
    const json = parseJson(body);
    if (json === undefined) return invalid('body must be JSON');
    const r = neverReplySchema.safeParse(json);
    if (!r.success) return invalid(r.error);
    store.neverReply.add(normaliseMobile(r.data.mobile));
    return { status: 200, body: { ok: true } };
  }
  return { status: 404, body: { error: `no admin endpoint ${method} ${path}` } };
}
