import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Ledger } from '../ledger/ledger.js';
import type { CustomerState } from '../ledger/states.js';
import { isCustomerState } from '../reports/batch-view.js';
import { formatOf, writeReport } from '../reports/export.js';
import { InputError } from '../errors.js';

/**
 * `a2p-onboard report --batch ID --out FILE.csv|FILE.json [--state S]`: the batch report,
 * streamed to FILE.partial and renamed when complete, so a crash never leaves a
 * half-written report under the real name.
 */

export interface ReportResult {
  file: string;
  customers: number;
}

/** Unknown batch, file type or state: the command exits with status 2, like other input errors. */
export class ReportInputError extends InputError {
  override name = 'ReportInputError';
}

export async function runReport(ledger: Ledger, opts: { batch: string; out: string; state?: string | undefined }): Promise<ReportResult> {
  const format = formatOf(opts.out);
  if (!format) throw new ReportInputError(`--out ${opts.out}: the file name must end in .csv or .json`);
  let state: CustomerState | undefined;
  if (opts.state !== undefined) {
    if (!isCustomerState(opts.state)) throw new ReportInputError(`--state ${opts.state}: not a state`);
    state = opts.state;
  }
  if (!(await ledger.batchExists(opts.batch))) throw new ReportInputError(`no batch "${opts.batch}" in this Redis (check QUEUE_PREFIX)`);
  const partial = `${opts.out}.partial`;
  const out = createWriteStream(partial);
  try {
    const customers = await writeReport(ledger, opts.batch, format, out, { state });
    out.end();
    await finished(out);
    await rename(partial, opts.out);
    return { file: opts.out, customers };
  } catch (err) {
    out.destroy();
    await rm(partial, { force: true });
    throw err;
  }
}
