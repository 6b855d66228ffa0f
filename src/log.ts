import { pino, type Logger } from 'pino';
import { maskEmail } from './customers/email.js';
import { maskPhone } from './customers/phone.js';

export type { Logger };

/**
 * Structured JSON logs (pino) that never carry a customer's personal data or a secret:
 * - fields named like personal data (email, phone, names, brand name, street, city, postal
 *   code, the customer record) are masked, at any depth;
 * - email addresses and phone numbers are masked inside every string, the message included;
 * - secrets (auth token, passwords, Authorization headers) are replaced by [redacted], by
 *   field name and by value (the known secrets are scrubbed wherever they appear);
 * - errors are reduced to type, message, code, status and stack: an HTTP client's error
 *   carries its request (body with the customer's data, Basic auth header), never logged.
 */

export interface LoggerOptions {
  /** Secret values to scrub from every line. Default: TWILIO_AUTH_TOKEN, DASHBOARD_PASSWORD, METRICS_TOKEN and NOTIFY_SECRET from the environment. */
  secrets?: (string | undefined)[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
const E164 = /\+[1-9]\d{7,14}\b/g;
/** North American numbers as people write them: (415) 555-2671, 415.555.2671, 1-415-555-2671, 4155552671. */
const NANP = /(?<![\w+])(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?!\w)/g;

/** Mask emails and phone numbers in free text (messages, reasons, Twilio's answers). */
export function scrubText(s: string): string {
  return s
    .replace(EMAIL, (m) => maskEmail(m))
    .replace(E164, (m) => maskPhone(m))
    .replace(NANP, (m) => {
      const digits = m.replace(/\D/g, '');
      return maskPhone(`+${digits.length === 10 ? `1${digits}` : digits}`);
    });
}

const norm = (k: string) => k.toLowerCase().replace(/[_-]/g, '');
const SECRET_KEYS = new Set(['authtoken', 'password', 'authorization', 'token', 'secret', 'apikey', 'apisecret', 'cookie', 'dashboardpassword', 'metricstoken', 'twilioauthtoken']);
const EMAIL_KEYS = new Set(['email', 'emailaddress']);
const PHONE_KEYS = new Set(['phone', 'phonenumber', 'mobile', 'mobilephone', 'mobilephonenumber']);
const NAME_KEYS = new Set(['firstname', 'lastname', 'fullname', 'brandname', 'businessname', 'customername']);
const ADDRESS_KEYS = new Set(['street', 'streetsecondary', 'city', 'postalcode', 'zip', 'customerstreet', 'addressline1', 'addressline2']);
/** Whole records of personal data: replaced, not walked. */
const RECORD_KEYS = new Set(['data', 'customer', 'attributes', 'body', 'form']);

function maskValue(key: string, v: unknown): unknown {
  const k = norm(key);
  if (SECRET_KEYS.has(k)) return '[redacted]';
  if (typeof v === 'string') {
    if (EMAIL_KEYS.has(k)) return maskEmail(v);
    if (PHONE_KEYS.has(k)) return v.startsWith('+') ? maskPhone(v) : '[masked]';
    if (NAME_KEYS.has(k)) return `${[...v][0] ?? ''}***`;
    if (ADDRESS_KEYS.has(k)) return '[masked]';
  }
  if (RECORD_KEYS.has(k) && v !== null && typeof v === 'object') return '[masked]';
  if (RECORD_KEYS.has(k) && typeof v === 'string' && v.length > 0 && /[{@]/.test(v)) return '[masked]';
  return undefined;
}

function errorShape(e: Error): Record<string, unknown> {
  const o = e as Error & { code?: unknown; status?: unknown; statusCode?: unknown };
  const out: Record<string, unknown> = { type: e.name, message: e.message };
  if (typeof o.code === 'string' || typeof o.code === 'number') out['code'] = o.code;
  const status = o.status ?? o.statusCode;
  if (typeof status === 'number') out['status'] = status;
  if (e.stack) out['stack'] = e.stack;
  return out;
}

function makeScrubber(secrets: string[]): (v: unknown) => unknown {
  const live = secrets.filter((s) => s.length >= 4);
  const text = (s: string) => {
    let out = s;
    for (const secret of live) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
    return scrubText(out);
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return text(v);
    if (v === null || typeof v !== 'object') return v;
    if (depth > 6) return '[deep]';
    if (v instanceof Error) return walk(errorShape(v), depth + 1);
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (v instanceof Date) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const masked = maskValue(k, x);
      out[k] = masked !== undefined ? masked : walk(x, depth + 1);
    }
    return out;
  };
  return (v) => walk(v, 0);
}

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', destination?: NodeJS.WritableStream, opts: LoggerOptions = {}): Logger {
  const secrets = (opts.secrets ?? [process.env['TWILIO_AUTH_TOKEN'], process.env['DASHBOARD_PASSWORD'], process.env['METRICS_TOKEN'], process.env['NOTIFY_SECRET']]).filter((s): s is string => !!s);
  const scrub = makeScrubber(secrets);
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'a2p-onboard' },
    // Fast path for the usual places; the formatter below catches the rest at any depth.
    redact: {
      paths: ['authToken', 'password', '*.authToken', '*.password', 'headers.authorization', '*.headers.authorization', 'config.auth', '*.config.auth'],
      censor: '[redacted]',
    },
    serializers: { err: (e: unknown) => scrub(e), error: (e: unknown) => scrub(e) },
    formatters: {
      log: (obj) => scrub(obj) as Record<string, unknown>,
      bindings: (b) => scrub(b) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? (scrub(a) as string) : a)) as Parameters<typeof method>);
      },
    },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination ? pino(options, destination as pino.DestinationStream) : pino(options, pino.destination(2));
}
