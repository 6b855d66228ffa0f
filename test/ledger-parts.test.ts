import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { encodeStatus, parseStatus, STATUS_FIELDS } from '../src/ledger/status-fields.js';

describe('ledger parts', () => {
  it('status fields: records as earlier versions wrote them read typed, and writes store the same strings', () => {
    const stored = {
      brandPolls: '3', brandRetryAt: '', otpSentAt: '1700000000000', brandMock: '1', campaignNotUpdated: 'description,messageSamples',
      recreateCampaign: '4:QE' + '1'.repeat(32), phoneNumberSids: '{"abc":"PN1"}', brand: 'APPROVED', brandIdentity: '', oldField: 'kept raw only',
    };
    const s = parseStatus(stored);
    assert.deepEqual(s, {
      brandPolls: 3, otpSentAt: 1_700_000_000_000, brandMock: true, campaignNotUpdated: ['description', 'messageSamples'],
      recreateCampaign: { gen: 4, sid: 'QE' + '1'.repeat(32) }, phoneNumberSids: { abc: 'PN1' }, brand: 'APPROVED', brandIdentity: '',
    });
    // What the stages used to write by hand ('0', '', 'a,b', 'gen:SID', JSON, '1') is what the schema writes.
    assert.deepEqual(encodeStatus({ brandPolls: 0, brandRetryAt: null, campaignNotUpdated: [], recreateCampaign: { gen: 2, sid: 'QE9' }, phoneNumberSids: { a: 'PN2' }, brandMock: true }), {
      brandPolls: '0', brandRetryAt: '', campaignNotUpdated: '', recreateCampaign: '2:QE9', phoneNumberSids: '{"a":"PN2"}', brandMock: '1',
    });
    for (const [name, value] of Object.entries(stored)) {
      if (name in STATUS_FIELDS && value !== '') assert.equal(encodeStatus(parseStatus({ [name]: value }))[name], value, `${name} round-trips`);
    }
  });

  it('status fields: one unreadable field does not hide the others; an undeclared one is refused on write', () => {
    assert.deepEqual(parseStatus({ otpCount: 'x', phoneNumberSids: '{', otpChecks: '2' }), { otpChecks: 2 });
    assert.throws(() => encodeStatus({ notAField: 'x' } as never), /not declared/);
  });

  it('every Lua script says its KEYS and ARGV in a header, and its file name how many keys it takes', () => {
    const dir = new URL('../src/ledger/lua/', import.meta.url);
    const files = readdirSync(dir);
    assert.ok(files.length >= 10);
    for (const file of files) {
      const m = /^(\w+)-(\d+)\.lua$/.exec(file);
      assert.ok(m, `${file} is named <name>-<keys>.lua`);
      const lua = readFileSync(new URL(file, dir), 'utf8');
      assert.match(lua, /^--\[\[[\s\S]*Input:[\s\S]*Output:[\s\S]*?\]\]/, `${file} starts with its header`);
      const header = lua.slice(0, lua.indexOf(']]'));
      for (let k = 1; k <= Math.min(Number(m[2]), 4); k++) assert.match(header, new RegExp(`KEYS\\[${k}\\]`), `${file} names KEYS[${k}]`);
    }
  });
});
