import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The sandbox checks the product, it must not copy it (issue 12, point 10): nothing under src/sandbox
 * imports from elsewhere in src/. Otherwise a wrong enum or rule in the pipeline would be agreed with by
 * the sandbox instead of refused. node: built-ins and npm packages are fine.
 */

const SANDBOX_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'sandbox');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier of a file: static imports and re-exports (type-only too), dynamic import(), require(). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** Why a specifier of `file` reaches outside src/sandbox, or null when it does not. */
export function outside(file: string, spec: string): string | null {
  if (spec.startsWith('node:')) return null;
  if (spec.startsWith('/') || /^[A-Za-z]:[\\/]/.test(spec)) return 'an absolute path';
  if (!spec.startsWith('.')) return null; // an npm package
  const target = resolve(dirname(file), spec);
  const rel = relative(SANDBOX_DIR, target);
  return rel.startsWith('..') || rel.startsWith(sep) ? `resolves to ${relative(resolve(SANDBOX_DIR, '..', '..'), target)}` : null;
}

describe('the sandbox is independent of the pipeline', () => {
  test('the scanner sees each kind of import and tells inside from outside', () => {
    const f = join(SANDBOX_DIR, 'x.ts');
    const src = [
      "import { a } from './store.js';",
      "import type { B } from '../twilio/policy.js';",
      "export { C } from '../customers/business.js';",
      "import {\n  D,\n} from '../jobs/context.js';",
      "const m = await import('../config.js');",
      "import { z } from 'zod';",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    const found = specifiers(src);
    assert.deepEqual(found.filter((s) => outside(f, s) !== null).sort(), ['../config.js', '../customers/business.js', '../jobs/context.js', '../twilio/policy.js']);
    assert.deepEqual(found.filter((s) => outside(f, s) === null).sort(), ['./store.js', 'node:fs', 'zod']);
  });

  test('no file under src/sandbox imports a module of src/ outside src/sandbox', () => {
    const files = tsFiles(SANDBOX_DIR);
    assert.ok(files.length > 10, `scanned ${files.length} files`);
    const problems: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const why = outside(file, spec);
        if (why) problems.push(`${relative(SANDBOX_DIR, file)} imports '${spec}' (${why})`);
      }
    }
    assert.deepEqual(problems, [], 'the sandbox must keep its own tables, written from the documents');
  });
});
