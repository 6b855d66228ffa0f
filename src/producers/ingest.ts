import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { customerSchema, type Customer } from '../customers/customer.js';
import { readCustomerRows } from '../customers/csv-reader.js';
import { firstStage, type StageName } from '../jobs/registry.js';
import { CsvFileError } from '../customers/errors.js';
import type { RowProblem } from '../customers/row.js';
import { maskPhone } from '../customers/phone.js';
import { loadCampaignTemplate, type CampaignTemplate } from '../customers/template.js';
import { REUSE_LIMITS, isBusiness, reuseHash, type AnyCustomer, type CustomerRecord, type InvalidRow, type Ledger } from '../ledger/ledger.js';
import { isRedrivable, redriveCustomer } from './redrive.js';
import { fixedFieldChanges } from '../jobs/campaign.js';
import type { CampaignFixedField } from '../twilio/gateway.js';
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
  /**
   * Corrected rows for customers that already exist (in any batch): a failed or expired
   * customer whose data changed is updated and redriven; the same data is left alone.
   */
  update?: boolean;
  /** ACCOUNT_MODE; default: the deps' config, else single. */
  accountMode?: AccountMode | undefined;
  /** Called every few hundred rows and at the end of each pass (progress bars). */
  onProgress?: (p: IngestProgress) => void;
  /**
   * When Twilio credentials are configured: does the account own this number (an IncomingPhoneNumber)?
   * A business row naming a number it does not own is refused at ingest instead of failing in the
   * worker. Without it (or when Twilio cannot be asked), the worker checks.
   */
  ownsPhoneNumber?: ((e164: string) => Promise<boolean>) | undefined;
  /**
   * With `update`, when Twilio can be asked: the campaign fields UpdateUsAppToPerson cannot change,
   * as the customer's campaign holds them now. Without it, the previously ingested data stands in.
   */
  campaignHeld?: ((messagingServiceSid: string, campaignSid: string) => Promise<Partial<Record<CampaignFixedField, string | string[] | null>>>) | undefined;
  /** The batch's source as its pages show it (default: the file's name). */
  source?: string;
  /**
   * Default true: the batch's refused rows become this run's (replaced as a whole). The API's one-customer
   * requests turn it off: each answers its own refusal, and must not wipe a batch's list.
   */
  recordInvalidRows?: boolean;
}

export interface IngestProgress {
  /** `checking`: the first pass, which reads the whole file and writes nothing; `enqueuing`: the second. */
  phase: 'checking' | 'enqueuing';
  rows: number;
  bytesRead: number;
  totalBytes: number;
  accepted: number;
  rejected: number;
  done: boolean;
}

const PROGRESS_EVERY = 250;

export interface IngestReport {
  batch: string;
  accepted: number;
  rejected: InvalidRow[];
  dryRun: boolean;
  unknownColumns: string[];
  /** With `update`: existing customers corrected and redriven, and existing customers whose row had no change. */
  updated: number;
  unchanged: number;
  /**
   * With `update`: customers whose corrected campaign changes fields Twilio cannot update on an
   * existing campaign (column names). The other corrections are still sent.
   */
  campaignNotUpdatable?: { row: number; customerId: string; fields: string[] }[];
}

export interface IngestDeps {
  ledger: Ledger;
  queues: Queues;
  log: Logger;
  /** ACCOUNT_MODE (a worker runtime has it): where customers start, and whether account_sid is accepted. */
  config?: { ACCOUNT_MODE: AccountMode };
}

export type AccountMode = 'single' | 'subaccount';

const CHUNK = 500;
/** What a batch id may be. */
export const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

function defaultBatchId(file: string, now = new Date()): string {
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
  const mode: AccountMode = opts.accountMode ?? deps.config?.ACCOUNT_MODE ?? 'single';
  /** account_sid: a subaccount is one customer's, so on one row. */
  const accountsInFile = new Map<string, number>();

  const report: IngestReport = { batch, accepted: 0, rejected: [], dryRun, unknownColumns: [], updated: 0, unchanged: 0, campaignNotUpdatable: [] };
  // Duplicate ids: a real run asks Redis per chunk (a million ids never sit in this process);
  // a dry run writes nothing, so it remembers them here.
  const seenInFile = new Map<string, number>();
  const runId = randomUUID();
  const owned = new Map<string, boolean>();
  // Business rows only (a few per file): which row listed each phone number first.
  const numbersInFile = new Map<string, number>();
  /** Sole Proprietor sender numbers: a number can be on one Messaging Service, so on one row. */
  const sendersInFile = new Map<string, number>();
  // For dry runs only: reuse counted in this file (a real run counts in Redis, atomically).
  const reuseInFile = { mobile: new Map<string, number>(), email: new Map<string, number>() };
  let pending: { row: number; customer: AnyCustomer }[] = [];

  if (!dryRun) {
    // A file that breaks mid-way (an unbalanced quote at row 90,000) must not leave half a
    // batch enqueued: read it through once, checking its syntax and writing nothing, before the
    // pass that validates and enqueues.
    const check = createReadStream(file);
    let rows = 0;
    const progress = (done: boolean) =>
      opts.onProgress?.({ phase: 'checking', rows, bytesRead: done ? info.size : check.bytesRead, totalBytes: info.size, accepted: 0, rejected: 0, done });
    try {
      const onCheckedRow = () => {
        if (++rows % PROGRESS_EVERY === 0) progress(false);
      };
      for await (const _ of readCustomerRows(check, { template, checkOnly: true, onCheckedRow })) void _;
      progress(true);
    } finally {
      check.destroy();
    }
    await deps.ledger.createBatch(batch, { source: opts.source ?? basename(file) });
  }

  const flush = async (chunk: { row: number; customer: AnyCustomer }[]) => {
    if (chunk.length === 0) return;
    const firstRows = await deps.ledger.ingestScratch.firstRows(runId, chunk.map(({ row, customer }) => ({ id: customer.customerId, row })));
    const fresh: { row: number; customer: AnyCustomer }[] = [];
    chunk.forEach((c, i) => {
      const firstRow = firstRows[i];
      if (firstRow == null) fresh.push(c);
      else report.rejected.push(refused(c.row, c.customer.customerId, { column: 'customer_id', reason: `duplicate of row ${firstRow}; customer ids must be unique` }));
    });
    const jobs = new Map<StageName, { name: string; data: StageJob; opts: { jobId: string } }[]>();
    // One round trip for the whole chunk: ioredis pipelines the scripts, and Redis runs them
    // in row order, so reuse limits count exactly as they would one row at a time.
    const results = await Promise.all(fresh.map(({ row, customer }) => deps.ledger.register(batch, row, customer, firstStageOf(customer, mode))));
    for (const [i, { row, customer }] of fresh.entries()) {
      const res = results[i]!;
      const first = firstStageOf(customer, mode);
      if (res.ok) {
        report.accepted += 1;
      } else if (res.kind === 'exists') {
        if (opts.update) {
          await applyUpdate(deps, report, row, customer, opts.campaignHeld);
          continue;
        }
        if (res.batchId !== batch) {
          report.rejected.push(
            refused(row, customer.customerId, {
              column: 'customer_id',
              reason: `this customer is already in batch ${res.batchId} (state ${res.state}, stage ${res.stage}); each customer is registered once`,
              rule: 'already-registered',
            }),
          );
          continue;
        }
        report.accepted += 1;
        if (res.stage !== first) continue; // already on its way
      } else {
        report.rejected.push(refused(row, customer.customerId, reuseProblem(res.kind, res.count)));
        continue;
      }
      const data: StageJob = { customerId: customer.customerId, batchId: batch, gen: 1 };
      if (!jobs.has(first)) jobs.set(first, []);
      jobs.get(first)!.push({ name: first, data, opts: { jobId: stageJobId(first, customer.customerId, 1) } });
    }
    for (const [stage, list] of jobs) await deps.queues[stage].addBulk(list);
  };

  // One chunk is written to Redis while the next is read and validated; never more than one.
  let inFlight: Promise<void> = Promise.resolve();
  const startFlush = async () => {
    await inFlight;
    const chunk = pending;
    pending = [];
    inFlight = flush(chunk);
    inFlight.catch(() => undefined); // awaited below; this only keeps Node from calling it unhandled meanwhile
  };

  const input = createReadStream(file);
  let rows = 0;
  const progress = (done: boolean) =>
    opts.onProgress?.({ phase: dryRun ? 'checking' : 'enqueuing', rows, bytesRead: done ? info.size : input.bytesRead, totalBytes: info.size, accepted: report.accepted, rejected: report.rejected.length, done });
  try {
    for await (const r of readCustomerRows(input, {
      template,
      onHeader: (h) => {
        report.unknownColumns = h.unknown;
      },
    })) {
      if (++rows % PROGRESS_EVERY === 0) progress(false);
      if (!r.ok) {
        report.rejected.push(refused(r.row, r.customerId, ...r.problems));
        continue;
      }
      const id = r.customer.customerId;
      if (r.customer.accountSid) {
        const sid = r.customer.accountSid;
        if (mode === 'single') {
          // A row that names a subaccount while this deployment registers everyone in one account: the
          // customer would end up where the ISV did not ask. Say so instead of guessing.
          report.rejected.push(refused(r.row, id, { column: 'account_sid', reason: `names subaccount ${sid}, but ACCOUNT_MODE is single (every customer is registered in TWILIO_ACCOUNT_SID); set ACCOUNT_MODE=subaccount to register customers in their own subaccounts, or empty the column` }));
          continue;
        }
        const at = accountsInFile.get(sid);
        if (at !== undefined) {
          report.rejected.push(refused(r.row, id, { column: 'account_sid', reason: `${sid} is also the account_sid of row ${at}; a subaccount holds one customer` }));
          continue;
        }
        accountsInFile.set(sid, r.row);
      }
      if (isBusiness(r.customer)) {
        // A number carries one regulatory bundle (an IncomingPhoneNumber has one bundle_sid): one business per number.
        const taken = r.customer.phoneNumbers.map((n, i) => [i, n, numbersInFile.get(n)] as const).filter(([, , at]) => at !== undefined);
        if (taken.length) {
          report.rejected.push(refused(r.row, id, { column: 'phone_numbers', reason: `${taken.map(([i, n, at]) => `number ${i + 1} (${maskPhone(n)}) is also listed on row ${at!}`).join('; ')}; a phone number belongs to one business` }));
          continue;
        }
        for (const n of r.customer.phoneNumbers) numbersInFile.set(n, r.row);
        if (opts.ownsPhoneNumber) {
          const problem = await unownedNumbers(r.customer.phoneNumbers, opts.ownsPhoneNumber, owned, deps.log);
          if (problem) {
            report.rejected.push(refused(r.row, id, problem));
            continue;
          }
        }
      }
      // Both flows: a business with a brand puts its sender_number on its Messaging Service too.
      if (r.customer.senderNumber) {
        const n = r.customer.senderNumber;
        const at = sendersInFile.get(n);
        if (at !== undefined) {
          report.rejected.push(refused(r.row, id, { column: 'sender_number', reason: `${maskPhone(n)} is also the sender_number of row ${at}; a number can be on one Messaging Service (one customer) only` }));
          continue;
        }
        sendersInFile.set(n, r.row);
        // Found now, not after the brand and campaign fees are spent.
        if (opts.ownsPhoneNumber && (await unownedNumbers([n], opts.ownsPhoneNumber, owned, deps.log))) {
          report.rejected.push(refused(r.row, id, { column: 'sender_number', reason: `${maskPhone(n)} is not a phone number of this Twilio account (no IncomingPhoneNumber); buy or port it into the account, or correct the column${isBusiness(r.customer) ? '' : ' (or leave it empty and set BUY_SENDER_NUMBERS=true)'}` }));
          continue;
        }
      }
      if (dryRun) {
        const firstRow = seenInFile.get(id);
        if (firstRow !== undefined) {
          report.rejected.push(refused(r.row, id, { column: 'customer_id', reason: `duplicate of row ${firstRow}; customer ids must be unique` }));
          continue;
        }
        seenInFile.set(id, r.row);
        const problem = isBusiness(r.customer) ? null : await dryRunReuse(deps.ledger, reuseInFile, r.customer);
        if (problem) report.rejected.push(refused(r.row, id, problem));
        else report.accepted += 1;
        continue;
      }
      pending.push({ row: r.row, customer: r.customer });
      if (pending.length >= CHUNK) await startFlush();
    }
    await startFlush();
    await inFlight;
    progress(true);
  } finally {
    input.destroy();
    await inFlight.catch(() => undefined);
    if (!dryRun) await deps.ledger.ingestScratch.endRun(runId).catch(() => undefined);
  }
  report.rejected.sort((a, b) => a.row - b.row);
  if (!dryRun && opts.recordInvalidRows !== false) await deps.ledger.setInvalidRows(batch, report.rejected);
  deps.log.info({ batch, accepted: report.accepted, rejected: report.rejected.length, dryRun }, 'ingest finished');
  return report;
}

/** `ingest --update` for one existing customer: redrive with the corrected data, or say why not. */
async function applyUpdate(deps: IngestDeps, report: IngestReport, row: number, customer: AnyCustomer, campaignHeld: IngestOptions['campaignHeld']): Promise<void> {
  const id = customer.customerId;
  const before = await deps.ledger.rawData(id);
  if (before === JSON.stringify(customer)) {
    report.unchanged += 1;
    return;
  }
  const rec = await deps.ledger.get(id);
  if (rec && !isRedrivable(rec)) {
    report.rejected.push(
      refused(row, id, {
        column: 'customer_id',
        reason: `${id} is ${rec.state} at ${rec.stage}; --update corrects failed or expired customers only (a registration Twilio is reviewing or has approved cannot be changed here)`,
      }),
    );
    return;
  }
  if (rec && rec.flow !== (isBusiness(customer) ? 'business' : 'sole-proprietor')) {
    report.rejected.push(refused(row, id, { column: 'flow', reason: `${id} was registered with the ${rec.flow} flow; --update cannot move a customer to another flow (use a new customer_id)` }));
    return;
  }
  const fixed = rec && !isBusiness(customer) ? await notUpdatable(deps, rec, customer, before, campaignHeld) : [];
  const note = fixed.length ? `; campaign fields Twilio cannot update in place, NOT sent: ${fixed.join(', ')} (a2p-onboard redrive --recreate-campaign --customer ${id} applies them)` : '';
  const res = await redriveCustomer(deps, id, { customer, event: `corrected data from batch ${report.batch}, row ${row}; restarting at ${firstStageOf(customer, deps.config?.ACCOUNT_MODE)}${note}` });
  if (res.ok) {
    report.updated += 1;
    if (fixed.length) (report.campaignNotUpdatable ??= []).push({ row, customerId: id, fields: fixed });
  } else report.rejected.push(res.problem ? refused(row, id, res.problem) : { row, customerId: id, reason: res.reason });
}

/**
 * Corrected campaign fields the existing campaign cannot take (UpdateUsAppToPerson has no opt-in,
 * opt-out or help fields): compared with what Twilio holds when it can be asked, else with the
 * data ingested before. None when the customer has no campaign yet (it is created with the new data).
 */
async function notUpdatable(deps: IngestDeps, rec: CustomerRecord, customer: Customer, before: string | null, campaignHeld: IngestOptions['campaignHeld']): Promise<string[]> {
  const campaignSid = rec.sids.campaign;
  const serviceSid = rec.sids.messagingService ?? rec.status.messagingServiceSid;
  if (!campaignSid || !serviceSid) return [];
  if (campaignHeld) {
    try {
      return fixedFieldChanges(customer.campaign, await campaignHeld(serviceSid, campaignSid));
    } catch (err) {
      deps.log.warn({ customerId: customer.customerId, err: err instanceof Error ? err.message : String(err) }, 'could not read the campaign at ingest; comparing with the data ingested before');
    }
  }
  const old = before ? customerSchema.safeParse(JSON.parse(before)) : null;
  return old?.success ? fixedFieldChanges(customer.campaign, old.data.campaign) : [];
}

/** Who `ingest --update` of this file would redrive: existing failed or expired customers whose row changed. Writes nothing. */
export async function updateTargets(ledger: Ledger, file: string, opts: { templatePath?: string | undefined } = {}): Promise<string[]> {
  const template = opts.templatePath ? await loadCampaignTemplate(opts.templatePath) : undefined;
  const input = createReadStream(file);
  const out: string[] = [];
  const seen = new Set<string>();
  try {
    for await (const r of readCustomerRows(input, { template })) {
      if (!r.ok || seen.has(r.customer.customerId)) continue;
      const id = r.customer.customerId;
      seen.add(id);
      const before = await ledger.rawData(id);
      if (before === null || before === JSON.stringify(r.customer)) continue;
      const rec = await ledger.get(id);
      if (rec && isRedrivable(rec)) out.push(id);
    }
  } finally {
    input.destroy();
  }
  return out;
}

/** The reason a business row's numbers cannot be used (the account does not own one), or null. Twilio errors leave it to the worker. */
async function unownedNumbers(numbers: string[], owns: (e164: string) => Promise<boolean>, memo: Map<string, boolean>, log: Logger): Promise<RowProblem | null> {
  const bad: string[] = [];
  for (const [i, n] of numbers.entries()) {
    let ok = memo.get(n);
    if (ok === undefined) {
      try {
        ok = await owns(n);
      } catch (err) {
        log.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not check a phone number at ingest; the worker will');
        continue;
      }
      memo.set(n, ok);
    }
    if (!ok) bad.push(`number ${i + 1} (${maskPhone(n)})`);
  }
  return bad.length ? { column: 'phone_numbers', reason: `${bad.join(', ')} ${bad.length > 1 ? 'are' : 'is'} not a phone number of this Twilio account (no IncomingPhoneNumber); buy or port it into the account, or correct the column` } : null;
}

/** The first stage of the customer's flow. */
function firstStageOf(c: AnyCustomer, mode: AccountMode = 'single'): StageName {
  return firstStage(isBusiness(c) ? 'business' : 'sole-proprietor', mode);
}

function reuseProblem(kind: 'mobile' | 'email', count: number): RowProblem {
  return kind === 'mobile'
    ? { column: 'mobile_phone_number', reason: `already used by ${count} brand registrations (this file and earlier batches); The Campaign Registry allows a mobile number in at most ${REUSE_LIMITS.mobile}`, rule: 'reuse-limit' }
    : { column: 'email', reason: `already used by ${count} brand registrations (this file and earlier batches); The Campaign Registry allows an email in at most ${REUSE_LIMITS.email}`, rule: 'reuse-limit' };
}

/** A refused row: every problem in its reason, and the first one's column and rule, which its action is keyed on. */
function refused(row: number, customerId: string | null, ...problems: RowProblem[]): InvalidRow {
  const first = problems[0];
  return {
    row,
    customerId,
    reason: problems.map((p) => `${p.column}: ${p.reason}`).join('; '),
    ...(first ? { column: first.column, rule: first.rule ?? 'cell' } : {}),
  };
}

async function dryRunReuse(
  ledger: Ledger,
  inFile: { mobile: Map<string, number>; email: Map<string, number> },
  c: Customer,
): Promise<RowProblem | null> {
  for (const [kind, value] of [['mobile', c.mobilePhoneNumber], ['email', c.email]] as const) {
    const h = reuseHash(value);
    const used = (inFile[kind].get(h) ?? 0) + (await ledger.reuseCount(kind, value));
    if (used + 1 > REUSE_LIMITS[kind]) return reuseProblem(kind, used);
  }
  for (const [kind, value] of [['mobile', c.mobilePhoneNumber], ['email', c.email]] as const) {
    const h = reuseHash(value);
    inFile[kind].set(h, (inFile[kind].get(h) ?? 0) + 1);
  }
  return null;
}
