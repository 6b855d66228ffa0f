import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { README, settingsBlock } from '../scripts/settings-docs.js';
import { sandboxOptionsFromEnv, sandboxSettings } from '../src/index.js';

describe('the settings table', () => {
  test('every SANDBOX_* setting has a description and a default', () => {
    const settings = sandboxSettings();
    assert.ok(settings.length >= 18, `${settings.length} settings`);
    for (const s of settings) {
      assert.match(s.name, /^SANDBOX_[A-Z_]+$/);
      assert.ok(s.description.length > 10, `${s.name} has no description`);
      assert.ok(s.default.length > 0, `${s.name} has no default`);
    }
  });

  test('each listed setting is read (a value it cannot take is refused)', () => {
    for (const s of sandboxSettings()) {
      if (s.name === 'SANDBOX_AUTH_TOKEN' || s.name === 'SANDBOX_OPENAPI_DIR' || s.name === 'SANDBOX_HOST') continue; // any text is a value
      assert.throws(() => sandboxOptionsFromEnv({ [s.name]: 'not|a|value' }), Error, s.name);
    }
  });

  test('the README block is what the schema says (npm run docs -w @a2p-onboard/twilio-sandbox rewrites it)', () => {
    const block = settingsBlock(readFileSync(README, 'utf8'));
    assert.equal(block.current, block.wanted);
  });
});
