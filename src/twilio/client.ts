import http from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { DEFAULT_RETRY_AFTER_MS, RateLimitedError } from './errors.js';

export interface CallInfo {
  method: string;
  /** The URL as twilio-node built it (real Twilio host), without the query string. */
  url: string;
  status: number | 'error';
  ms: number;
}

export interface A2pRequestClientOptions {
  /** When set, `https://{product}.twilio.com/{path}` goes to `{apiBase}/{product}/{path}`. */
  apiBase?: string | undefined;
  timeoutMs?: number;
  /** Called after every HTTP exchange (metrics, tests). */
  onCall?: (info: CallInfo) => void;
}

/**
 * The one RequestClient every Twilio call goes through.
 *
 * - twilio-node has no base-URL option, so this rewrites every request, including the
 *   absolute next-page URLs pagination follows, when `apiBase` is set (the sandbox).
 * - A 429 becomes a RateLimitedError carrying Retry-After, which RestException drops.
 * - autoRetry stays off: twilio-node's retry also fires on connection resets, which would
 *   repeat a POST whose answer was lost and create a second brand or campaign. Retries
 *   belong to the queue, behind the ledger's idempotency checks.
 */
class A2pRequestClient extends twilio.RequestClient {
  readonly apiBase: string | undefined;
  private readonly onCall: ((info: CallInfo) => void) | undefined;

  constructor(opts: A2pRequestClientOptions = {}) {
    super({ autoRetry: false, keepAlive: true, timeout: opts.timeoutMs ?? 30_000 });
    this.apiBase = opts.apiBase?.replace(/\/+$/, '');
    this.onCall = opts.onCall;
    // Keep sockets to a plain-HTTP endpoint (the sandbox) alive too; the parent sets the https agent.
    this.axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = this.apiBase ? rewriteTwilioUrl(opts.uri, this.apiBase) : opts.uri;
    const started = performance.now();
    const url = opts.uri.split('?')[0] ?? opts.uri;
    let res;
    try {
      res = await super.request<TData>({ ...opts, uri });
    } catch (err) {
      this.onCall?.({ method: opts.method, url, status: 'error', ms: performance.now() - started });
      throw err;
    }
    this.onCall?.({ method: opts.method, url, status: res.statusCode, ms: performance.now() - started });
    if (res.statusCode === 429) throw new RateLimitedError(retryAfterMs(res.headers));
    return res;
  }
}

function retryAfterMs(headers: unknown): number {
  const raw = headers && typeof headers === 'object' ? (headers as Record<string, unknown>)['retry-after'] : undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.max(100, seconds * 1000);
  const date = Date.parse(String(raw));
  return Number.isFinite(date) ? Math.max(100, date - Date.now()) : DEFAULT_RETRY_AFTER_MS;
}

/** `https://trusthub.twilio.com/v1/X?y` → `${apiBase}/trusthub/v1/X?y`. Other URLs pass unchanged. */
function rewriteTwilioUrl(uri: string, apiBase: string): string {
  const m = /^https?:\/\/([a-z0-9-]+)(?:\.[a-z0-9-]+)*\.twilio\.com(\/.*)?$/i.exec(uri);
  if (!m) return uri;
  return `${apiBase}/${m[1]!.toLowerCase()}${m[2] ?? ''}`;
}

export interface TwilioClientOptions extends A2pRequestClientOptions {
  accountSid: string;
  authToken: string;
}

export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  const httpClient = new A2pRequestClient(opts);
  return twilio(opts.accountSid, opts.authToken, { httpClient, autoRetry: false });
}
