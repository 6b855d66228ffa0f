import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { maskEmail } from '../customers/email.js';
import { maskPhone } from '../customers/phone.js';
import { STAGE_NAMES, isStageName } from '../jobs/registry.js';
import type { CustomerRecord, Ledger } from '../ledger/ledger.js';
import { STATES, type CustomerState } from '../ledger/states.js';
import { scrubText } from '../log.js';
import { campaignNotUpdatedAction, errorCodes, suggestAction } from '../reports/actions.js';
import { batchSummary, customersPage, filteredTotal, isCustomerState, listBatchSummaries, type BatchCustomer, type BatchSummary } from '../reports/batch-view.js';
import { formatOf, writeReport } from '../reports/export.js';
import { FEE_KINDS, FEE_LABELS, sumEntries, usd, type FeeEntry, type FeeTotals } from '../ledger/fees.js';
import { DEAD_LETTER, stageJobId, type QueueName, type Queues } from '../workers/queues.js';
import { deadNotificationsNotice } from './notify-page.js';
import { badge, html, page, qs, stateColor, type Html } from './html.js';

/**
 * The operator's pages next to Bull Board, read-only: batches with counts by state, a
 * batch with its funnel and customers (filter by state, paged through the ledger's
 * zsets), a customer with its history and jobs, and the report downloads. Personal data
 * is masked here as in the logs; the business name is shown.
 */

const BOARD = '/admin/queues';
const STAGE_ORDER: readonly string[] = ['ingest', ...STAGE_NAMES];
const MAX_PER_PAGE = 500;

const listQuery = z.object({
  state: z.string().optional().transform((s) => (s && isCustomerState(s) ? s : undefined)),
  page: z.coerce.number().int().min(1).catch(1).default(1),
  per: z.coerce.number().int().min(1).max(MAX_PER_PAGE).catch(50).default(50),
});

const TWILIO_ERROR_DOCS = 'https://www.twilio.com/docs/api/errors/';

export function batchPages(deps: { ledger: Ledger; queues: Queues }): express.Router {
  const { ledger, queues } = deps;
  const r = express.Router();
  const send = (res: Response, body: string, status = 200) => res.status(status).type('html').set('Cache-Control', 'no-store').send(body);
  const wrap = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: (err?: unknown) => void) => {
    fn(req, res).catch(next);
  };

  r.get(
    '/batches',
    wrap(async (_req, res) => {
      const batches = await listBatchSummaries(ledger);
      send(res, page('Batches', html`${await deadNotificationsNotice(queues)}${batchList(batches)}`, { nav: 'batches' }));
    }),
  );

  r.get(
    '/batches/:id',
    wrap(async (req, res) => {
      const id = String(req.params['id']);
      const q = listQuery.parse(req.query);
      const summary = await batchSummary(ledger, id, await ledger.index.meta(id));
      if (!summary.exists) return void send(res, page('No such batch', html`<h1>No batch “${id}”</h1><p><a href="/batches">All batches</a></p>`, { nav: 'batches' }), 404);
      const total = await filteredTotal(ledger, id, q.state);
      const lastPage = Math.max(1, Math.ceil(total / q.per));
      const pageNo = Math.min(q.page, lastPage);
      const [customers, fees] = await Promise.all([customersPage(ledger, id, q.state, (pageNo - 1) * q.per, q.per), ledger.fees.batchTotals(id)]);
      const running = summary.done < summary.total;
      send(res, page(`Batch ${id}`, batchPage(summary, customers, { state: q.state, page: pageNo, per: q.per, total, lastPage }, fees), { nav: 'batches', refreshSeconds: running ? 10 : undefined }));
    }),
  );

  r.get(
    '/batches/:id/report.:ext',
    wrap(async (req, res) => {
      const id = String(req.params['id']);
      const format = formatOf(`x.${String(req.params['ext'])}`);
      const q = listQuery.parse(req.query);
      if (!format) return void res.status(404).send('report.csv or report.json');
      if (!(await ledger.batchExists(id))) return void res.status(404).send('no such batch');
      const name = `${id}${q.state ? `-${q.state}` : ''}.${format}`;
      res.status(200).type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      res.set('Content-Disposition', `attachment; filename="${name.replace(/[^A-Za-z0-9_.-]/g, '_')}"`);
      res.set('Cache-Control', 'no-store');
      await writeReport(ledger, id, format, res, { state: q.state });
      res.end();
    }),
  );

  r.get('/customers', (req, res) => {
    const id = typeof req.query['id'] === 'string' ? req.query['id'].trim() : '';
    res.redirect(id ? `/customers/${encodeURIComponent(id)}` : '/batches');
  });

  r.get(
    '/customers/:id',
    wrap(async (req, res) => {
      const id = String(req.params['id']);
      const rec = await ledger.get(id);
      if (!rec) return void send(res, page('No such customer', html`<h1>No customer “${id}”</h1><p>Rows refused at ingest are listed on their batch page (filter <em>invalid</em>).</p><p><a href="/batches">All batches</a></p>`, { nav: 'customer' }), 404);
      const [data, history, jobs, fees] = await Promise.all([ledger.getCustomer(id).catch(() => null), ledger.history(id), customerJobs(queues, rec), ledger.fees.entries(id)]);
      send(res, page(`Customer ${id}`, customerPage(rec, data, history, jobs, fees), { nav: 'customer' }));
    }),
  );

  return r;
}

// ---------- batches ----------

function stateBar(counts: Record<string, number>, total: number): Html {
  if (total === 0) return html`<div class="bar"></div>`;
  return html`<div class="bar" role="img" aria-label="${Object.entries(counts).filter(([, n]) => n > 0).map(([s, n]) => `${n} ${s}`).join(', ')}">${Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => html`<span style="width:${((100 * n) / total).toFixed(2)}%;background:${stateColor(s)}" title="${s}: ${n}"></span>`)}</div>`;
}

function batchList(batches: BatchSummary[]): Html {
  if (batches.length === 0) return html`<h1>Batches</h1><p class="muted">No batch yet. <a href="/upload" id="upload-link">Upload a CSV</a>, or ingest one: <code>a2p-onboard ingest customers.csv --batch tuesday</code>.</p>`;
  return html`<h1>Batches</h1><p class="muted">Newest first. Counts by state; click a number to see those customers. <a href="/upload" id="upload-link">Upload a CSV</a> to start a batch.</p>
<table id="batches"><thead><tr><th>batch</th><th>created</th><th>file</th><th class="num">customers</th><th>progress</th>
${STATES.map((s) => html`<th class="num">${s.replace(/_/g, ' ')}</th>`)}</tr></thead><tbody>
${batches.map(
  (b) => html`<tr data-batch="${b.batchId}"><td><a href="/batches/${encodeURIComponent(b.batchId)}">${b.batchId}</a></td><td>${b.createdAt ?? ''}</td><td>${b.source ?? ''}</td>
<td class="num">${b.total}</td><td>${stateBar(b.counts, b.total)}<span class="muted">${b.done}/${b.total} done</span></td>
${STATES.map((s) => html`<td class="num" data-state="${s}">${b.counts[s] ? html`<a href="/batches/${encodeURIComponent(b.batchId)}?state=${s}">${b.counts[s]}</a>` : '0'}</td>`)}</tr>`,
)}
</tbody></table>`;
}

interface ListView {
  state: CustomerState | undefined;
  page: number;
  per: number;
  total: number;
  lastPage: number;
}

function orderedStages(summary: BatchSummary): string[] {
  const seen = new Set(summary.funnel.map((f) => f.stage));
  const known = STAGE_ORDER.filter((s) => seen.has(s) || s !== 'ingest');
  return [...known, ...[...seen].filter((s) => !STAGE_ORDER.includes(s)).sort()];
}

/** Customers per stage and state as stacked bars, drawn here as SVG, with the same numbers in a table. */
function funnel(summary: BatchSummary): Html {
  const stages = orderedStages(summary);
  const cell = new Map(summary.funnel.map((f) => [`${f.stage}|${f.state}`, f.count]));
  const perStage = stages.map((st) => STATES.reduce((a, s) => a + (cell.get(`${st}|${s}`) ?? 0), 0));
  const accepted = summary.total - summary.counts.invalid;
  // "reached": accepted customers whose current stage is this one or a later one.
  const reached = stages.map((st, i) => (st === 'ingest' ? summary.total : stages.slice(i).reduce((a, s2, j) => a + (s2 === 'ingest' ? 0 : perStage[i + j]!), 0)));
  const scale = Math.max(1, ...perStage);
  const W = 760, label = 130, rowH = 30, barW = W - label - 60;
  const rows = stages.map((st, i) => {
    let x = label;
    const segs = STATES.map((s) => {
      const n = cell.get(`${st}|${s}`) ?? 0;
      if (n === 0) return html``;
      const w = Math.max(2, (barW * n) / scale);
      const seg = html`<g class="seg" data-stage="${st}" data-state="${s}" data-count="${n}"><rect x="${x.toFixed(1)}" y="${i * rowH + 6}" width="${w.toFixed(1)}" height="${rowH - 12}" fill="${stateColor(s)}"><title>${st} · ${s}: ${n}</title></rect>${w > 22 ? html`<text x="${(x + w / 2).toFixed(1)}" y="${i * rowH + rowH / 2 + 4}" text-anchor="middle" fill="#fff" font-size="12">${n}</text>` : ''}</g>`;
      x += w;
      return seg;
    });
    return html`<text x="${label - 8}" y="${i * rowH + rowH / 2 + 4}" text-anchor="end" font-size="12" fill="#1f2933">${st}</text>${segs}<text x="${x + 6}" y="${i * rowH + rowH / 2 + 4}" font-size="12" fill="#616e7c">${perStage[i]}</text>`;
  });
  // Every state's key fits in the drawing's width, however many states there are.
  const step = Math.floor((W - label) / STATES.length);
  const legend = STATES.map((s, i) => html`<rect x="${label + i * step}" y="${stages.length * rowH + 8}" width="10" height="10" fill="${stateColor(s)}"/><text x="${label + i * step + 14}" y="${stages.length * rowH + 17}" font-size="11" fill="#52606d">${s.replace(/_/g, ' ')}</text>`);
  return html`<div class="card"><svg id="funnel" role="img" aria-label="customers per stage and state" width="100%" style="max-width:980px" viewBox="0 0 ${W} ${stages.length * rowH + 26}" xmlns="http://www.w3.org/2000/svg">${rows}${legend}</svg>
<details><summary>Funnel as a table</summary><table id="funnel-table"><thead><tr><th>stage</th><th class="num">reached</th>${STATES.map((s) => html`<th class="num">${s.replace(/_/g, ' ')}</th>`)}</tr></thead><tbody>
${stages.map((st, i) => html`<tr data-stage="${st}"><td>${st}</td><td class="num">${st === 'ingest' ? summary.total : `${reached[i]} / ${accepted}`}</td>${STATES.map((s) => html`<td class="num" data-state="${s}">${cell.get(`${st}|${s}`) ?? 0}</td>`)}</tr>`)}
</tbody></table></details></div>`;
}

function jobLink(c: BatchCustomer): Html {
  if (!c.customerId || c.state === 'invalid') return html``;
  const gen = 1; // the customer page lists every generation; the row links the current stage's first-generation job
  const queue: QueueName = c.state === 'failed' ? DEAD_LETTER : isStageName(c.stage) ? c.stage : 'starter-profile';
  return html`<a href="${BOARD}/queue/${encodeURIComponent(queue)}/${encodeURIComponent(stageJobId(queue, c.customerId, gen))}">${queue} job</a>`;
}

function twilioDetails(details: Record<string, unknown> | null, reason: string | null): Html {
  const codes = [...errorCodes(reason ?? '', details)].filter((c) => /^\d{5}$/.test(c));
  const status = typeof details?.['status'] === 'number' ? details['status'] : undefined;
  if (codes.length === 0 && status === undefined) return html``;
  return html`<div class="muted">Twilio: ${status !== undefined ? `HTTP ${status} ` : ''}${codes.map((c, i) => html`${i ? ', ' : ''}<a href="${TWILIO_ERROR_DOCS}${c}" rel="noreferrer">error ${c}</a>`)}</div>`;
}

function sidList(sids: Record<string, string | undefined>): Html {
  const entries = Object.entries(sids).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) return html`<span class="muted">none</span>`;
  const key = ['brand', 'campaign', 'trustProduct', 'customerProfile'].map((k) => sids[k]).filter(Boolean);
  return html`<details class="sids"><summary>${entries.length} SIDs${key.length ? html`: <span class="sid">${key[0]}</span>` : ''}</summary><dl class="kv">${entries.map(([k, v]) => html`<dt>${k}</dt><dd class="sid" data-sid="${k}">${v}</dd>`)}</dl></details>`;
}

function customersTable(customers: BatchCustomer[]): Html {
  if (customers.length === 0) return html`<p class="muted" id="no-customers">No customer in this view.</p>`;
  return html`<table id="customers"><thead><tr><th class="num">row</th><th>customer_id</th><th>state</th><th>stage</th><th>reason and what to do</th><th>Twilio SIDs</th><th>updated</th><th>jobs</th></tr></thead><tbody>
${customers.map(
  (c) => html`<tr class="${c.state}" data-customer="${c.customerId ?? ''}" data-state="${c.state}"><td class="num">${c.row}</td>
<td>${c.customerId && c.state !== 'invalid' ? html`<a href="/customers/${encodeURIComponent(c.customerId)}">${c.customerId}</a>` : (c.customerId ?? html`<span class="muted">(none)</span>`)}</td>
<td>${badge(c.state)}</td><td>${c.stage}</td>
<td class="reason">${c.reason ? html`<div class="why">${scrubText(c.reason)}</div>` : ''}${twilioDetails(c.details, c.reason)}${c.action ? html`<div class="action"><strong>What to do:</strong> ${c.action}</div>` : ''}</td>
<td>${sidList(c.sids)}</td><td class="muted">${c.updatedAt ?? ''}</td><td>${jobLink(c)}</td></tr>`,
)}
</tbody></table>`;
}

/** The fees a batch (or customer) incurred: total, then per kind; amounts from the FEE_* settings. */
function feesCard(t: FeeTotals, id: string): Html {
  const kinds = FEE_KINDS.filter((k) => t.byKind[k].count > 0);
  return html`<div class="card" id="${id}"><p><strong>Twilio fees incurred: <span data-fees-total="${(t.cents / 100).toFixed(2)}">${usd(t.cents)}</span></strong> <span class="muted">(amounts from the FEE_* settings; Twilio's invoice is the authority)</span></p>
${kinds.length ? html`<table><thead><tr><th>kind</th><th class="num">submissions</th><th class="num">of them mock (free)</th><th class="num">USD</th></tr></thead><tbody>${kinds.map((k) => html`<tr data-fee-kind="${k}"><td>${FEE_LABELS[k]}</td><td class="num">${t.byKind[k].count}</td><td class="num">${t.byKind[k].mock}</td><td class="num">${(t.byKind[k].cents / 100).toFixed(2)}</td></tr>`)}</tbody></table>` : html`<p class="muted">No brand or campaign submission yet.</p>`}</div>`;
}

function batchPage(s: BatchSummary, customers: BatchCustomer[], v: ListView, fees: FeeTotals): Html {
  const base = `/batches/${encodeURIComponent(s.batchId)}`;
  const link = (params: { state?: string | undefined; page?: number; per?: number }) => `${base}${qs({ state: params.state, page: params.page && params.page > 1 ? params.page : undefined, per: (params.per ?? v.per) !== 50 ? (params.per ?? v.per) : undefined })}`;
  const from = v.total === 0 ? 0 : (v.page - 1) * v.per + 1;
  const to = Math.min(v.total, v.page * v.per);
  const pager = html`<div class="pager"><span>Showing ${from}–${to} of ${v.total}</span>
${v.page > 1 ? html`<a rel="prev" href="${link({ state: v.state, page: v.page - 1 })}">← previous</a>` : ''}
${v.page < v.lastPage ? html`<a rel="next" href="${link({ state: v.state, page: v.page + 1 })}">next →</a>` : ''}
<span class="muted">page ${v.page} of ${v.lastPage}</span></div>`;
  const download = (ext: string) => `${base}/report.${ext}${qs({ state: v.state })}`;
  const c = s.counts;
  return html`<p><a href="/batches">Batches</a> /</p><h1>Batch ${s.batchId}</h1>
<p class="muted">${s.source ? html`From ${s.source}, ` : ''}${s.createdAt ? html`created ${s.createdAt}. ` : ''}${s.done}/${s.total} done${s.done < s.total ? ' (this page refreshes every 10 s)' : ''}.</p>
<div class="card" id="summary">${stateBar(c, s.total)}<p>${STATES.map((st, i) => html`${i ? ' · ' : ''}<span data-count-state="${st}"><strong>${c[st]}</strong> ${st.replace(/_/g, ' ')}</span>`)}</p>
${c.failed > 0 ? html`<p><strong>${c.failed} failed.</strong> <a href="${link({ state: 'failed' })}">See who failed, why, and what to do</a>.</p>` : ''}</div>
<h2>Fees</h2>${feesCard(fees, 'fees')}
<h2>Funnel: customers per stage and state</h2>${funnel(s)}
<h2 id="customers-heading">Customers${v.state ? html` · ${v.state.replace(/_/g, ' ')}` : ''}</h2>
<div class="filters" id="filters"><a class="${v.state ? '' : 'on'}" href="${link({})}">all (${s.total})</a>${STATES.map((st) => html`<a class="${v.state === st ? 'on' : ''}" data-filter="${st}" href="${link({ state: st })}">${st.replace(/_/g, ' ')} (${c[st]})</a>`)}</div>
<p>Download ${v.state ? `these ${v.total}` : 'all'} as <a id="download-csv" href="${download('csv')}">CSV</a> or <a id="download-json" href="${download('json')}">JSON</a> · <a href="${BOARD}">queues in Bull Board</a></p>
${pager}${customersTable(customers)}${v.lastPage > 1 ? pager : ''}`;
}

// ---------- customer ----------

interface JobRef {
  queue: QueueName;
  id: string;
  state: string;
}

async function customerJobs(queues: Queues, rec: CustomerRecord): Promise<JobRef[]> {
  const wanted: { queue: QueueName; id: string }[] = [];
  for (let gen = Math.max(1, rec.gen - 2); gen <= rec.gen; gen++) {
    for (const q of [...STAGE_NAMES, DEAD_LETTER]) {
      if (q === 'otp') {
        const n = Math.min(50, rec.status.otpCount ?? 0);
        for (let i = 1; i <= n; i++) wanted.push({ queue: q, id: stageJobId(q, rec.customerId, gen, i) });
      } else wanted.push({ queue: q, id: stageJobId(q, rec.customerId, gen) });
    }
  }
  const found = await Promise.all(
    wanted.map(async (w) => {
      const job = await queues[w.queue].getJob(w.id);
      return job ? { ...w, state: String(await job.getState()) } : null;
    }),
  );
  return found.filter((j) => j !== null);
}

const initial = (s: string) => `${[...s][0] ?? ''}.`;

function customerPage(rec: CustomerRecord, data: Awaited<ReturnType<Ledger['getCustomer']>> | null, history: Awaited<ReturnType<Ledger['history']>>, jobs: JobRef[], fees: FeeEntry[]): Html {
  const action = rec.action ?? campaignNotUpdatedAction(rec.customerId, rec.status) ?? suggestAction({ state: rec.state, stage: rec.stage, reason: rec.reason, details: rec.details, customerId: rec.customerId, batchId: rec.batchId, flow: rec.flow });
  const masked = data
    ? html`<dl class="kv" id="customer-data"><dt>business (brand) name</dt><dd>${data.brandName}</dd><dt>name</dt><dd>${initial(data.firstName)} ${initial(data.lastName)}</dd>
<dt>email</dt><dd>${maskEmail(data.email)}</dd><dt>phone</dt><dd>${maskPhone(data.phoneNumber)}</dd><dt>mobile (OTP)</dt><dd>${maskPhone(data.mobilePhoneNumber)}</dd>
<dt>address</dt><dd>*** ${data.region}, ${data.isoCountry}</dd><dt>vertical</dt><dd>${data.vertical ?? ''}</dd></dl>
<p class="muted">Personal data is masked here as in the logs; the full record is in the CSV you ingested.</p>`
    : html`<p class="muted">The customer's data could not be read.</p>`;
  const statuses = Object.entries(rec.rawStatus);
  return html`<p><a href="/batches">Batches</a> / <a href="/batches/${encodeURIComponent(rec.batchId)}">${rec.batchId}</a> /</p>
<h1>Customer ${rec.customerId} ${badge(rec.state)}</h1>
<div class="card"><dl class="kv"><dt>batch</dt><dd><a href="/batches/${encodeURIComponent(rec.batchId)}">${rec.batchId}</a>, row ${rec.row}</dd><dt>stage</dt><dd>${rec.stage}</dd>
<dt>created</dt><dd>${rec.createdAt}</dd><dt>updated</dt><dd>${rec.updatedAt}</dd>
${rec.reason ? html`<dt>reason</dt><dd class="why">${scrubText(rec.reason)}${twilioDetails(rec.details, rec.reason)}</dd>` : ''}
${action ? html`<dt>what to do</dt><dd class="action">${action}</dd>` : ''}
${statuses.length ? html`<dt>Twilio statuses</dt><dd>${statuses.map(([k, v], i) => html`${i ? ', ' : ''}${k}: <code>${v}</code>`)}</dd>` : ''}</dl></div>
<h2>Customer</h2><div class="card">${masked}</div>
<h2>Fees</h2>${feesCard(sumEntries(fees), 'customer-fees')}${fees.length ? html`<table id="fee-entries"><thead><tr><th>at</th><th>kind</th><th>SID</th><th>what</th><th class="num">USD</th></tr></thead><tbody>${fees.map((f) => html`<tr><td class="muted">${f.at}</td><td>${FEE_LABELS[f.kind]}</td><td class="sid">${f.sid}</td><td>${f.what}${f.mock ? ' (mock, free)' : ''}</td><td class="num">${(f.cents / 100).toFixed(2)}</td></tr>`)}</tbody></table>` : ''}
<h2>Twilio SIDs</h2><div class="card">${Object.keys(rec.sids).length ? html`<dl class="kv" id="sids">${Object.entries(rec.sids).map(([k, v]) => html`<dt>${k}</dt><dd class="sid">${v}</dd>`)}</dl>` : html`<span class="muted">none yet</span>`}</div>
${rec.details ? html`<h2>Twilio details</h2><div class="card"><pre><code>${scrubText(JSON.stringify(rec.details, null, 2))}</code></pre></div>` : ''}
<h2>Jobs in Bull Board</h2>${jobs.length ? html`<table id="jobs"><thead><tr><th>queue</th><th>job id</th><th>state</th></tr></thead><tbody>${jobs.map((j) => html`<tr><td>${j.queue}</td><td><a href="${BOARD}/queue/${encodeURIComponent(j.queue)}/${encodeURIComponent(j.id)}">${j.id}</a></td><td>${j.state}</td></tr>`)}</tbody></table>` : html`<p class="muted">No job kept for this customer (completed jobs are removed after a week).</p>`}
<h2>History</h2><table id="history"><thead><tr><th>at</th><th>stage</th><th>state</th><th>event</th></tr></thead><tbody>
${history.map((h) => html`<tr><td class="muted">${h.at}</td><td>${h.stage}</td><td>${badge(h.state)}</td><td>${scrubText(h.event)}</td></tr>`)}
</tbody></table>`;
}

