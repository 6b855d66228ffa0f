import { loadConfig, requireTwilio } from '../config.js';
import { InputError } from '../errors.js';
import { connectRedis } from '../redis.js';
import { Ledger } from '../ledger/ledger.js';
import { createAccountGateways, createGateway, eventsSinkUrl } from '../workers/runtime.js';
import { setupEvents, type EventsSetupResult } from '../events/setup.js';

/**
 * `a2p-onboard events setup`: the webhook Sink and the Subscription that make Twilio push brand
 * and campaign registration events to this deployment (Twilio's "A2P 10DLC - Event Streams
 * Setup"). Idempotent: an existing sink for the same URL and an existing subscription of ours are
 * reused, and only the event types they lack are added; run it again any time. Twilio keeps Sinks
 * and Subscriptions per account, so it runs once per account (each subaccount too, when used).
 */

export interface EventsSetupCommandOptions {
  sinkUrl?: string | undefined;
  json?: boolean | undefined;
}

/** The human lines of one account's set-up. */
export function formatEventsSetup(r: EventsSetupResult): string {
  const lines = [`Account ${r.account}:`];
  if (r.sink) lines.push(`  ${r.sink.created ? 'created' : 'found'} sink ${r.sink.sid} (${r.sink.status}) → ${r.sink.destination ?? '?'}`);
  if (r.subscription) {
    const what = r.subscription.created ? `created subscription ${r.subscription.sid} with ${r.subscription.addedTypes.length} event types` : r.subscription.addedTypes.length ? `found subscription ${r.subscription.sid}; added ${r.subscription.addedTypes.join(', ')}` : `found subscription ${r.subscription.sid} with every event type`;
    lines.push(`  ${what}`);
  }
  for (const p of r.problems) lines.push(`  ✗ ${p}`);
  return lines.join('\n');
}

/** `a2p-onboard events setup`: exit 0 when every account's sink and subscription are in place. */
export async function runEventsSetupCommand(o: EventsSetupCommandOptions, env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = (s) => process.stdout.write(s)): Promise<number> {
  const config = loadConfig(env);
  requireTwilio(config);
  const sinkUrl = o.sinkUrl ?? eventsSinkUrl(config);
  if (!sinkUrl) throw new InputError('events setup: give --sink-url (the public HTTPS address of /webhooks/twilio/events), or set PUBLIC_BASE_URL');
  let parsed: URL;
  try {
    parsed = new URL(sinkUrl);
  } catch {
    throw new InputError(`events setup: --sink-url ${sinkUrl} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && !config.TWILIO_API_BASE) throw new InputError(`events setup: --sink-url must be https:// (Twilio delivers to public HTTPS addresses), not ${parsed.protocol}`);
  const redis = connectRedis(config.REDIS_URL, { maxRetriesPerRequest: 3, retryStrategy: (n: number) => (n > 3 ? null : 200 * n) });
  try {
    const parent = createGateway(config, redis);
    const results = [await setupEvents(parent, sinkUrl)];
    // Every customer subaccount the ledger records (whatever ACCOUNT_MODE says now: customers stay where they started).
    const accounts = createAccountGateways(config, redis, parent);
    const ledger = new Ledger(redis, config.QUEUE_PREFIX);
    for await (const page of ledger.subaccounts()) {
      for (const sid of page) {
        try {
          results.push(await setupEvents(await accounts.gatewayFor(sid), sinkUrl));
        } catch (err) {
          // A closed subaccount, say: its customer is failed anyway; the others still get their sinks.
          results.push({ account: sid, ok: false, sink: null, subscription: null, problems: [err instanceof Error ? err.message : String(err)] });
        }
      }
    }
    const ok = results.every((r) => r.ok);
    if (o.json) out(`${JSON.stringify({ ok, sinkUrl, accounts: results })}\n`);
    else {
      // Thousands of subaccounts: a line each for what changed or failed, a count for the rest.
      const quiet = results.length > 20;
      const shown = quiet ? results.filter((r) => !r.ok || r.sink?.created || r.subscription?.created || (r.subscription?.addedTypes.length ?? 0) > 0) : results;
      if (shown.length) out(`${shown.map(formatEventsSetup).join('\n')}\n`);
      if (quiet) out(`${results.length} accounts (the parent and ${results.length - 1} subaccounts): ${results.filter((r) => r.ok).length} set up, ${results.length - shown.length} unchanged\n`);
      out(ok ? `Event Streams are set up. Set EVENT_STREAMS=true so waits back off further (see the README).\n` : 'Event Streams are not set up: see above.\n');
    }
    return ok ? 0 : 1;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
