import assert from 'node:assert/strict';

/**
 * What the sandbox's own test files share: the RestException a refused request becomes, and polling
 * the sandbox until its (tens of milliseconds) delays have run.
 */

/** twilio-node's RestException, as far as the tests read it. */
export interface RestErr {
  status: number;
  code: number;
  message: string;
  moreInfo: string;
}

/** The RestException `p` rejects with; fails the test when it resolves or rejects with something else. */
export async function restError(p: Promise<unknown>): Promise<RestErr> {
  try {
    await p;
  } catch (e) {
    const err = e as Partial<RestErr>;
    assert.equal(typeof err.status, 'number', `expected a RestException, got ${String(e)}`);
    return err as RestErr;
  }
  assert.fail('expected the request to fail');
}

/** Polls `get` until `done`, every 20 ms; the error names what was awaited and the last value seen. */
export async function pollUntil<T>(what: string, get: () => T | Promise<T>, done: (v: T) => boolean, timeoutMs = 6000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
