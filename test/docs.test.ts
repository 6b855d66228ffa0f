import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { settingDocs, type SettingDoc } from '../src/config.js';
import { COLUMNS, type ColumnSpec } from '../src/customers/columns.js';
import { brokenAnchors, formatProblems, headingAnchor, linkProblems, missingPaths, undescribedColumns, undescribedSettings } from '../scripts/doc-checks.js';
import { BLOCK_KINDS, ROOT, beginMarker, docFiles, endMarker, scanBlocks, staleBlocks } from '../scripts/docs.js';

/**
 * Docs that cannot drift: the generated tables are what the code produces now, every setting and column
 * has a description, and no doc cites a file or a heading that does not exist. Each check is also run on
 * a fixture below, to show it fails when it should.
 */

describe('the docs', () => {
  test('every generated block is what `npm run docs` produces now', () => {
    const problems = staleBlocks();
    if (problems.length) assert.fail(`the docs differ from the code:\n${formatProblems(problems)}`);
  });

  test('every setting and every column has a description', () => {
    const problems = [...undescribedSettings(settingDocs()), ...undescribedColumns(COLUMNS)];
    if (problems.length) assert.fail(`undocumented:\n${formatProblems(problems)}`);
  });

  test('every link, cited path and anchor names something that exists', () => {
    const files = docFiles();
    assert.ok(files.length > 5, 'README.md and the pages under docs/ are found');
    const problems = linkProblems(files, ROOT);
    if (problems.length) assert.fail(`the docs cite what does not exist:\n${formatProblems(problems)}`);
  });
});

describe('the docs checks fail when they should', () => {
  const doc = join(ROOT, 'docs', 'fixture.md');

  test('a block that differs, an unknown block and a block without its end are reported', () => {
    const settings = BLOCK_KINDS.find((k) => k.name === 'settings')!;
    const wanted = settings.render(join(ROOT, 'docs'));
    const current = `# t\n\n${beginMarker(settings)}\n${wanted}\n${endMarker(settings)}\n`;
    assert.deepEqual(scanBlocks(current, join(ROOT, 'docs')).blocks.map((b) => b.current === b.wanted), [true]);
    const edited = current.replace('| `REDIS_URL` |', '| `REDIS_URL` (edited) |');
    const scan = scanBlocks(edited, join(ROOT, 'docs'));
    assert.deepEqual(scan.blocks.map((b) => b.current === b.wanted), [false]);
    assert.equal(scan.updated, current, 'the generator writes the block back');
    const oldMarker = current.replace('by `npm run docs`', 'by `npm run docs:stages`');
    assert.deepEqual(scanBlocks(oldMarker, join(ROOT, 'docs')).blocks.map((b) => b.current === b.wanted), [false], 'a stale marker is stale too');
    const broken = scanBlocks('<!-- nope:begin -->\n<!-- settings:begin x -->\n', join(ROOT, 'docs'));
    assert.equal(broken.problems.length, 2);
    assert.match(broken.problems[0]!.message, /"nope", which scripts\/docs\.ts does not know/);
    assert.match(broken.problems[1]!.message, /settings:begin without <!-- settings:end -->/);
  });

  test('a setting without a description, and a column with an empty one, are reported', () => {
    const setting: SettingDoc = { name: 'NEW_SETTING', defaultValue: '1', shownDefault: undefined, description: undefined, help: undefined };
    assert.match(formatProblems(undescribedSettings([setting])), /src\/config\.ts: setting NEW_SETTING has no description: add \.describe\(/);
    const column: ColumnSpec = { name: 'new_column', requirement: 'optional', pii: false, description: ' ' };
    assert.match(formatProblems(undescribedColumns([column])), /column new_column has an empty description/);
  });

  test('a cited file, a link and a listed path that do not exist are reported, with their line', () => {
    const text = [
      '# Fixture',
      'See `src/nope.ts` and `src/config.ts`, [the CSV](csv.md), [gone](gone.md), [web](https://example.com/x).',
      'Placeholders pass: `bench/results/*.json`, `test/FILE.test.ts`, `src/ledger/lua/<name>.lua`; so does what git ignores: `deploy/prometheus/a2p-metrics-token`.',
      '```',
      'src/cli.ts        the commands',
      'src/vanished/     a folder that went away',
      '```',
    ].join('\n');
    const problems = missingPaths(text, doc, ROOT);
    assert.deepEqual(problems.map((p) => [p.line, p.message.split(' names')[0]]), [
      [2, 'the link to gone.md'],
      [2, 'the path src/nope.ts'],
      [6, 'the listed path src/vanished/'],
    ]);
    assert.match(formatProblems(problems), /^docs\/fixture\.md:2: the link to gone\.md names no file or folder \(read from docs\/\)/);
  });

  test("a package's README cites its own files from its folder, and the product's from the root", () => {
    const readme = join(ROOT, 'packages', 'twilio-sandbox', 'README.md');
    const text = 'Its schema is `src/options.ts`; the product checks it in `test/sandbox-independence.test.ts`; `src/gone.ts` is neither.';
    assert.deepEqual(
      missingPaths(text, readme, ROOT).map((p) => p.message.split(' names')[0]),
      ['the path src/gone.ts'],
    );
  });

  test('a link to a heading that does not exist is reported', () => {
    assert.equal(headingAnchor('Fees and `--yes`'), 'fees-and---yes');
    assert.equal(headingAnchor('Sender numbers (Sole Proprietor)'), 'sender-numbers-sole-proprietor');
    const pages: Record<string, string> = { [join(ROOT, 'docs', 'other.md')]: '# Other\n\n## Sender numbers (Sole Proprietor)\n' };
    const text = '# Fixture\n\n## Here\n\n[a](#here) [b](#there) [c](other.md#sender-numbers-sole-proprietor) [d](other.md#nope)\n';
    const problems = brokenAnchors(text, doc, ROOT, (p) => pages[p]);
    assert.deepEqual(problems.map((p) => [p.line, p.message.split(' names')[0]]), [
      [5, 'the link #there'],
      [5, 'the link other.md#nope'],
    ]);
  });
});
