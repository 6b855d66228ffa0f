import http from 'node:http';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';

/**
 * twilio-node has no base-URL option. This RequestClient rewrites every request
 * (including the absolute next-page URLs pagination follows) from
 * `https://{product}.twilio.com/{path}` to `{apiBase}/{product}/{path}`, so the real
 * SDK can talk to the local sandbox or any Twilio-compatible endpoint.
 *
 * autoRetry stays off: twilio-node's retry also fires on connection resets, which
 * would repeat a POST whose answer was lost and create a second brand or campaign.
 * Retries belong to the queue, behind the ledger's idempotency checks.
 */
export class BaseUrlRequestClient extends twilio.RequestClient {
  readonly apiBase: string;

  constructor(apiBase: string, opts: { timeoutMs?: number } = {}) {
    super({ autoRetry: false, keepAlive: true, timeout: opts.timeoutMs ?? 30_000 });
    this.apiBase = apiBase.replace(/\/+$/, '');
    // Keep sockets to a plain-HTTP sandbox alive too (the https agent is set by the parent).
    this.axios.defaults.httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.apiBase) });
  }
}

/** `https://trusthub.twilio.com/v1/X?y` → `${apiBase}/trusthub/v1/X?y`. Other URLs pass unchanged. */
export function rewriteTwilioUrl(uri: string, apiBase: string): string {
  const m = /^https?:\/\/([a-z0-9-]+)(?:\.[a-z0-9-]+)*\.twilio\.com(\/.*)?$/i.exec(uri);
  if (!m) return uri;
  return `${apiBase}/${m[1]!.toLowerCase()}${m[2] ?? ''}`;
}

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** When set, every request goes there instead of Twilio (the sandbox). */
  apiBase?: string | undefined;
  timeoutMs?: number;
}

export function createTwilioClient(opts: TwilioClientOptions): twilio.Twilio {
  const httpClient = opts.apiBase
    ? new BaseUrlRequestClient(opts.apiBase, { timeoutMs: opts.timeoutMs ?? 30_000 })
    : new twilio.RequestClient({ autoRetry: false, keepAlive: true, timeout: opts.timeoutMs ?? 30_000 });
  return twilio(opts.accountSid, opts.authToken, { httpClient, autoRetry: false });
}
