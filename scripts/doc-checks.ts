import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { SettingDoc } from '../src/config.js';
import type { ColumnSpec } from '../src/customers/columns.js';
import type { DocProblem } from './docs.js';

/**
 * The checks test/docs.test.ts runs over the docs, as functions of text so the test can also prove each
 * one fails on a fixture. Every problem names the file, the line and what to do.
 */

/** Folders of the repo whose files the docs cite in backticks (`src/jobs/brand.ts`), read from the repo root. */
const REPO_DIRS = ['src', 'test', 'scripts', 'bench', 'docs', 'examples', 'deploy', 'fixtures', 'packages'];
const REPO_PATH = new RegExp(`^(?:${REPO_DIRS.join('|')})/`);
/** Globs and placeholders (`bench/results/*.json`, `src/ledger/lua/<name>.lua`, `test/FILE.test.ts`) name no one file. */
const PLACEHOLDER = /[*{}<>…]|\.\.\.|(?:^|\/)(?:N|FILE|NAME|ID)(?:[./]|$)/;

const FENCE = /^\s*(```|~~~)/;
const LINK = /\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;
const CODE_SPAN = /`([^`\s]+)`/g;

interface Line {
  n: number;
  text: string;
  fenced: boolean;
}

function lines(text: string): Line[] {
  let fenced = false;
  return text.split('\n').map((t, i) => {
    if (FENCE.test(t)) {
      fenced = !fenced;
      return { n: i + 1, text: '', fenced: true };
    }
    return { n: i + 1, text: t, fenced };
  });
}

/** Settings whose schema has no description (what their docs row would say). */
export function undescribedSettings(settings: readonly SettingDoc[]): DocProblem[] {
  return settings
    .filter((s) => !s.description?.trim())
    .map((s) => ({ file: 'src/config.ts', line: 0, message: `setting ${s.name} has no description: add .describe('what it does') to it in configSchema, then run npm run docs` }));
}

/** Columns whose spec has an empty description. */
export function undescribedColumns(columns: readonly ColumnSpec[]): DocProblem[] {
  return columns
    .filter((c) => !c.description.trim())
    .map((c) => ({ file: 'src/customers/columns.ts', line: 0, message: `column ${c.name} has an empty description: write one in its spec, then run npm run docs` }));
}

/**
 * Links and cited paths that name nothing: `[..](relative/path)` resolved from the doc's folder, a backticked
 * repo path (`src/…`, `test/…`, …) and the first word of a line in a code block (a layout listing) from the root.
 */
export function missingPaths(
  text: string,
  docFile: string,
  root: string,
  exists: (path: string) => boolean = existsSync,
  ignored: ReadonlySet<string> = gitignoredPaths(root),
): DocProblem[] {
  const file = relative(root, docFile);
  const problems: DocProblem[] = [];
  // A workspace package's doc cites its own files (`src/options.ts`) from the package's folder, and the product's from the root.
  const pkg = /^packages\/[^/]+\//.exec(file.split('\\').join('/'))?.[0];
  const existsCited = (path: string) => exists(resolve(root, path)) || (pkg !== undefined && exists(resolve(root, pkg, path)));
  const cite = (n: number, path: string, from: string, how: string) => {
    const clean = path.replace(/#.*$/, '').replace(/:\d+(?::\d+)?$/, '');
    if (!clean || PLACEHOLDER.test(clean)) return;
    // A file the operator creates and git ignores (deploy/prometheus/a2p-metrics-token) is cited before it exists.
    if (from === root && ignored.has(clean.replace(/\/$/, ''))) return;
    if (!(from === root ? existsCited(clean) : exists(resolve(from, clean)))) problems.push({ file, line: n, message: `${how} ${path} names no file or folder (${from === root ? 'read from the repo root' : `read from ${relative(root, from) || '.'}/`}): fix the path, or the doc, to what exists` });
  };
  for (const { n, text: t, fenced } of lines(text)) {
    if (fenced) {
      const first = t.trim().split(/\s+/)[0] ?? '';
      if (REPO_PATH.test(first)) cite(n, first, root, 'the listed path');
      continue;
    }
    for (const m of t.matchAll(LINK)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      cite(n, target, dirname(docFile), 'the link to');
    }
    for (const m of t.matchAll(CODE_SPAN)) {
      if (REPO_PATH.test(m[1]!)) cite(n, m[1]!, root, 'the path');
    }
  }
  return problems;
}

/** The plain paths (no globs) the repo's .gitignore names. */
export function gitignoredPaths(root: string): Set<string> {
  const text = readIfExists(resolve(root, '.gitignore')) ?? '';
  return new Set(
    text
      .split('\n')
      .map((l) => l.trim().replace(/^\//, '').replace(/\/$/, ''))
      .filter((l) => l && !l.startsWith('#') && !/[*?[!]/.test(l)),
  );
}

/** GitHub's anchor for a heading: lowercased, punctuation dropped, spaces to hyphens (`Fees and `--yes`` → `fees-and---yes`). */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors a Markdown text's headings produce (repeats get -1, -2 as on GitHub). */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const count = new Map<string, number>();
  for (const { text: t, fenced } of lines(text)) {
    const m = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(t);
    if (!m) continue;
    const base = headingAnchor(m[1]!);
    const seen = count.get(base) ?? 0;
    anchors.add(seen ? `${base}-${seen}` : base);
    count.set(base, seen + 1);
  }
  return anchors;
}

/** Links to `#anchor` or `file.md#anchor` (in the repo) whose heading does not exist. */
export function brokenAnchors(text: string, docFile: string, root: string, read: (path: string) => string | undefined = readIfExists): DocProblem[] {
  const file = relative(root, docFile);
  const problems: DocProblem[] = [];
  for (const { n, text: t, fenced } of lines(text)) {
    if (fenced) continue;
    for (const m of t.matchAll(LINK)) {
      const target = m[1]!;
      const hash = target.indexOf('#');
      if (hash < 0 || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      const path = target.slice(0, hash);
      const anchor = target.slice(hash + 1);
      if (path && !path.endsWith('.md')) continue;
      const targetFile = path ? resolve(dirname(docFile), path) : docFile;
      const body = path ? read(targetFile) : text;
      if (body === undefined) continue; // a missing file is missingPaths' finding
      if (!anchorsOf(body).has(anchor)) {
        problems.push({ file, line: n, message: `the link ${target} names no heading of ${relative(root, targetFile)}: link to a heading that exists (anchors: lowercase, punctuation dropped, spaces as -)` });
      }
    }
  }
  return problems;
}

function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** Every path and anchor problem in the given doc files. */
export function linkProblems(files: readonly string[], root: string): DocProblem[] {
  return files.flatMap((f) => {
    const text = readFileSync(f, 'utf8');
    return [...missingPaths(text, f, root), ...brokenAnchors(text, f, root)];
  });
}

export const formatProblems = (problems: readonly DocProblem[]): string => problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`).join('\n');
