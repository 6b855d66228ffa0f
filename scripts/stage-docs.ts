import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLOWS } from '../src/customers/columns.js';
import { STAGE_NAMES, stageDef, stagesOf, type StageName } from '../src/jobs/registry.js';

/**
 * The docs' stage diagram and table, rendered from the stage registry (src/jobs/registry.ts). scripts/docs.ts
 * writes it into the `stages` block of docs/architecture.md; test/registry.test.ts and test/docs.test.ts fail
 * when the block differs.
 */

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
  // Entry stages (ACCOUNT_MODE=subaccount) come before both flows' first stages.
  for (const name of STAGE_NAMES) {
    const entry = stageDef(name).entry;
    if (entry) out.push(`  ingest -. ACCOUNT_MODE=${entry} .-> ${id(name)}`);
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
    out.push(`| [\`${name}\`](${stageFile(name, docDir)})${s.first ? ' (first)' : ''}${s.entry ? ` (first with ACCOUNT_MODE=${s.entry})` : ''} | ${flow} | ${s.does}${attempts} | ${next} | ${priority} | ${limiter} |`);
  }
  return out.join('\n');
}

function id(name: StageName): string {
  return name.replaceAll('-', '_');
}

function node(name: StageName): string {
  return `${id(name)}[${name}]`;
}
