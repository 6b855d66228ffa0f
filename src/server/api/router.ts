import type { AccountMode } from '../../producers/ingest.js';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';
import { CUSTOMER_ID_PATTERN } from '../../customers/customer.js';
import { CsvFileError } from '../../customers/errors.js';
import { validateAnyRow } from '../../customers/row.js';
import type { CampaignTemplate } from '../../customers/template.js';
import type { FeeTotals } from '../../ledger/fees.js';
import { FEE_KINDS } from '../../ledger/fees.js';
import type { InvalidRow, Ledger } from '../../ledger/ledger.js';
import type { Logger } from '../../log.js';
import { BATCH_ID, ingestFile, type IngestReport } from '../../producers/ingest.js';
import { accepted, batchSummary, customersPage, filteredTotal, type BatchCustomer } from '../../reports/batch-view.js';
import type { Queues } from '../../workers/queues.js';
import { customerRecord, recordCsv } from './customer-input.js';
import { ApiKeys, type ApiKeyRecord } from './keys.js';
import { openApiDocument } from './openapi.js';
import { RedisRateLimitStore } from './rate-limit-store.js';

/**
 * /api/v1: the ISV's own product registers customers one at a time (POST /customers) or as a CSV
 * (POST /batches), and reads their progress back. Authenticated by API keys only (Bearer; basic auth
 * never works here), rate limited per key, bodies bounded, every input checked with zod, answers and
 * errors in JSON (`{error: {code, message, field?}}`), described by /api/v1/openapi.json.
 * Customers go through the very ingest a CSV file gets (src/producers/ingest.ts).
 */

export const API_BASE = '/api/v1';

export interface ApiOptions {
  /** ACCOUNT_MODE: where a new customer starts (its own subaccount first, with `subaccount`). */
  accountMode?: AccountMode | undefined;
  /** Largest CSV body of POST /batches, in bytes. */
  maxCsvBytes?: number;
  /** Requests per minute per API key. */
  rateLimitPerMinute?: number;
  /** The campaign template for customers whose campaign fields are not all in the body (API_CAMPAIGN_TEMPLATE). */
  templatePath?: string | undefined;
  /** As for `ingest`: business numbers checked against the account when Twilio can be asked. */
  ownsPhoneNumber?: ((e164: string) => Promise<boolean>) | undefined;
  log?: Logger;
  /** How long a repeated Idempotency-Key returns the first answer. */
  idempotencyTtlMs?: number;
}

export interface ApiDeps {
  redis: Redis | Cluster;
  prefix: string;
  ledger: Ledger;
  queues: Queues;
  log: Logger;
  template: CampaignTemplate | undefined;
}

export const API_DEFAULTS = { maxCsvBytes: 5 * 1024 * 1024, rateLimitPerMinute: 300, idempotencyTtlMs: 24 * 3_600_000 } as const;
const MAX_JSON_BYTES = 64 * 1024;
const PENDING_TTL_MS = 10 * 60_000;

interface ErrorBody {
  error: { code: string; message: string; field?: string; problems?: { field: string; message: string }[] };
}

function fail(res: Response, status: number, code: string, message: string, field?: string, problems?: { field: string; message: string }[]): void {
  const body: ErrorBody = { error: { code, message, ...(field !== undefined ? { field } : {}), ...(problems ? { problems } : {}) } };
  res.status(status).json(body);
}

type Locals = { apiKey?: ApiKeyRecord };
const keyOf = (res: Response): ApiKeyRecord => (res.locals as Locals).apiKey!;

const dryRunQuery = z.enum(['true', 'false', '1', '0']).optional().transform((v) => v === 'true' || v === '1');
const batchQuery = z.object({ batch: z.string().regex(BATCH_ID).optional(), dryRun: dryRunQuery }).strict();
const pageQuery = z.object({
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
}).strict();

function queryProblem(err: z.ZodError): { field: string; message: string } {
  const issue = err.issues[0];
  const field = issue?.code === 'unrecognized_keys' ? (issue.keys[0] ?? '(query)') : String(issue?.path[0] ?? '(query)');
  const message = issue?.code === 'unrecognized_keys' ? 'is not a query parameter of this endpoint' : issue?.message ?? 'is not valid';
  return { field, message };
}

/** The JSON view of a customer (accepted, or a row refused at ingest when listed in its batch). */
export function customerJson(c: BatchCustomer, batchId: string) {
  return {
    customer_id: c.customerId,
    batch_id: batchId,
    row: c.row,
    state: c.state,
    stage: c.stage,
    reason: c.reason,
    action: c.action,
    twilio_statuses: c.status,
    sids: Object.fromEntries(Object.entries(c.sids).filter((e): e is [string, string] => typeof e[1] === 'string')),
    fees: feesJson(c.fees),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

function feesJson(t: FeeTotals | undefined) {
  const dollars = (cents: number) => (cents / 100).toFixed(2);
  return {
    total_usd: dollars(t?.cents ?? 0),
    by_kind: Object.fromEntries(FEE_KINDS.map((k) => [k, { usd: dollars(t?.byKind[k].cents ?? 0), count: t?.byKind[k].count ?? 0, mock: t?.byKind[k].mock ?? 0 }])),
  };
}

function rejectedJson(r: InvalidRow) {
  return { row: r.row, customer_id: r.customerId, field: r.column ?? null, reason: r.reason };
}

function reportJson(r: IngestReport) {
  return { batch_id: r.batch, dry_run: r.dryRun, accepted: r.accepted, rejected: r.rejected.map(rejectedJson), unknown_columns: r.unknownColumns };
}

function today(now = new Date()): string {
  return `api-${now.toISOString().slice(0, 10)}`;
}

/** A CSV written to a private temporary file for ingest, removed afterwards. */
async function withTempCsv<T>(text: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'a2p-api-'));
  try {
    const file = join(dir, 'api.csv');
    await writeFile(file, text, { mode: 0o600 });
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function apiRouter(deps: ApiDeps, opts: ApiOptions = {}): express.Router {
  const keys = new ApiKeys(deps.redis, deps.prefix);
  const maxCsvBytes = opts.maxCsvBytes ?? API_DEFAULTS.maxCsvBytes;
  const idemTtl = opts.idempotencyTtlMs ?? API_DEFAULTS.idempotencyTtlMs;
  const log = deps.log.child({ component: 'api' });
  const ingestDeps = { ledger: deps.ledger, queues: deps.queues, log: deps.log };
  const router = express.Router();

  router.get(`${API_BASE}/openapi.json`, (_req, res) => {
    res.json(openApiDocument());
  });

  // API keys only: a Basic header (the dashboard's password) is refused like a wrong key.
  router.use(API_BASE, (req: Request, res: Response, next: NextFunction) => {
    res.set('Cache-Control', 'no-store'); // answers about customers are never for a shared cache
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const done = (key: ApiKeyRecord | null) => {
      if (!key) {
        res.set('WWW-Authenticate', 'Bearer realm="a2p-onboard api"');
        fail(res, 401, 'unauthorized', m ? 'the API key is wrong or revoked' : 'send an API key as `Authorization: Bearer <key>` (create one with `a2p-onboard api-key create --name NAME`)');
        return;
      }
      (res.locals as Locals).apiKey = key;
      next();
    };
    if (!m) return done(null);
    keys.verify(m[1]!).then(done, next);
  });

  router.use(
    API_BASE,
    rateLimit({
      windowMs: 60_000,
      limit: opts.rateLimitPerMinute ?? API_DEFAULTS.rateLimitPerMinute,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (_req, res) => keyOf(res).id,
      store: new RedisRateLimitStore(deps.redis, `${deps.prefix}:api:rate:`),
      handler: (_req, res, _next, o) => {
        fail(res, 429, 'rate_limited', `this API key made more than ${String(o.limit)} requests in a minute; wait for the Retry-After seconds and try again`);
      },
    }),
  );

  router.use(API_BASE, express.json({ limit: MAX_JSON_BYTES, type: 'application/json' }));
  router.use(API_BASE, express.text({ limit: maxCsvBytes, type: ['text/csv', 'text/plain'] }));

  // Idempotency-Key (POST only): the first answer is kept per API key and returned to every repeat.
  router.post(`${API_BASE}/*path`, (req: Request, res: Response, next: NextFunction) => {
    const idem = req.header('Idempotency-Key');
    if (idem === undefined) return next();
    if (!/^[\x21-\x7e]{1,255}$/.test(idem)) {
      fail(res, 400, 'invalid_header', 'must be 1 to 255 visible ASCII characters (a UUID is a good choice)', 'Idempotency-Key');
      return;
    }
    const key = `${deps.prefix}:api:idem:${keyOf(res).id}:${createHash('sha256').update(idem).digest('hex')}`;
    const body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? null);
    const fingerprint = createHash('sha256').update(`${req.method} ${req.originalUrl}\n${body}`).digest('hex');
    const stored = z.object({ fingerprint: z.string(), status: z.number().optional(), body: z.unknown().optional() });
    (async () => {
      const claimed = await deps.redis.set(key, JSON.stringify({ fingerprint }), 'PX', PENDING_TTL_MS, 'NX');
      if (claimed !== 'OK') {
        const raw = await deps.redis.get(key);
        const prev = raw ? stored.safeParse(JSON.parse(raw)) : null;
        if (!prev?.success) return next(); // expired in between: a first request after all
        if (prev.data.fingerprint !== fingerprint) {
          fail(res, 422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request (path or body); use a new key for a new request', 'Idempotency-Key');
        } else if (prev.data.status === undefined) {
          fail(res, 409, 'idempotency_in_progress', 'a request with this Idempotency-Key is still being processed; retry in a few seconds', 'Idempotency-Key');
        } else {
          res.set('Idempotent-Replayed', 'true').status(prev.data.status).json(prev.data.body);
        }
        return;
      }
      // The answer is stored before it is sent, so a retry after it always sees it. A server error
      // is not kept: the retry runs again.
      const send = res.json.bind(res);
      res.json = (answer: unknown) => {
        const status = res.statusCode;
        const save = status >= 500 ? deps.redis.del(key) : deps.redis.set(key, JSON.stringify({ fingerprint, status, body: answer }), 'PX', idemTtl);
        save.then(
          () => send(answer),
          (err: unknown) => {
            log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store an idempotent answer');
            send(answer);
          },
        );
        return res;
      };
      next();
    })().catch(next);
  });

  router.post(`${API_BASE}/customers`, (req, res, next) => {
    if (!req.is('application/json')) return fail(res, 415, 'unsupported_media_type', 'send the customer as JSON (Content-Type: application/json)');
    postCustomer(req, res).catch(next);
  });

  async function postCustomer(req: Request, res: Response): Promise<void> {
    const input = customerRecord(req.body);
    if (!input.ok) return fail(res, 400, 'invalid_field', `${input.problem.field}: ${input.problem.message}`, input.problem.field);
    const batch = input.value.batch ?? today();
    if (!BATCH_ID.test(batch)) return fail(res, 400, 'invalid_field', "batch: may only use letters, digits, '_', '.', '-' (at most 80), starting with a letter or digit", 'batch');
    // The CSV's row validation, on the record the same columns would make.
    const checked = validateAnyRow(input.value.record, 2, deps.template);
    if (!checked.ok) {
      const problems = checked.problems.map((p) => ({ field: p.column, message: p.reason }));
      return fail(res, 400, 'invalid_field', problems.map((p) => `${p.field}: ${p.message}`).join('; '), problems[0]?.field, problems);
    }
    const id = checked.customer.customerId;
    const data = JSON.stringify(checked.customer);
    const conflict = () =>
      fail(res, 409, 'customer_exists', `customer ${id} already exists with different data; a customer is registered once (to correct a failed or expired one, use \`a2p-onboard ingest --update\`)`, 'customer_id');
    const before = await deps.ledger.rawData(id);
    if (before !== null) {
      if (before !== data) return conflict();
      return sendCustomer(res, id, 200);
    }
    const report = await withTempCsv(recordCsv(input.value.record), (file) =>
      ingestFile(ingestDeps, file, { accountMode: opts.accountMode, batchId: batch, templatePath: opts.templatePath, ownsPhoneNumber: opts.ownsPhoneNumber, source: 'api', recordInvalidRows: false }),
    );
    const refused = report.rejected[0];
    if (refused) {
      if (refused.rule === 'already-registered') return conflict();
      return fail(res, 400, 'invalid_field', refused.reason, refused.column);
    }
    // Two requests for one new customer_id at once: the ledger registered one; the other's data may differ.
    if ((await deps.ledger.rawData(id)) !== data) return conflict();
    log.info({ keyId: keyOf(res).id, customerId: id, batch }, 'customer accepted through the API');
    return sendCustomer(res, id, 201);
  }

  async function sendCustomer(res: Response, id: string, status: number): Promise<void> {
    const rec = await deps.ledger.get(id);
    if (!rec) return fail(res, 404, 'not_found', `no customer ${id}`, 'id');
    const [view] = await accepted(deps.ledger, rec.batchId, [id]);
    res.status(status).json(customerJson(view!, rec.batchId));
  }

  router.get(`${API_BASE}/customers/:id`, (req, res, next) => {
    const id = String(req.params['id']);
    if (!CUSTOMER_ID_PATTERN.test(id)) return fail(res, 400, 'invalid_field', 'id: is not a customer id', 'id');
    sendCustomer(res, id, 200).catch(next);
  });

  router.post(`${API_BASE}/batches`, (req, res, next) => {
    if (!req.is('text/csv') && !req.is('text/plain')) return fail(res, 415, 'unsupported_media_type', 'send the customers CSV as the body (Content-Type: text/csv)');
    const q = batchQuery.safeParse(req.query);
    if (!q.success) {
      const p = queryProblem(q.error);
      return fail(res, 400, 'invalid_field', `${p.field}: ${p.message}`, p.field);
    }
    const text = typeof req.body === 'string' ? req.body : '';
    const batch = q.data.batch ?? `api-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`;
    withTempCsv(text, (file) => ingestFile(ingestDeps, file, { accountMode: opts.accountMode, batchId: batch, templatePath: opts.templatePath, ownsPhoneNumber: opts.ownsPhoneNumber, dryRun: q.data.dryRun, source: 'api' }))
      .then((report) => {
        log.info({ keyId: keyOf(res).id, batch, accepted: report.accepted, rejected: report.rejected.length, dryRun: report.dryRun }, 'CSV received through the API');
        res.status(report.dryRun ? 200 : 201).json(reportJson(report));
      })
      .catch((err: unknown) => {
        if (err instanceof CsvFileError) return fail(res, 400, 'invalid_csv', err.message, err.columns[0]);
        next(err);
      });
  });

  router.get(`${API_BASE}/batches/:id`, (req, res, next) => {
    const id = String(req.params['id']);
    if (!BATCH_ID.test(id)) return fail(res, 400, 'invalid_field', 'id: is not a batch id', 'id');
    (async () => {
      const meta = (await deps.ledger.listBatches()).find((b) => b.batchId === id);
      const s = await batchSummary(deps.ledger, id, meta);
      if (!s.exists) return fail(res, 404, 'not_found', `no batch ${id}`, 'id');
      res.json({ batch_id: s.batchId, created_at: s.createdAt, source: s.source, total: s.total, done: s.done, counts: s.counts });
    })().catch(next);
  });

  router.get(`${API_BASE}/batches/:id/customers`, (req, res, next) => {
    const id = String(req.params['id']);
    if (!BATCH_ID.test(id)) return fail(res, 400, 'invalid_field', 'id: is not a batch id', 'id');
    const q = pageQuery.safeParse(req.query);
    if (!q.success) {
      const p = queryProblem(q.error);
      return fail(res, 400, 'invalid_field', `${p.field}: ${p.message}`, p.field);
    }
    const { offset, limit } = q.data;
    (async () => {
      if (!(await deps.ledger.batchExists(id))) return fail(res, 404, 'not_found', `no batch ${id}`, 'id');
      const [total, page] = await Promise.all([filteredTotal(deps.ledger, id, undefined), customersPage(deps.ledger, id, undefined, offset, limit)]);
      const next = offset + page.length < total ? offset + page.length : null;
      res.json({ data: page.map((c) => customerJson(c, id)), offset, limit, total, next_offset: next });
    })().catch(next);
  });

  router.use(API_BASE, (_req, res) => fail(res, 404, 'not_found', 'no such endpoint; see /api/v1/openapi.json'));

  router.use(API_BASE, (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
    if (status === 413) return fail(res, 413, 'body_too_large', `the body is larger than this endpoint takes (JSON: ${MAX_JSON_BYTES} bytes; CSV: ${maxCsvBytes} bytes, API_MAX_CSV_BYTES); split the file into several batches`);
    if (typeof status === 'number' && status >= 400 && status < 500) return fail(res, 400, 'invalid_body', 'the body cannot be parsed (is it valid JSON?)', '(body)');
    log.error({ err: err instanceof Error ? err.message : String(err) }, 'API request failed');
    if (!res.headersSent) fail(res, 500, 'internal_error', 'the request could not be completed; retry it (with the same Idempotency-Key)');
  });
  return router;
}
