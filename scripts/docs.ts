import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { settingDocs, type SettingDoc } from '../src/config.js';
import { formatColumnMarkdown } from '../src/customers/columns.js';
import { renderStageDocs } from './stage-docs.js';

/**
 * `npm run docs`: rewrites every generated block in the docs from the code it documents. A block sits
 * between `<!-- NAME:begin (generated from SOURCE by `npm run docs`; do not edit) -->` and `<!-- NAME:end -->`
 * in any Markdown file of docFiles(); test/docs.test.ts fails when one differs from what this produces.
 * Another block is one more entry in BLOCK_KINDS.
 */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BlockKind {
  readonly name: string;
  /** The file the block is generated from, relative to the repo root (named in the marker). */
  readonly source: string;
  /** The block's content for a Markdown file in `docDir` (links inside it are relative to that folder). */
  render(docDir: string): string;
}

export const BLOCK_KINDS: readonly BlockKind[] = [
  { name: 'stages', source: 'src/jobs/registry.ts', render: renderStageDocs },
  { name: 'settings', source: 'src/config.ts', render: () => renderSettings(settingDocs()) },
  { name: 'columns', source: 'src/customers/columns.ts', render: () => formatColumnMarkdown() },
];

export const beginMarker = (k: BlockKind): string => `<!-- ${k.name}:begin (generated from ${k.source} by \`npm run docs\`; do not edit) -->`;
export const endMarker = (k: BlockKind): string => `<!-- ${k.name}:end -->`;

/** The settings table: default from the schema (or its shown override), meaning from its description. */
export function renderSettings(settings: readonly SettingDoc[]): string {
  const shown = (s: SettingDoc) => s.shownDefault ?? (s.defaultValue === undefined ? 'unset' : `\`${s.defaultValue}\``);
  const rows = settings.map((s) => `| \`${s.name}\` | ${shown(s)} | ${(s.description ?? '').replace(/\|/g, '\\|')} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The Markdown files that may hold blocks and are checked: README.md, docs/**, and each package's README.md and docs/**. */
export function docFiles(root: string = ROOT): string[] {
  const walk = (dir: string): string[] =>
    !existsSync(dir) ? [] : readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  const packagesDir = join(root, 'packages');
  const packages = existsSync(packagesDir) ? readdirSync(packagesDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(packagesDir, e.name)) : [];
  return [join(root, 'README.md'), ...walk(join(root, 'docs')), ...packages.flatMap((p) => [join(p, 'README.md'), ...walk(join(p, 'docs'))].filter((f) => existsSync(f)))];
}

export interface GeneratedBlock {
  kind: BlockKind;
  /** 1-based line of the begin marker. */
  line: number;
  current: string;
  wanted: string;
}

export interface BlockScan {
  blocks: GeneratedBlock[];
  /** Markers the generator cannot use: unknown names, a begin without its end. */
  problems: { line: number; message: string }[];
  /** The text with every block (and its begin marker) as the generator writes it. */
  updated: string;
}

const BEGIN_RE = /<!-- ([a-z][a-z0-9-]*):begin\b[^\n]*?-->/g;

/** Every generated block in one Markdown text; pure, so the tests can run it on a fixture. */
export function scanBlocks(text: string, docDir: string, kinds: readonly BlockKind[] = BLOCK_KINDS, ownedElsewhere = false): BlockScan {
  const blocks: GeneratedBlock[] = [];
  const problems: BlockScan['problems'] = [];
  let updated = '';
  let from = 0;
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  for (const m of text.matchAll(BEGIN_RE)) {
    const start = m.index;
    if (start < from) continue;
    const kind = kinds.find((k) => k.name === m[1]);
    if (!kind) {
      // A workspace package's README may hold blocks its own generator writes and its own test checks.
      if (ownedElsewhere) continue;
      problems.push({ line: lineAt(start), message: `a generated block named "${m[1]}", which scripts/docs.ts does not know (known: ${kinds.map((k) => k.name).join(', ')})` });
      continue;
    }
    const end = text.indexOf(endMarker(kind), start);
    if (end < 0) {
      problems.push({ line: lineAt(start), message: `${kind.name}:begin without ${endMarker(kind)}` });
      continue;
    }
    const current = text.slice(start + m[0].length, end).replace(/^\n/, '').replace(/\n$/, '');
    const wanted = kind.render(docDir);
    // The marker itself counts as content: an old marker (another command named) is stale too.
    blocks.push({ kind, line: lineAt(start), current: m[0] === beginMarker(kind) ? current : `${m[0]}\n${current}`, wanted });
    updated += `${text.slice(from, start)}${beginMarker(kind)}\n${wanted}\n`;
    from = end;
  }
  return { blocks, problems, updated: updated + text.slice(from) };
}

export interface DocProblem {
  /** Repo-relative file. */
  file: string;
  line: number;
  message: string;
  /** The generated block it is about, if any. */
  block?: string;
}

/** A workspace package's doc (packages/NAME/…): its own blocks are its package's to generate. */
const inPackage = (root: string, file: string): boolean => relative(root, file).startsWith(`packages${sep}`);

/** What `npm run docs` would change, and what it cannot fix, over every doc file: empty when the docs are current. */
export function staleBlocks(root: string = ROOT, kinds: readonly BlockKind[] = BLOCK_KINDS): DocProblem[] {
  const problems: DocProblem[] = [];
  const seen = new Set<string>();
  for (const file of docFiles(root)) {
    const rel = relative(root, file);
    const scan = scanBlocks(readFileSync(file, 'utf8'), dirname(file), kinds, inPackage(root, file));
    for (const p of scan.problems) problems.push({ file: rel, line: p.line, message: p.message });
    for (const b of scan.blocks) {
      seen.add(b.kind.name);
      if (b.current !== b.wanted) {
        problems.push({ file: rel, line: b.line, block: b.kind.name, message: `the ${b.kind.name} block differs from what ${b.kind.source} generates: run npm run docs (never edit the block by hand; descriptions live in ${b.kind.source})` });
      }
    }
  }
  for (const k of kinds) {
    if (!seen.has(k.name)) problems.push({ file: 'docs/', line: 0, block: k.name, message: `no doc holds the ${k.name} block: add ${beginMarker(k)} … ${endMarker(k)} where it belongs, then run npm run docs` });
  }
  return problems;
}

/** Rewrites every stale block; returns the repo-relative files it changed. */
export function writeDocs(root: string = ROOT): string[] {
  const changed: string[] = [];
  for (const file of docFiles(root)) {
    const text = readFileSync(file, 'utf8');
    const { updated } = scanBlocks(text, dirname(file), BLOCK_KINDS, inPackage(root, file));
    if (updated === text) continue;
    writeFileSync(file, updated);
    changed.push(relative(root, file));
  }
  return changed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const f of writeDocs()) console.log(`updated ${f}`);
  const left = staleBlocks();
  for (const p of left) console.error(`${p.file}:${p.line}: ${p.message}`);
  if (left.length) process.exit(1);
}
