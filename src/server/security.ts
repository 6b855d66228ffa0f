import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';

/**
 * The dashboard server's protections for every route: security headers (helmet: a content security
 * policy with no inline scripts, no framing by any site, no MIME sniffing, no referrer to other sites),
 * and wrong basic-auth attempts slowed down per client address.
 */

/**
 * Helmet's defaults, plus: no page may be framed (clickjacking), and no upgrade-insecure-requests (the
 * dashboard is often reached over plain HTTP on a private network, where it would break every asset).
 * The pages' own styles are inline (`style-src 'unsafe-inline'`, as helmet's default allows); scripts
 * only from this origin.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        'frame-ancestors': ["'none'"],
        'upgrade-insecure-requests': null,
        'form-action': ["'self'"],
      },
    },
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'same-origin' },
  });
}

export interface AuthThrottleOptions {
  /** Added to each wrong attempt's answer per recent wrong attempt from the same address (capped at 10 times). */
  delayMs: number;
  /** After this many wrong attempts within the window, an address gets 429 until the window passes. */
  maxFailures?: number;
  windowMs?: number;
}

/**
 * Wrong basic-auth attempts from one client address are answered later and later (delayMs × recent
 * failures, up to 10 × delayMs), then refused with 429 for the rest of the window: guessing the
 * dashboard's password becomes slow. A correct password is never delayed. Kept in memory (bounded):
 * each dashboard process counts its own clients.
 */
export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly maxFailures: number;
  private readonly windowMs: number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.maxFailures = opts.maxFailures ?? 50;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
  }

  private entry(ip: string, now: number): { count: number; since: number } | undefined {
    const e = this.failures.get(ip);
    if (e && now - e.since > this.windowMs) {
      this.failures.delete(ip);
      return undefined;
    }
    return e;
  }

  /** Seconds until the address may try again, when it is locked out. */
  lockedFor(ip: string, now = Date.now()): number | null {
    const e = this.entry(ip, now);
    return e && e.count >= this.maxFailures ? Math.ceil((e.since + this.windowMs - now) / 1000) : null;
  }

  /** Record a wrong attempt; how long to wait before answering it. */
  failed(ip: string, now = Date.now()): number {
    if (this.failures.size >= 10_000) {
      for (const [k, v] of this.failures) if (now - v.since > this.windowMs) this.failures.delete(k);
      if (this.failures.size >= 10_000) this.failures.delete(this.failures.keys().next().value!);
    }
    const e = this.entry(ip, now) ?? { count: 0, since: now };
    e.count += 1;
    this.failures.set(ip, e);
    return this.opts.delayMs * Math.min(e.count, 10);
  }

  /** Express middleware around a check: `ok(req)` says whether the credentials are right. */
  guard(ok: (req: Request) => boolean, refuse: (res: Response) => void): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
      const locked = this.lockedFor(ip);
      if (locked !== null) {
        res.set('Retry-After', String(locked)).status(429).type('text/plain').send(`Too many wrong passwords from this address; try again in ${locked} seconds`);
        return;
      }
      if (ok(req)) return next();
      const wait = req.headers.authorization ? this.failed(ip) : 0; // a browser's first request carries no credentials: not a wrong attempt
      if (wait === 0) return refuse(res);
      setTimeout(() => refuse(res), wait).unref();
    };
  }
}
