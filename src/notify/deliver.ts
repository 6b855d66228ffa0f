import type { Notification } from './event.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

/** One try at handing a notification to the ISV's endpoint. Knows nothing of BullMQ (src/workers/notify-worker.ts retries it). */

export interface DeliverSettings {
  url: string;
  secret: string;
  timeoutMs: number;
}

/** The receiver did not take it: a non-2xx answer, a timeout or no connection. Always worth another try later. */
export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** The serialised body: the bytes signed are the bytes sent. */
export function notificationBody(n: Notification): string {
  return JSON.stringify(n);
}

export async function deliverNotification(n: Notification, s: DeliverSettings, attempt: number): Promise<{ status: number; ms: number }> {
  const body = notificationBody(n);
  const started = Date.now();
  let res: Response;
  try {
    res = await fetch(s.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'a2p-onboard-notify/1',
        [SIGNATURE_HEADER]: signatureHeader(s.secret, body),
        // Not signed: informative only (the id is in the signed body).
        'A2P-Event-Id': n.id,
        'A2P-Delivery-Attempt': String(attempt),
      },
      body,
      signal: AbortSignal.timeout(s.timeoutMs),
      redirect: 'manual',
    });
  } catch (err) {
    const e = err as Error;
    const why = e.name === 'TimeoutError' ? `no answer within ${s.timeoutMs} ms (NOTIFY_TIMEOUT_MS)` : `could not connect: ${(e.cause as Error | undefined)?.message ?? e.message}`;
    throw new DeliveryError(why, null);
  }
  // Drain the body so the connection is released; only the status matters.
  await res.arrayBuffer().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new DeliveryError(`the receiver answered ${res.status}`, res.status);
  return { status: res.status, ms: Date.now() - started };
}
