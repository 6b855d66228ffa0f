import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOWS } from '../src/customers/columns.js';
import { STAGE_NAMES, stageDef, stagesOf, type StageName } from '../src/jobs/registry.js';

/**
 * The docs' stage diagram and table, generated from the stage registry (src/jobs/registry.ts) between
 * the markers below, in whichever Markdown file holds them (README.md or a page under docs/).
 * `npm run docs:stages` rewrites the block; test/registry.test.ts fails when it differs from the table.
 */

export const BEGIN = '<!-- stages:begin (generated from src/jobs/registry.ts by `npm run docs:stages`; do not edit) -->';
export const END = '<!-- stages:end -->';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const FLOW_TITLE = { 'sole-proprietor': 'Sole Proprietor', business: 'business' } as const;

function stageFile(name: StageName, docDir: string): string {
  return relative(docDir, join(ROOT, 'src', 'jobs', `${name}.ts`)).split('\\').join('/');
}

/** The block's content for a Markdown file in `docDir` (links are relative to it). */
export function renderStageDocs(docDir: string = ROOT): string {
  const out: string[] = ['```mermaid', 'flowchart LR'];
  for (const flow of FLOWS) {
    out.push(`  subgraph ${flow.replaceAll('-', '_')}["${FLOW_TITLE[flow]} flow"]`);
    for (const name of stagesOf(flow)) out.push(`    ${node(name)}`);
    out.push('  end');
  }
  out.push('  ingest([ingest / redrive])');
  for (const flow of FLOWS) {
    const first = stagesOf(flow).find((n) => stageDef(n).first);
    if (first) out.push(`  ingest --> ${id(first)}`);
  }
  for (const name of STAGE_NAMES) for (const next of stageDef(name).next) out.push(`  ${id(name)} --> ${id(next)}`);
  out.push('```', '');
  out.push('| stage | flow | what it does | may be followed by | budget priority | limiter |', '| --- | --- | --- | --- | --- | --- |');
  for (const name of STAGE_NAMES) {
    const s = stageDef(name);
    const flow = s.flow === 'both' ? 'both' : FLOW_TITLE[s.flow];
    const next = s.next.length ? s.next.map((n) => `\`${n}\``).join(', ') : '—';
    const priority = s.budgetPriority === 'low' ? 'low: new customers yield to those under way' : 'high';
    const limiter = s.limiter ? `\`${s.limiter.perSecond}\` jobs a second, across every worker` : '—';
    const attempts = s.attempts !== undefined ? ` (${s.attempts} attempts)` : '';
    out.push(`| [\`${name}\`](${stageFile(name, docDir)})${s.first ? ' (first)' : ''} | ${flow} | ${s.does}${attempts} | ${next} | ${priority} | ${limiter} |`);
  }
  return out.join('\n');
}

function id(name: StageName): string {
  return name.replaceAll('-', '_');
}

function node(name: StageName): string {
  return `${id(name)}[${name}]`;
}

/** The Markdown files that may hold the block: README.md and docs/**. */
export function docFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return [join(ROOT, 'README.md'), ...walk(join(ROOT, 'docs'))];
}

export interface StageBlock {
  file: string;
  /** What the file holds between the markers. */
  current: string;
  /** What it should hold. */
  wanted: string;
  /** The file with the block replaced by the wanted one. */
  updated: string;
}

/** Every block in the docs, with what it holds and what it should. */
export function stageBlocks(): StageBlock[] {
  const blocks: StageBlock[] = [];
  for (const file of docFiles()) {
    const text = readFileSync(file, 'utf8');
    const start = text.indexOf(BEGIN);
    if (start < 0) continue;
    const end = text.indexOf(END, start);
    if (end < 0) throw new Error(`${relative(ROOT, file)}: ${BEGIN} without ${END}`);
    const current = text.slice(start + BEGIN.length, end).replace(/^\n/, '').replace(/\n$/, '');
    const wanted = renderStageDocs(dirname(file));
    blocks.push({ file, current, wanted, updated: `${text.slice(0, start)}${BEGIN}\n${wanted}\n${text.slice(end)}` });
  }
  return blocks;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const blocks = stageBlocks();
  if (blocks.length === 0) {
    console.error(`no file holds the stage block (${BEGIN} … ${END}) among README.md and docs/`);
    process.exit(1);
  }
  for (const b of blocks) {
    if (b.current === b.wanted) continue;
    writeFileSync(b.file, b.updated);
    console.log(`updated ${relative(ROOT, b.file)}`);
  }
}
