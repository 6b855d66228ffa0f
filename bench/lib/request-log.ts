import type { RequestLogEntry } from '@a2p-onboard/twilio-sandbox';

/** Reading the sandbox's request log: how many calls fell in the busiest one-second window, and what was created. */

/** Operations that take the registration budget (brand and campaign registration, Twilio's ~1/s advice). */
export const REGISTRATION_OPERATIONS = new Set(['brand.create', 'campaign.create']);
export const OTP_OPERATIONS = new Set(['otp.create']);

/** The most timestamps inside any window [t, t + windowMs) (sliding, as the sandbox and Twilio count). */
export function maxInWindow(times: number[], windowMs = 1000): number {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  let j = 0;
  for (let i = 0; i < t.length; i++) {
    while (j < t.length && t[j]! < t[i]! + windowMs) j++;
    best = Math.max(best, j - i);
  }
  return best;
}

export interface WindowReport {
  requests: number;
  /** Busiest one-second window, all API calls. */
  maxAccount: number;
  /** Busiest one-second window, brand and campaign registration. */
  maxRegistration: number;
  maxOtp: number;
  /** Answers of 429 (the budget was exceeded as the sandbox counts it). */
  tooMany: number;
  /** Successful creates per operation (e.g. `customerProfile.create`). */
  creates: Record<string, number>;
}

export function analyseRequestLog(log: RequestLogEntry[]): WindowReport {
  const api = log.filter((e) => e.product !== '_sandbox');
  const creates: Record<string, number> = {};
  for (const e of api) {
    if (e.method === 'POST' && e.operation?.endsWith('.create') && e.status >= 200 && e.status < 300) creates[e.operation] = (creates[e.operation] ?? 0) + 1;
  }
  return {
    requests: api.length,
    maxAccount: maxInWindow(api.map((e) => e.at)),
    maxRegistration: maxInWindow(api.filter((e) => REGISTRATION_OPERATIONS.has(e.operation ?? '')).map((e) => e.at)),
    maxOtp: maxInWindow(api.filter((e) => OTP_OPERATIONS.has(e.operation ?? '')).map((e) => e.at)),
    tooMany: api.filter((e) => e.status === 429).length,
    creates,
  };
}
