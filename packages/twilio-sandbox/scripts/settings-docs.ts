import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sandboxSettings } from '../src/options.js';

/**
 * The README's settings table, generated from the SANDBOX_* schema (src/options.ts) between the markers
 * below. `npm run docs -w @a2p-onboard/twilio-sandbox` (the root's `npm run docs` runs it too) rewrites
 * it; test/settings-docs.test.ts fails when it differs from the schema.
 */

export const BEGIN = '<!-- sandbox-settings:begin (generated; do not edit) -->';
export const END = '<!-- sandbox-settings:end -->';
export const README = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'README.md');

/** A table cell: a pipe would end the cell early. */
const cell = (s: string) => s.replaceAll('|', '\\|');

export function renderSettings(): string {
  const rows = sandboxSettings().map((s) => `| \`${s.name}\` | ${s.default === 'unset' || s.default.includes('`') ? cell(s.default) : `\`${cell(s.default)}\``} | ${cell(s.description)} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** What the README holds between the markers, what it should hold, and the README with the wanted block. */
export function settingsBlock(text: string): { current: string; wanted: string; updated: string } {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END, start);
  if (start < 0 || end < 0) throw new Error(`README.md lacks the settings block (${BEGIN} … ${END})`);
  const current = text.slice(start + BEGIN.length, end).replace(/^\n/, '').replace(/\n$/, '');
  const wanted = renderSettings();
  return { current, wanted, updated: `${text.slice(0, start)}${BEGIN}\n${wanted}\n${text.slice(end)}` };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const block = settingsBlock(readFileSync(README, 'utf8'));
  if (block.current !== block.wanted) {
    writeFileSync(README, block.updated);
    console.log('updated README.md');
  }
}
