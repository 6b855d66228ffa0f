import http from 'node:http';
import https from 'node:https';
import twilio from 'twilio';

/**
 * Best-effort status callbacks: form-encoded POSTs signed with X-Twilio-Signature exactly as twilio-node's
 * webhook validator expects. Delivery errors are ignored; the API never waits for them.
 */
export class StatusCallbacks {
  private readonly inflight = new Set<http.ClientRequest>();
  private closed = false;

  constructor(private readonly authToken: string) {}

  send(url: string, params: Record<string, string>): void {
    if (this.closed) return;
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return;
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') return;
    const body = new URLSearchParams(params).toString();
    const signature = twilio.getExpectedTwilioSignature(this.authToken, url, params);
    const lib = target.protocol === 'https:' ? https : http;
    try {
      const req = lib.request(
        target,
        {
          method: 'POST',
          agent: false,
          timeout: 5000,
          headers: {
            'Content-Type': 'application/x-www-form-urlencoded',
            'Content-Length': Buffer.byteLength(body),
            'X-Twilio-Signature': signature,
            'User-Agent': 'TwilioProxy/1.1',
            Connection: 'close',
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => this.inflight.delete(req));
        },
      );
      this.inflight.add(req);
      req.on('error', () => this.inflight.delete(req));
      req.on('timeout', () => req.destroy());
      req.on('close', () => this.inflight.delete(req));
      req.end(body);
    } catch {
      // ignore: best effort
    }
  }

  close(): void {
    this.closed = true;
    for (const r of this.inflight) r.destroy();
    this.inflight.clear();
  }
}
