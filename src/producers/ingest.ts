import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { Customer } from '../customers/customer.js';
import { readCustomerCsv } from '../customers/csv-reader.js';
import { CsvFileError } from '../customers/errors.js';
import { loadCampaignTemplate, type CampaignTemplate } from '../customers/template.js';
import { REUSE_LIMITS, reuseHash, type InvalidRow, type Ledger } from '../ledger/ledger.js';
import type { Logger } from '../log.js';
import { stageJobId, type Queues, type StageJob } from '../workers/queues.js';

/**
 * CSV → validated rows → ledger → `starter-profile` queue. Every row ends accepted or
 * rejected with its row number and reason; a bad row is never enqueued and never stops
 * the good ones. Re-running the same file into the same batch is safe: customers already
 * accepted there are not registered twice, and their first job is re-added only if missing.
 */

export interface IngestOptions {
  batchId?: string | undefined;
  templatePath?: string | undefined;
  dryRun?: boolean;
}

export interface IngestReport {
  batch: string;
  accepted: number;
  rejected: InvalidRow[];
  dryRun: boolean;
  unknownColumns: string[];
}

export interface IngestDeps {
  ledger: Ledger;
  queues: Queues;
  log: Logger;
}

const CHUNK = 500;
const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

export function defaultBatchId(file: string, now = new Date()): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40) || 'batch';
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stem}-${ts}`;
}

export async function ingestFile(deps: IngestDeps, file: string, opts: IngestOptions = {}): Promise<IngestReport> {
  const batch = opts.batchId ?? defaultBatchId(file);
  if (!BATCH_ID.test(batch)) throw new CsvFileError(`batch id "${batch}" may only use letters, digits, '_', '.', '-' (at most 80)`);
  const info = await stat(file).catch(() => null);
  if (!info || !info.isFile()) throw new CsvFileError(`cannot read ${file}: no such file`);
  const template: CampaignTemplate | undefined = opts.templatePath ? await loadCampaignTemplate(opts.templatePath) : undefined;
  const dryRun = opts.dryRun ?? false;

  const report: IngestReport = { batch, accepted: 0, rejected: [], dryRun, unknownColumns: [] };
  const seenInFile = new Map<string, number>();
  // For dry runs only: reuse counted in this file (a real run counts in Redis, atomically).
  const reuseInFile = { mobile: new Map<string, number>(), email: new Map<string, number>() };
  let pending: { row: number; customer: Customer }[] = [];

  if (!dryRun) {
    // A file that breaks mid-way (an unbalanced quote at row 90,000) must not leave half a
    // batch enqueued: read it through once, writing nothing, before the pass that enqueues.
    const check = createReadStream(file);
    try {
      for await (const _ of readCustomerCsv(check, { template })) void _;
    } finally {
      check.destroy();
    }
    await deps.ledger.createBatch(batch, { source: basename(file) });
  }

  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = pending;
    pending = [];
    const jobs: { name: string; data: StageJob; opts: { jobId: string } }[] = [];
    for (const { row, customer } of chunk) {
      const res = await deps.ledger.register(batch, row, customer);
      if (res.ok) {
        report.accepted += 1;
      } else if (res.kind === 'exists') {
        if (res.batchId !== batch) {
          report.rejected.push({
            row,
            customerId: customer.customerId,
            reason: `customer_id: this customer is already in batch ${res.batchId} (state ${res.state}, stage ${res.stage}); each customer is registered once`,
          });
          continue;
        }
        report.accepted += 1;
        if (res.stage !== 'starter-profile') continue; // already on its way
      } else {
        report.rejected.push({ row, customerId: customer.customerId, reason: reuseReason(res.kind, res.count) });
        continue;
      }
      const data: StageJob = { customerId: customer.customerId, batchId: batch, gen: 1 };
      jobs.push({ name: 'starter-profile', data, opts: { jobId: stageJobId('starter-profile', customer.customerId, 1) } });
    }
    if (jobs.length) await deps.queues['starter-profile'].addBulk(jobs);
  };

  const input = createReadStream(file);
  try {
    for await (const r of readCustomerCsv(input, {
      template,
      onHeader: (h) => {
        report.unknownColumns = h.unknown;
      },
    })) {
      if (!r.ok) {
        report.rejected.push({ row: r.row, customerId: r.customerId, reason: r.problems.map((p) => `${p.column}: ${p.reason}`).join('; ') });
        continue;
      }
      const id = r.customer.customerId;
      const firstRow = seenInFile.get(id);
      if (firstRow !== undefined) {
        report.rejected.push({ row: r.row, customerId: id, reason: `customer_id: duplicate of row ${firstRow}; customer ids must be unique` });
        continue;
      }
      seenInFile.set(id, r.row);
      if (dryRun) {
        const problem = await dryRunReuse(deps.ledger, reuseInFile, r.customer);
        if (problem) report.rejected.push({ row: r.row, customerId: id, reason: problem });
        else report.accepted += 1;
        continue;
      }
      pending.push({ row: r.row, customer: r.customer });
      if (pending.length >= CHUNK) await flush();
    }
    await flush();
  } finally {
    input.destroy();
  }
  report.rejected.sort((a, b) => a.row - b.row);
  if (!dryRun) await deps.ledger.setInvalidRows(batch, report.rejected);
  deps.log.info({ batch, accepted: report.accepted, rejected: report.rejected.length, dryRun }, 'ingest finished');
  return report;
}

function reuseReason(kind: 'mobile' | 'email', count: number): string {
  return kind === 'mobile'
    ? `mobile_phone_number: already used by ${count} brand registrations (this file and earlier batches); The Campaign Registry allows a mobile number in at most ${REUSE_LIMITS.mobile}`
    : `email: already used by ${count} brand registrations (this file and earlier batches); The Campaign Registry allows an email in at most ${REUSE_LIMITS.email}`;
}

async function dryRunReuse(
  ledger: Ledger,
  inFile: { mobile: Map<string, number>; email: Map<string, number> },
  c: Customer,
): Promise<string | null> {
  for (const [kind, value] of [['mobile', c.mobilePhoneNumber], ['email', c.email]] as const) {
    const h = reuseHash(value);
    const used = (inFile[kind].get(h) ?? 0) + (await ledger.reuseCount(kind, value));
    if (used + 1 > REUSE_LIMITS[kind]) return reuseReason(kind, used);
  }
  for (const [kind, value] of [['mobile', c.mobilePhoneNumber], ['email', c.email]] as const) {
    const h = reuseHash(value);
    inFile[kind].set(h, (inFile[kind].get(h) ?? 0) + 1);
  }
  return null;
}
