import assert from 'node:assert/strict';
import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The sandbox checks the product, it must not copy it (issue 12, point 10): nothing in its package
 * (packages/twilio-sandbox) imports from the product's src/ or anywhere else outside the package.
 * Otherwise a wrong enum or rule in the pipeline would be agreed with by the sandbox instead of refused.
 * node: built-ins and the npm packages its own package.json lists are fine (issue 13: its own package).
 */

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'packages', 'twilio-sandbox');
const manifest = z
  .object({ dependencies: z.record(z.string(), z.string()).default({}), devDependencies: z.record(z.string(), z.string()).default({}) })
  .parse(JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')));

function tsFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every module specifier of a file: static imports and re-exports (type-only too), dynamic import(), require(). */
export function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"`]([^'"`]+)['"`]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) out.push(m[1]!);
  return out;
}

/** The npm package a bare specifier names: `@scope/name` or `name`, without a subpath. */
function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * Why a specifier of `file` reaches outside the package, or null when it does not. `allowed` are the npm
 * packages the file may use: the package's dependencies (its src/), plus its devDependencies (its tests and scripts).
 */
export function outside(file: string, spec: string, allowed: ReadonlySet<string>): string | null {
  if (spec.startsWith('node:') || builtinModules.includes(spec)) return null;
  if (spec.startsWith('/') || /^[A-Za-z]:[\\/]/.test(spec)) return 'an absolute path';
  if (!spec.startsWith('.')) return allowed.has(packageName(spec)) ? null : `a package its package.json does not list`;
  const target = resolve(dirname(file), spec);
  const rel = relative(PACKAGE_DIR, target);
  return rel.startsWith('..') || rel.startsWith(sep) || rel.split(sep)[0] === 'node_modules' ? `resolves to ${relative(resolve(PACKAGE_DIR, '..', '..'), target)}` : null;
}

describe('the sandbox is independent of the pipeline', () => {
  test('the scanner sees each kind of import and tells inside from outside', () => {
    const f = join(PACKAGE_DIR, 'src', 'x.ts');
    const src = [
      "import { a } from './store.js';",
      "import type { B } from '../../../src/twilio/policy.js';",
      "export { C } from '../../../src/customers/business.js';",
      "import {\n  D,\n} from '../../../src/jobs/context.js';",
      "const m = await import('../../../src/config.js');",
      "import { z } from 'zod';",
      "import { Queue } from 'bullmq';",
      "import { readFileSync } from 'node:fs';",
    ].join('\n');
    const found = specifiers(src);
    const allowed = new Set(['zod']);
    assert.deepEqual(found.filter((s) => outside(f, s, allowed) !== null).sort(), ['../../../src/config.js', '../../../src/customers/business.js', '../../../src/jobs/context.js', '../../../src/twilio/policy.js', 'bullmq']);
    assert.deepEqual(found.filter((s) => outside(f, s, allowed) === null).sort(), ['./store.js', 'node:fs', 'zod']);
  });

  test("no file of the sandbox package imports the product's src/ or a package its package.json does not list", () => {
    const runtime = new Set(Object.keys(manifest.dependencies));
    const development = new Set([...runtime, ...Object.keys(manifest.devDependencies)]);
    const files = [
      ...tsFiles(join(PACKAGE_DIR, 'src')).map((file) => ({ file, allowed: runtime })),
      ...[...tsFiles(join(PACKAGE_DIR, 'test')), ...tsFiles(join(PACKAGE_DIR, 'scripts'))].map((file) => ({ file, allowed: development })),
    ];
    assert.ok(files.length > 10, `scanned ${files.length} files`);
    const problems: string[] = [];
    for (const { file, allowed } of files) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const why = outside(file, spec, allowed);
        if (why) problems.push(`${relative(PACKAGE_DIR, file)} imports '${spec}' (${why})`);
      }
    }
    assert.deepEqual(problems, [], 'the sandbox must keep its own tables, written from the documents, and declare what it uses');
  });
});
