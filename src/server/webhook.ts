import express, { type Request, type Response } from 'express';
import { refuseBadBodies } from './body-errors.js';
import { accountOf, signingToken, type SigningAccounts } from './account-token.js';
import twilio from 'twilio';
import { z } from 'zod';
import { SETTLED_STATES } from '../ledger/states.js';
import { bundleField, type StatusPatch } from '../ledger/status-fields.js';
import type { Logger } from '../log.js';
import { RECHECK, recheckJobId, type Queues } from '../workers/queues.js';

/**
 * POST /webhooks/twilio/status: Twilio's status callbacks for customer profiles and trust
 * bundles. Every request must carry a valid X-Twilio-Signature made with the auth token of
 * the account that owns the bundle; anything else is refused with 403 and nothing of its
 * body is logged. A valid event is written to the ledger and turned into an immediate
 * re-check of the customer, which confirms it against Twilio's API before acting: a
 * rejection dead-letters the customer at once, a duplicate or stale event changes nothing.
 */

export const STATUS_WEBHOOK_PATH = '/webhooks/twilio/status';

export interface StatusWebhookOptions extends SigningAccounts {
  /** The exact URL Twilio was given (PUBLIC_BASE_URL + path): what the signature covers. */
  publicUrl: string | undefined;
  queues: Pick<Queues, typeof RECHECK>;
  log: Logger;
}

const callbackSchema = z.object({
  AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  BundleSid: z.string().regex(/^BU[0-9a-fA-F]{32}$/),
  Status: z.enum(['draft', 'pending-review', 'in-review', 'twilio-rejected', 'twilio-approved', 'provisionally-approved']),
  FailureReason: z.string().max(4000).optional(),
});

// The ledger's slot of each bundle the pipeline creates (a Standard brand's A2P Messaging Trust Product has its own).
const BUNDLE_KINDS = ['customerProfile', 'trustProduct', 'a2pProduct'] as const;

export function statusWebhook(opts: StatusWebhookOptions): express.Router {
  const router = express.Router();
  router.post(STATUS_WEBHOOK_PATH, express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }), (req: Request, res: Response) => {
    handle(opts, req, res).catch((err: unknown) => {
      opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'status callback could not be recorded; Twilio will retry');
      if (!res.headersSent) res.status(500).send('could not record the event');
    });
  });
  router.use(refuseBadBodies);
  return router;
}

async function handle(opts: StatusWebhookOptions, req: Request, res: Response): Promise<void> {
  const body: unknown = req.body;
  const params: Record<string, string> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') params[k] = v;
  }
  const signature = req.header('X-Twilio-Signature');
  const url = opts.publicUrl ?? `${req.protocol}://${req.get('host') ?? ''}${req.originalUrl}`;
  // Twilio signs with the token of the account that owns the bundle: the parent's, or a customer's subaccount's.
  const token = await signingToken(opts, params['AccountSid']);
  if (token === null) {
    opts.log.warn({ from: req.ip }, 'refused a status callback: its AccountSid is neither this account nor a subaccount this deployment recorded');
    res.status(403).send('unknown account');
    return;
  }
  if (!signature || !twilio.validateRequest(token, signature, url, params)) {
    opts.log.warn({ from: req.ip, hasSignature: Boolean(signature) }, 'refused a status callback: missing or invalid X-Twilio-Signature');
    res.status(403).send('invalid signature');
    return;
  }
  const parsed = callbackSchema.safeParse(params);
  if (!parsed.success) {
    opts.log.warn({ issues: parsed.error.issues.map((i) => i.path.join('.')) }, 'refused a signed status callback with unexpected fields');
    res.status(400).send('unexpected callback fields');
    return;
  }
  const ev = parsed.data;
  const customerId = await opts.ledger.ownerOf(ev.BundleSid);
  const rec = customerId ? await opts.ledger.get(customerId) : null;
  const kind = rec ? BUNDLE_KINDS.find((k) => rec.sids[k] === ev.BundleSid) : undefined;
  // The bundle must live in the account that signed: a subaccount's callback speaks only of its own customer's bundles.
  if (rec && ev.AccountSid !== accountOf(rec, opts.accountSid)) {
    opts.log.warn({ bundleSid: ev.BundleSid }, "refused a status callback about a bundle of another account than the one that signed it");
    res.status(403).send('unknown account');
    return;
  }
  if (!rec || !kind) {
    opts.log.info({ bundleSid: ev.BundleSid, status: ev.Status }, 'status callback for a bundle this deployment does not know; ignored');
    res.status(204).end();
    return;
  }
  const log = opts.log.child({ customerId: rec.customerId, batch: rec.batchId, bundleSid: ev.BundleSid });
  const fields: StatusPatch = { [kind]: ev.Status, [bundleField(kind, 'CallbackAt')]: new Date().toISOString() };
  if (ev.FailureReason) fields[bundleField(kind, 'FailureReason')] = ev.FailureReason;
  await opts.ledger.setStatus(rec.customerId, fields);
  if (!SETTLED_STATES.includes(rec.state) && (ev.Status === 'twilio-rejected' || ev.Status === 'twilio-approved')) {
    // One re-check per customer, generation and event: a second delivery of the same event is a no-op.
    const data = { customerId: rec.customerId, batchId: rec.batchId, gen: rec.gen };
    await opts.queues[RECHECK].add(RECHECK, data, { jobId: recheckJobId(rec.customerId, rec.gen, `cb-${kind}-${ev.Status}`) });
    log.info({ status: ev.Status }, 'status callback: re-checking the customer now');
  } else {
    log.debug({ status: ev.Status }, 'status callback recorded');
  }
  res.status(204).end();
}
