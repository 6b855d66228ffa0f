import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { notificationSchema, type Notification } from './event.js';
import { SIGNATURE_HEADER, verifySignature } from './signature.js';

/**
 * A small notification receiver, as an ISV would write one: checks `A2P-Signature` over the raw body,
 * answers 2xx quickly, and acts on each event id once. `a2p-onboard notify-receiver` and `npm run demo
 * -- --notify` print what it gets; the tests record it.
 */

export interface ReceivedNotification {
  notification: Notification;
  rawBody: string;
  signature: string;
  /** The same id was received before (a retry whose answer got lost): acknowledged, not acted on. */
  duplicate: boolean;
}

export interface ReceiverOptions {
  secret: string;
  port?: number;
  host?: string;
  path?: string;
  toleranceS?: number;
  onNotification(r: ReceivedNotification): void | Promise<void>;
  /** A refused request (bad signature, bad body): what the receiver answered and why. */
  onRefused?(status: number, why: string): void;
}

export interface Receiver {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 256 * 1024;

export async function startNotifyReceiver(o: ReceiverOptions): Promise<Receiver> {
  const seen = new Set<string>();
  const path = o.path ?? '/a2p-notifications';
  const refuse = (res: ServerResponse, status: number, why: string) => {
    o.onRefused?.(status, why);
    res.writeHead(status, { 'content-type': 'text/plain' }).end(why);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== path) return refuse(res, 404, `POST ${path} only`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > MAX_BODY) return refuse(res, 413, 'body too large');
      chunks.push(c);
    }
    const raw = Buffer.concat(chunks).toString('utf8');
    const h = req.headers[SIGNATURE_HEADER.toLowerCase()];
    const signature = (Array.isArray(h) ? h[0] : h) ?? '';
    const check = verifySignature(signature, raw, o.secret, o.toleranceS ?? 300);
    if (!check.ok) return refuse(res, 400, check.why);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return refuse(res, 400, 'body is not JSON');
    }
    const parsed = notificationSchema.safeParse(body);
    if (!parsed.success) return refuse(res, 400, 'not a notification');
    const duplicate = seen.has(parsed.data.id);
    // An id counts as seen once acted on: a handler that throws answers 500, and the retry is acted on.
    await o.onNotification({ notification: parsed.data, rawBody: raw, signature, duplicate });
    seen.add(parsed.data.id);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One line for a person watching: what happened to whom, and the words for the customer. */
export function describeNotification(r: ReceivedNotification): string {
  const c = r.notification.customer;
  const head = `${r.duplicate ? '(again) ' : ''}${r.notification.type.padEnd(24)} ${c.customerId} at ${c.stage}`;
  const why = c.reason ? `\n    reason: ${c.reason}` : '';
  const say = c.customerMessage && !r.duplicate ? `\n    tell the customer: ${c.customerMessage}` : '';
  return `${head}${why}${say}`;
}
