import type { AccountMode } from '../producers/ingest.js';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { InputError } from '../errors.js';
import type { Ledger } from '../ledger/ledger.js';
import { createLogger, type Logger } from '../log.js';
import { ingestFile, type IngestOptions, type IngestReport } from '../producers/ingest.js';
import type { Queues } from '../workers/queues.js';
import { html, page, qs, type Html } from './html.js';

/**
 * The upload page: an operator drops a customer CSV (and picks a campaign template), sees the dry run
 * (accepted count, every refused row with its row number, column and reason) with nothing queued, then
 * confirms and lands on the batch page. The file waits in a temporary folder of this process under a
 * random id until Confirm or UPLOAD_EXPIRY_MS, so Confirm never re-uploads it.
 *
 * Plain HTML forms, no script (it works under a strict CSP). Both POSTs are refused (403) when they
 * come from another site (Sec-Fetch-Site / Origin) or lack this form's token: an HMAC, with a secret
 * made at start, of the basic-auth user and the time the form was served.
 */

export interface UploadPageOptions {
  /** ACCOUNT_MODE: where a new customer starts (its own subaccount first, with `subaccount`). */
  accountMode?: AccountMode | undefined;
  /** UPLOAD_MAX_BYTES: the largest file (CSV or template) accepted; more is answered 413. */
  maxBytes?: number | undefined;
  /** UPLOAD_EXPIRY_MS: how long a previewed upload waits for its Confirm. */
  expiryMs?: number | undefined;
  /** UPLOAD_TEMPLATES_DIR: campaign templates (*.json) offered by name. */
  templatesDir?: string | undefined;
  /** PUBLIC_BASE_URL: its host counts as this dashboard's own origin too (behind a proxy that rewrites Host). */
  publicBaseUrl?: string | undefined;
  /** As for `ingest`: business rows' numbers checked against the Twilio account, when it can be asked. */
  ownsPhoneNumber?: IngestOptions['ownsPhoneNumber'];
  log?: Logger | undefined;
}

export interface UploadPage {
  router: express.Router;
  /** Stops the expiry timer and removes every upload still waiting. */
  close(): Promise<void>;
}

export const UPLOAD_DEFAULTS = { maxBytes: 20 * 1024 * 1024, expiryMs: 3600_000 } as const;

/** A form's token stays good this long (the upload itself may expire sooner). */
const TOKEN_TTL_MS = 12 * 3600_000;
const REJECTED_PER_PAGE = 200;
const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

interface Upload {
  id: string;
  user: string;
  dir: string;
  csvPath: string;
  csvName: string;
  templatePath: string | undefined;
  templateLabel: string;
  report: IngestReport;
  batchExists: boolean;
  expiresAt: number;
  /** Set once Confirm ran: a second Confirm (double click, reload) lands on the same batch. */
  confirmed?: Promise<string>;
}

const previewFields = z.object({
  csrf: z.string().default(''),
  batch: z.string().trim().default(''),
  template_name: z.string().trim().default(''),
});
const confirmFields = z.object({
  csrf: z.string().default(''),
  upload: z.string().regex(/^[0-9a-f]{32}$/).catch(''),
  batch: z.string().trim().default(''),
});
const pageQuery = z.object({ page: z.coerce.number().int().min(1).catch(1).default(1) });

/** Who is signed in: the basic-auth user the dashboard already checked ('' when it runs without a password). */
function authUser(req: Request): string {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return '';
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i >= 0 ? decoded.slice(0, i) : '';
}

/** The CSV's own name, kept so the default batch id and the batch's "file" are the operator's, not a temp name. */
function safeCsvName(original: string): string {
  const stem = basename(original).replace(/\.csv$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60);
  return `${stem || 'upload'}.csv`;
}

/** A size as staff read it: 20 MB, 16 KB, 500 bytes. */
function megabytes(n: number): string {
  const unit = (size: number, name: string) => `${(n / size).toFixed(n % size === 0 ? 0 : 1)} ${name}`;
  return n >= 1024 * 1024 ? unit(1024 * 1024, 'MB') : n >= 1024 ? unit(1024, 'KB') : `${n} bytes`;
}

export async function uploadPage(deps: { ledger: Ledger; queues: Queues }, opts: UploadPageOptions = {}): Promise<UploadPage> {
  const maxBytes = opts.maxBytes ?? UPLOAD_DEFAULTS.maxBytes;
  const expiryMs = opts.expiryMs ?? UPLOAD_DEFAULTS.expiryMs;
  const log = opts.log ?? createLogger('warn');
  const ingestDeps = { ledger: deps.ledger, queues: deps.queues, log };
  const secret = randomBytes(32);
  const root = await mkdtemp(join(tmpdir(), 'a2p-onboard-uploads-'));
  const uploads = new Map<string, Upload>();
  const publicHost = opts.publicBaseUrl ? new URL(opts.publicBaseUrl).host : undefined;

  // --- CSRF: a per-form HMAC bound to the user, and the browser's own word on where the POST came from.
  const sign = (user: string, issued: number) => createHmac('sha256', secret).update(`upload\n${user}\n${issued}`).digest('base64url');
  const tokenFor = (user: string) => {
    const issued = Date.now();
    return `${issued}.${sign(user, issued)}`;
  };
  const tokenOk = (user: string, token: string): boolean => {
    const m = /^(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return false;
    const issued = Number(m[1]);
    if (Date.now() - issued > TOKEN_TTL_MS || issued > Date.now() + 60_000) return false;
    return timingSafeEqual(Buffer.from(m[2]!), Buffer.from(sign(user, issued)));
  };
  /** Why this POST is not from this dashboard's own page, or null. Non-browser clients send neither header and rely on the token. */
  const crossSite = (req: Request): string | null => {
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') return `the browser says it came from another site (Sec-Fetch-Site: ${site})`;
    const origin = req.get('origin');
    if (origin === undefined) return null;
    let host: string | undefined;
    try {
      host = origin === 'null' ? undefined : new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== undefined && (host === req.get('host') || host === publicHost)) return null;
    return `it came from another origin (${origin})`;
  };

  const send = (res: Response, status: number, title: string, body: Html) =>
    res.status(status).type('html').set('Cache-Control', 'no-store').send(page(title, body, { nav: 'upload' }));
  const refuse = (res: Response, why: string) =>
    send(res, 403, 'Refused', html`<h1>Refused</h1><p id="refused">This request was refused because ${why}. Nothing was uploaded or queued.</p><p><a href="/upload">Open the upload page again</a> and send the form from there.</p>`);
  const tooLarge = (res: Response) =>
    send(res, 413, 'Too large', html`<h1>File too large</h1><p id="too-large">The upload page takes files of at most ${megabytes(maxBytes)} (<code>UPLOAD_MAX_BYTES</code>). Nothing was kept. Split the CSV into smaller files, or ingest it with <code>a2p-onboard ingest FILE</code>.</p><p><a href="/upload">Back to the upload page</a></p>`);
  const problem = (res: Response, status: number, message: string) =>
    send(res, status, 'Cannot use this upload', html`<h1>Cannot use this upload</h1><pre class="card" id="problem">${message}</pre><p>Nothing was queued. <a href="/upload">Upload a corrected file</a>.</p>`);

  const templateNames = async (): Promise<string[]> => {
    if (!opts.templatesDir) return [];
    const names = await readdir(opts.templatesDir).catch(() => [] as string[]);
    return names.filter((n) => n.endsWith('.json')).sort();
  };

  const drop = async (u: Pick<Upload, 'dir'>) => {
    await rm(u.dir, { recursive: true, force: true });
  };
  const sweep = () => {
    const now = Date.now();
    for (const [id, u] of uploads) {
      if (u.expiresAt > now) continue;
      uploads.delete(id);
      void drop(u);
    }
  };
  const timer = setInterval(sweep, Math.min(expiryMs, 60_000));
  timer.unref();
  const live = (id: string, user: string): Upload | undefined => {
    sweep();
    const u = uploads.get(id);
    return u && u.user === user ? u : undefined;
  };

  const upload = multer({
    storage: multer.diskStorage({
      destination: (req, _file, cb) => cb(null, req.res!.locals['uploadDir'] as string),
      filename: (_req, file, cb) => cb(null, file.fieldname === 'csv' ? safeCsvName(file.originalname) : 'template.json'),
    }),
    limits: { fileSize: maxBytes, files: 2, fields: 10, fieldSize: 16 * 1024, parts: 12 },
  }).fields([
    { name: 'csv', maxCount: 1 },
    { name: 'template', maxCount: 1 },
  ]);

  const r = express.Router();
  const wrap = (fn: (req: Request, res: Response) => Promise<unknown>) => (req: Request, res: Response, next: NextFunction) => {
    fn(req, res).catch(next);
  };

  r.get('/upload', wrap(async (req, res) => {
    send(res, 200, 'Upload a CSV', uploadForm(tokenFor(authUser(req)), await templateNames(), maxBytes, expiryMs));
  }));

  r.post('/upload/preview', wrap(async (req, res) => {
    const why = crossSite(req);
    if (why) return refuse(res, why);
    // Refused before a byte is read: two files of the limit plus the form's few fields is the most a good upload sends.
    const declared = Number(req.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > 2 * maxBytes + 64 * 1024) {
      res.set('Connection', 'close');
      return tooLarge(res);
    }
    const id = randomBytes(16).toString('hex');
    const dir = join(root, id);
    await mkdir(dir);
    res.locals['uploadDir'] = dir;
    const parsed = await new Promise<unknown>((resolve) => upload(req, res, (err: unknown) => resolve(err ?? null)));
    if (parsed !== null) {
      await drop({ dir });
      if (parsed instanceof multer.MulterError) {
        if (parsed.code === 'LIMIT_FILE_SIZE') return tooLarge(res);
        return problem(res, 400, `The form could not be read: ${parsed.message}${parsed.field ? ` (${parsed.field})` : ''}.`);
      }
      throw parsed instanceof Error ? parsed : new Error('the upload could not be read');
    }
    const user = authUser(req);
    const fields = previewFields.safeParse(req.body ?? {});
    if (!fields.success || !tokenOk(user, fields.data.csrf)) {
      await drop({ dir });
      return refuse(res, "its form token is missing, wrong or more than 12 hours old (the upload form's token)");
    }
    const files = (req.files ?? {}) as Record<string, Express.Multer.File[] | undefined>;
    const csv = files['csv']?.[0];
    const templateFile = files['template']?.[0];
    const fail = async (status: number, message: string) => {
      await drop({ dir });
      return problem(res, status, message);
    };
    if (!csv || csv.size === 0) return fail(400, 'Choose a customer CSV file: none (or an empty one) was sent.');
    let templatePath: string | undefined;
    let templateLabel = 'none (the CSV has the campaign columns)';
    const named = fields.data.template_name;
    if (templateFile && named) return fail(400, `Choose one campaign template: either "${named}" from the list or an uploaded file, not both.`);
    if (templateFile) {
      templatePath = templateFile.path;
      templateLabel = `uploaded: ${basename(templateFile.originalname)}`;
    } else if (named) {
      if (!(await templateNames()).includes(named)) return fail(400, `There is no campaign template "${named}" on this server (UPLOAD_TEMPLATES_DIR).`);
      templatePath = join(opts.templatesDir!, named);
      templateLabel = named;
    }
    const batch = fields.data.batch || undefined;
    if (batch !== undefined && !BATCH_ID.test(batch)) return fail(400, `The batch id "${batch}" may only use letters, digits, '_', '.', '-' (at most 80, starting with a letter or digit).`);
    let report: IngestReport;
    try {
      report = await ingestFile(ingestDeps, csv.path, { accountMode: opts.accountMode, batchId: batch, templatePath, dryRun: true, ownsPhoneNumber: opts.ownsPhoneNumber });
    } catch (err) {
      if (err instanceof InputError) return fail(400, err.message.replaceAll(dir + '/', ''));
      await drop({ dir });
      throw err;
    }
    const u: Upload = {
      id,
      user,
      dir,
      csvPath: csv.path,
      csvName: basename(csv.path),
      templatePath,
      templateLabel,
      report,
      batchExists: await deps.ledger.batchExists(report.batch),
      expiresAt: Date.now() + expiryMs,
    };
    uploads.set(id, u);
    log.info({ upload: id, accepted: report.accepted, rejected: report.rejected.length, batch: report.batch }, 'upload previewed');
    send(res, 200, `Preview of ${u.csvName}`, previewPage(u, 1, tokenFor(user)));
  }));

  // A reload or a bookmark of a POST's address: back to the form.
  r.get(['/upload/preview', '/upload/confirm'], (_req, res) => res.redirect(303, '/upload'));

  r.get('/upload/:id', wrap(async (req, res) => {
    const id = String(req.params['id']);
    const u = /^[0-9a-f]{32}$/.test(id) ? live(id, authUser(req)) : undefined;
    if (!u) return gone(res);
    send(res, 200, `Preview of ${u.csvName}`, previewPage(u, pageQuery.parse(req.query).page, tokenFor(u.user)));
  }));

  const gone = (res: Response) =>
    send(res, 410, 'Upload expired', html`<h1>This upload is gone</h1><p id="gone">It expired (uploads wait ${Math.round(expiryMs / 60_000)} minutes for their Confirm, and not across a restart of the dashboard) or was never made here. Nothing was queued from it. <a href="/upload">Upload the file again</a>.</p>`);

  r.post('/upload/confirm', (req, res, next) => {
    const why = crossSite(req);
    if (why) return void refuse(res, why);
    next();
  }, express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 10 }), wrap(async (req, res) => {
    const user = authUser(req);
    const fields = confirmFields.safeParse(req.body ?? {});
    if (!fields.success || !tokenOk(user, fields.data.csrf)) return refuse(res, "its form token is missing, wrong or more than 12 hours old (the preview's token)");
    const u = fields.data.upload ? live(fields.data.upload, user) : undefined;
    if (!u) return gone(res);
    const batch = fields.data.batch || u.report.batch;
    if (!BATCH_ID.test(batch)) return problem(res, 400, `The batch id "${batch}" may only use letters, digits, '_', '.', '-' (at most 80, starting with a letter or digit).`);
    if (!u.confirmed) {
      u.expiresAt = Date.now() + expiryMs; // the sweep must not remove the file while it is read
      u.confirmed = (async () => {
        const report = await ingestFile(ingestDeps, u.csvPath, { accountMode: opts.accountMode, batchId: batch, templatePath: u.templatePath, ownsPhoneNumber: opts.ownsPhoneNumber });
        log.info({ upload: u.id, batch: report.batch, accepted: report.accepted, rejected: report.rejected.length }, 'upload confirmed: batch started');
        // The record stays until it expires, so a repeated Confirm lands on this batch; the file is no longer needed.
        await rm(u.csvPath, { force: true });
        return report.batch;
      })();
      u.confirmed.catch(() => {
        u.confirmed = undefined; // an input error or Redis failure: Confirm may be tried again
      });
    }
    let started: string;
    try {
      started = await u.confirmed;
    } catch (err) {
      if (err instanceof InputError) return problem(res, 400, err.message.replaceAll(u.dir + '/', ''));
      throw err;
    }
    res.redirect(303, `/batches/${encodeURIComponent(started)}`);
  }));

  return {
    router: r,
    async close() {
      clearInterval(timer);
      uploads.clear();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function uploadForm(token: string, templates: string[], maxBytes: number, expiryMs: number): Html {
  return html`<h1>Upload a CSV</h1>
<p class="muted">Check a customer CSV before anything is sent to Twilio: the next page lists every row that would be refused, with its row number, column and reason. Nothing is queued until you press Confirm there.</p>
<form class="card upload" id="upload-form" method="post" action="/upload/preview" enctype="multipart/form-data">
<input type="hidden" name="csrf" value="${token}">
<p><label>Customer CSV (at most ${megabytes(maxBytes)})<br><input type="file" name="csv" accept=".csv,text/csv" required></label></p>
<fieldset><legend>Campaign template (the campaign fields every row shares)</legend>
${templates.length
    ? html`<p><label>From this server <select name="template_name"><option value="">none</option>${templates.map((t) => html`<option value="${t}">${t}</option>`)}</select></label></p><p>or</p>`
    : ''}
<p><label>Upload a template file (JSON, as for <code>ingest --template</code>)<br><input type="file" name="template" accept=".json,application/json"></label></p>
<p class="muted">None: the CSV's own campaign columns are used.</p>
</fieldset>
<p><label>Batch id (optional: the file's name and the time)<br><input name="batch" pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,79}" maxlength="80" placeholder="e.g. tuesday-signups"></label></p>
<p><button type="submit">Check the file</button></p>
</form>
<p class="muted">The file waits on the server for ${Math.round(expiryMs / 60_000)} minutes for your Confirm. Columns: see docs/csv.md, or <code>a2p-onboard ingest --help</code>.</p>`;
}

function previewPage(u: Upload, pageNo: number, token: string): Html {
  const { report } = u;
  const rejected = report.rejected;
  const pages = Math.max(1, Math.ceil(rejected.length / REJECTED_PER_PAGE));
  const p = Math.min(pageNo, pages);
  const shown = rejected.slice((p - 1) * REJECTED_PER_PAGE, p * REJECTED_PER_PAGE);
  const pager = pages > 1
    ? html`<div class="pager">${p > 1 ? html`<a href="/upload/${u.id}${qs({ page: p - 1 })}">← previous</a>` : ''}<span>Page ${p} of ${pages}</span>${p < pages ? html`<a href="/upload/${u.id}${qs({ page: p + 1 })}">next →</a>` : ''}</div>`
    : '';
  const confirmed = u.confirmed !== undefined;
  return html`<p><a href="/upload">Upload</a> /</p><h1>Preview of ${u.csvName}</h1>
<p id="nothing-queued" class="muted">This is a dry run: nothing has been queued or sent to Twilio yet.</p>
<div class="card"><dl class="kv">
<dt>Accepted</dt><dd><strong id="accepted" data-count="${report.accepted}">${report.accepted}</strong> customers would be registered</dd>
<dt>Refused</dt><dd><strong id="rejected" data-count="${rejected.length}">${rejected.length}</strong> rows (listed below)</dd>
<dt>Campaign template</dt><dd>${u.templateLabel}</dd>
${report.unknownColumns.length ? html`<dt>Unknown columns</dt><dd id="unknown-columns">${report.unknownColumns.join(', ')} (ignored)</dd>` : ''}
</dl></div>
${confirmed
    ? html`<p>This upload was confirmed already. <a href="/batches">See the batches</a>.</p>`
    : report.accepted === 0
      ? html`<p id="cannot-confirm">No row can be registered: correct the file and <a href="/upload">upload it again</a>.</p>`
      : html`<form class="card upload" id="confirm-form" method="post" action="/upload/confirm">
<input type="hidden" name="csrf" value="${token}"><input type="hidden" name="upload" value="${u.id}">
<p><label>Batch id<br><input name="batch" value="${report.batch}" required pattern="[A-Za-z0-9][A-Za-z0-9_.\\-]{0,79}" maxlength="80"></label></p>
${u.batchExists ? html`<p class="action" id="batch-exists">Batch ${report.batch} exists already: these customers are added to it (customers already in it are not registered twice).</p>` : ''}
<p><button type="submit" id="confirm">Confirm: register ${report.accepted} customers</button> <span class="muted">The ${rejected.length} refused rows are recorded on the batch page; fix them and upload them again.</span></p>
</form>`}
<h2>Refused rows</h2>
${rejected.length === 0
    ? html`<p class="muted" id="no-rejected">None: every row is valid.</p>`
    : html`${pager}<table id="rejected-rows"><thead><tr><th class="num">Row</th><th>customer_id</th><th>Column</th><th>Reason</th></tr></thead><tbody>
${shown.map((x) => html`<tr data-row="${x.row}"><td class="num">${x.row}</td><td>${x.customerId ?? ''}</td><td class="column">${x.column ?? ''}</td><td class="reason why">${x.reason}</td></tr>`)}
</tbody></table>${pager}`}
<p class="muted">Row numbers count the header as row 1, as a spreadsheet does. This preview expires ${new Date(u.expiresAt).toISOString().replace('T', ' ').replace(/\..*$/, ' UTC')}.</p>`;
}
