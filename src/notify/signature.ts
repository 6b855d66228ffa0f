import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The `A2P-Signature` header of a notification, Stripe's scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">` keyed with NOTIFY_SECRET. The time is signed too, so a captured request cannot be
 * replayed later than the receiver's tolerance.
 */
export const SIGNATURE_HEADER = 'A2P-Signature';

export function signatureHeader(secret: string, body: string, t = Math.floor(Date.now() / 1000)): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

export type SignatureCheck = { ok: true; t: number } | { ok: false; why: string };

/** Check a header against the raw body: any `v1` matching (a sender may sign with two secrets while rotating), `t` within `toleranceS` of now. */
export function verifySignature(header: string | undefined, body: string | Buffer, secret: string, toleranceS = 300, nowS = Math.floor(Date.now() / 1000)): SignatureCheck {
  if (!header) return { ok: false, why: `no ${SIGNATURE_HEADER} header` };
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const sigs = parts.filter(([k, v]) => k === 'v1' && v).map(([, v]) => v!);
  if (!Number.isInteger(t) || sigs.length === 0) return { ok: false, why: `malformed ${SIGNATURE_HEADER} header` };
  if (Math.abs(nowS - t) > toleranceS) return { ok: false, why: `timestamp ${t} is more than ${toleranceS} s from now` };
  const expected = createHmac('sha256', secret).update(`${t}.`).update(body).digest();
  const match = sigs.some((s) => {
    const got = Buffer.from(s, 'hex');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
  return match ? { ok: true, t } : { ok: false, why: 'signature does not match' };
}
