import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { POLICY_STARTER, SANDBOX_DEFAULTS, startSandbox, type Sandbox } from '../src/index.js';
import { defaultSpecDir } from '../src/contract.js';

/** The package alone: it starts from its own dependencies and answers plain HTTP (no Twilio client needed). */
describe('the sandbox package on its own', () => {
  let sb: Sandbox | undefined;
  after(() => sb?.close());

  test("Twilio's OpenAPI files are found from the package's own dependency", () => {
    const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
    const spec = realpathSync(defaultSpecDir());
    assert.match(spec, /@twilio-alpha[\\/]mcp[\\/]twilio-oai[\\/]spec[\\/]json$/);
    // Resolved from this package (its node_modules or a workspace root above it), not from a caller's folder.
    assert.ok(spec.startsWith(realpathSync(join(pkgDir, '..', '..'))) || spec.startsWith(realpathSync(pkgDir)), spec);
  });

  test('starts on a free port, serves the policies with its credentials, and logs requests for the admin hook', async () => {
    sb = await startSandbox({ port: 0 });
    const auth = `Basic ${Buffer.from(`${SANDBOX_DEFAULTS.accountSid}:${SANDBOX_DEFAULTS.authToken}`).toString('base64')}`;
    const policy = await fetch(`${sb.url}/trusthub/v1/Policies/${POLICY_STARTER}`, { headers: { authorization: auth } });
    assert.equal(policy.status, 200);
    assert.equal(((await policy.json()) as { sid: string }).sid, POLICY_STARTER);
    const denied = await fetch(`${sb.url}/trusthub/v1/Policies/${POLICY_STARTER}`, { headers: { authorization: 'Basic eDp5' } });
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { code: number }).code, 20003);
    const log = (await (await fetch(`${sb.url}/_sandbox/requests`)).json()) as unknown[];
    assert.equal(log.length, 2);
  });
});
