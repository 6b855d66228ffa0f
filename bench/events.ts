import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startSandbox, type Sandbox } from '@a2p-onboard/twilio-sandbox';
import { setupEvents } from '../src/events/setup.js';
import { loadConfig, type Config } from '../src/config.js';
import { A2P_EVENT_TYPES } from '../src/events/a2p-events.js';
import { ingestFile } from '../src/producers/ingest.js';
import { startDashboard } from '../src/server/dashboard.js';
import { EVENTS_WEBHOOK_PATH } from '../src/server/events-webhook.js';
import { STATUS_WEBHOOK_PATH } from '../src/server/webhook.js';
import { createTwilioClient } from '../src/twilio/client.js';
import { startWorkers } from '../src/workers/index.js';
import { createRuntime, webhookOptions } from '../src/workers/runtime.js';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_HEADER, benchRow, benchTemplateFile } from './lib/customers.js';
import { deletePrefix, silent } from './lib/pipeline.js';

/**
 * (e) How soon the pipeline notices Twilio's decisions, and what waiting costs, in three modes:
 *   sweeps     - no public URL: sweeps and brand polls only (the defaults: re-checks from 5 min doubling to 6 h)
 *   callbacks  - PUBLIC_BASE_URL set: bundle status callbacks too (an OTP reply turns the bundles approved)
 *   events     - EVENT_STREAMS=true with `events setup`: Twilio pushes brand and campaign events
 * Waiting for hours cannot be run for real, so the sweeps and callbacks modes (and the events mode's call count)
 * run every duration - the pipeline's settings and the sandbox's decisions alike - divided by `scale`, and
 * report durations multiplied back. The events mode's latency does not depend on those durations: it is measured
 * in real time, with the pipeline's default waits and the sandbox deciding after a couple of seconds.
 * Decision times come from the sandbox's own events (a recorder sink in every mode); the pipeline's reactions from
 * the sandbox's request log (the campaign's creation) and the ledger (the move to `live`).
 */

export const EVENTS_BENCH_DEFAULTS = { n: 20, scale: 5000, otpReplyHours: 2, campaignDays: 3 } as const;
export type EventsBenchSettings = { n: number; scale: number; otpReplyHours: number; campaignDays: number };

type Mode = 'sweeps' | 'callbacks' | 'events';

/** One run of one mode: what was measured, in real milliseconds of that run. */
interface ModeRun {
  mode: Mode;
  scale: number;
  n: number;
  live: number;
  /** The brand's verification (the customer's YES) to its campaign's creation at Twilio. */
  verifiedToCampaignMs: number[];
  /** The campaign's approval to the customer being `live`. */
  approvedToLiveMs: number[];
  /** Reads of the customer's resources from its brand's approval to live, per hour Twilio made it wait (the OTP reply and the vetting, scaled back). */
  callsPerWaitingHour: number;
}

/** What one mode costs and how soon it notices, at the default settings; durations in seconds. */
export interface ModeResult {
  mode: Mode;
  /** From the customer's YES to its campaign being submitted. */
  verifiedToCampaignS: Stats & { measured: 'real time' | 'scaled' };
  /** From the campaign's approval to the customer being live. */
  approvedToLiveS: Stats & { measured: 'real time' | 'scaled' };
  /** Twilio calls per waiting customer per hour of Twilio's decisions (scaled runs). */
  callsPerWaitingHour: number;
  live: number;
  n: number;
}

export interface Stats {
  p50: number;
  max: number;
}

export interface EventsBenchResult {
  settings: EventsBenchSettings;
  modes: ModeResult[];
  /** The pipeline's own time from a push (callback or event) to the campaign's creation / to live, real time (p50, ms). */
  processingMs: { verifiedToCampaign: number; approvedToLive: number };
}

const HOUR = 3600_000;

function stats(xs: number[]): Stats {
  if (xs.length === 0) return { p50: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor((s.length - 1) / 2)]!, max: s[s.length - 1]! };
}

/** A sink that only records when the sandbox decided what (every mode has one; the pipeline's own is separate). */
async function startRecorder() {
  const seen: { type: string; time: number; brandsid?: string; campaignsid?: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      try {
        const parsed = JSON.parse(body) as unknown;
        for (const e of (Array.isArray(parsed) ? parsed : [parsed]) as { type: string; time: string; data: { brandsid?: string; campaignsid?: string } }[]) {
          seen.push({ type: e.type, time: Date.parse(e.time), brandsid: e.data.brandsid, campaignsid: e.data.campaignsid });
        }
      } catch {
        // not ours to judge
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/record`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** The production defaults of every duration that decides when a waiting customer is looked at, divided by `scale`. */
function scaledEnv(scale: number): Partial<Record<keyof Config, string>> {
  const d = (ms: number) => String(Math.max(1, Math.round(ms / scale)));
  return {
    VALIDATION_WAIT_MS: d(30_000),
    STATUS_POLL_MAX_MS: d(15 * 60_000),
    SWEEP_INTERVAL_MS: d(5 * 60_000),
    SWEEP_MAX_INTERVAL_MS: d(6 * HOUR),
    EVENTS_SWEEP_MAX_INTERVAL_MS: d(24 * HOUR),
    EVENTS_STATUS_POLL_MAX_MS: d(HOUR),
    OTP_RESEND_MS: d(24 * HOUR),
    OTP_EXPIRY_MS: d(30 * 24 * HOUR),
  };
}

/** When the sandbox decides: bundle reviews, the brand's approval, the customer's YES, the campaign's vetting. */
interface Decisions {
  reviewMs: number;
  brandMs: number;
  otpReplyMs: number;
  campaignMs: number;
}

async function runMode(redisUrl: string, mode: Mode, s: EventsBenchSettings, scale: number, decide: Decisions, progress: (m: string) => void, untilCampaign = false): Promise<ModeRun> {
  const sandbox: Sandbox = await startSandbox({
    port: 0,
    maxRps: 0,
    reviewDelayMs: decide.reviewMs,
    brandDelayMs: decide.brandMs,
    otpReplyDelayMs: decide.otpReplyMs,
    campaignDelayMs: decide.campaignMs,
    eventBatchWindowMs: 50,
    eventDelayMs: 100,
  });
  const recorder = await startRecorder();
  const prefix = `{bench-ev-${randomUUID().slice(0, 8)}}`;
  const env: Partial<Record<keyof Config, string>> = {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    TWILIO_ACCOUNT_SID: sandbox.options.accountSid,
    TWILIO_AUTH_TOKEN: sandbox.options.authToken,
    TWILIO_API_BASE: sandbox.url,
    LOG_LEVEL: 'silent',
    BUY_SENDER_NUMBERS: 'true',
    TWILIO_MAX_RPS: '200',
    REGISTRATION_RPS: '20',
    ...(scale === 1 ? { VALIDATION_WAIT_MS: '150' } : scaledEnv(scale)),
    ...(mode === 'events' ? { EVENT_STREAMS: 'true' } : {}),
  };
  const config = loadConfig({}, env);
  const client = createTwilioClient({ accountSid: sandbox.options.accountSid, authToken: sandbox.options.authToken, apiBase: sandbox.url });
  const sink = await client.events.v1.sinks.create({ description: 'bench recorder', sinkType: 'webhook', sinkConfiguration: { destination: recorder.url, method: 'POST', batch_events: true } });
  await client.events.v1.subscriptions.create({ description: 'bench recorder', sinkSid: sink.sid, types: A2P_EVENT_TYPES.map((type) => ({ type })) });

  const rt = await createRuntime(config, silent);
  const dash = mode === 'sweeps' ? null : await startDashboard({ host: '127.0.0.1', port: 0, user: 'admin', password: 'pw', queues: rt.queues, ledger: rt.ledger, webhook: webhookOptions(config, rt.ledger, silent) });
  if (dash && mode === 'callbacks') rt.settings.statusCallbackUrl = `${dash.url}${STATUS_WEBHOOK_PATH}`;
  if (dash && mode === 'events') {
    const r = await setupEvents(rt.gateway, `${dash.url}${EVENTS_WEBHOOK_PATH}`);
    if (!r.ok) throw new Error(`events setup: ${r.problems.join('; ')}`);
  }
  const pool = startWorkers(rt);
  try {
    // Customers arrive spread over one backed-off sweep interval (6 h, scaled), one batch each: sweeps look at
    // each customer on its own schedule, so the phases of those schedules against Twilio's decisions spread out
    // as they do in production, instead of every customer sharing one lucky or unlucky phase.
    const spacingMs = scale === 1 ? 0 : (6 * HOUR) / scale / s.n;
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < s.n; i++) {
      const batch = `ev-${mode}-${i}`;
      const file = join(tmpdir(), `a2p-bench-ev-${process.pid}-${i}.csv`);
      writeFileSync(file, `${BENCH_HEADER}\n${benchRow(i, 'e')}\n`);
      const report = await ingestFile(rt, file, { templatePath: benchTemplateFile(), batchId: batch });
      ids.push(...(await rt.ledger.batchCustomerIds(batch, 0, report.accepted)));
      if (spacingMs) await sleep(spacingMs);
    }
    // Long enough for the slowest mode: the OTP reply, the vetting, and a sweep at the backed-off interval after each.
    const deadline = Date.now() + ((decide.otpReplyMs + decide.campaignMs) * 2 + (30 * HOUR) / scale + 60_000);
    for (;;) {
      const recs = await rt.ledger.getMany(ids);
      // `untilCampaign`: a real-time run of a mode whose campaign approval only a sweep would notice (minutes away).
      const settled = recs.filter((r) => r && (['live', 'failed', 'expired'].includes(r.state) || (untilCampaign && r.state === 'completed'))).length;
      progress(`(e) ${mode}${scale === 1 ? ' (real time)' : ` (1:${scale})`}: ${settled}/${ids.length} settled after ${Math.round((Date.now() - t0) / 1000)} s`);
      if (settled === ids.length) break;
      if (Date.now() > deadline) throw new Error(`${mode}: ${ids.length - settled} customers not settled in time`);
      await sleep(200);
    }
    const log = sandbox.requestLog();
    const verifiedToCampaign: number[] = [];
    const approvedToLive: number[] = [];
    let waitingMs = 0;
    let waitingCalls = 0;
    let live = 0;
    for (const id of ids) {
      const rec = (await rt.ledger.get(id))!;
      if (rec.state !== 'live' && !(untilCampaign && rec.state === 'completed')) continue;
      if (rec.state === 'live') live += 1;
      const history = await rt.ledger.history(id);
      const at = (pred: (e: (typeof history)[number]) => boolean) => {
        const e = history.find(pred);
        return e ? Date.parse(e.at) : NaN;
      };
      const brand = rec.sids.brand!;
      const campaign = rec.sids.campaign!;
      const service = rec.sids.messagingService!;
      const verified = recorder.seen.find((e) => e.type.endsWith('brand-verified') && e.brandsid === brand)?.time ?? NaN;
      const approved = recorder.seen.find((e) => e.type.endsWith('campaign-approved') && e.campaignsid === campaign)?.time ?? NaN;
      const created = log.find((e) => e.operation === 'campaign.create' && e.path.includes(service) && e.status < 300)?.at ?? NaN;
      const liveAt = at((e) => e.state === 'live');
      verifiedToCampaign.push(created - verified);
      if (rec.state === 'live') approvedToLive.push(liveAt - approved);
      // Every read of the customer's resources from its brand's approval to live, over the time Twilio took to decide
      // (the customer's YES after the approval, the vetting after the campaign's creation): the same denominator in every mode.
      const waitFrom = at((e) => e.state === 'awaiting_otp');
      const sids = Object.values(rec.sids).filter((x): x is string => typeof x === 'string');
      waitingCalls += log.filter((e) => e.at >= waitFrom && e.at <= liveAt && e.method === 'GET' && sids.some((x) => e.path.includes(x))).length;
      waitingMs += (verified - waitFrom + (approved - created)) * scale;
    }
    return {
      mode,
      scale,
      live,
      n: ids.length,
      verifiedToCampaignMs: verifiedToCampaign.filter(Number.isFinite),
      approvedToLiveMs: approvedToLive.filter(Number.isFinite),
      callsPerWaitingHour: waitingMs > 0 ? waitingCalls / (waitingMs / HOUR) : NaN,
    };
  } finally {
    await pool.close(5_000);
    await dash?.close();
    await rt.close();
    await recorder.close();
    await sandbox.close();
    await deletePrefix(redisUrl, prefix);
  }
}

/**
 * A scaled run stretches everything by `scale`, the pipeline's own processing (a few hundred ms) too: take that
 * processing, as measured in real time, out before multiplying back, and put it back once.
 */
function unscale(ms: number[], scale: number, processingMs: number): Stats {
  return stats(ms.map((x) => (Math.max(0, x - processingMs) * scale + processingMs) / 1000));
}

const realStats = (ms: number[]) => stats(ms.map((x) => x / 1000));

export async function runEventsBench(redisUrl: string, s: EventsBenchSettings, progress: (m: string) => void): Promise<EventsBenchResult> {
  // Bundle reviews in a minute and the brand in five (Sole Proprietor brands are quick), then the customer and the vetting.
  const scaledDecisions: Decisions = {
    reviewMs: Math.max(1, Math.round(60_000 / s.scale)),
    brandMs: Math.max(1, Math.round((5 * 60_000) / s.scale)),
    otpReplyMs: Math.round((s.otpReplyHours * HOUR) / s.scale),
    campaignMs: Math.round((s.campaignDays * 24 * HOUR) / s.scale),
  };
  const quick: Decisions = { reviewMs: 200, brandMs: 500, otpReplyMs: 2_000, campaignMs: 2_000 };
  // Pushes in real time, at the default settings: events (both decisions), callbacks (the YES turns the bundles approved).
  const realEvents = await runMode(redisUrl, 'events', s, 1, quick, progress);
  const realCallbacks = await runMode(redisUrl, 'callbacks', s, 1, quick, progress, true);
  const processingMs = { verifiedToCampaign: stats(realEvents.verifiedToCampaignMs).p50, approvedToLive: stats(realEvents.approvedToLiveMs).p50 };
  const modes: ModeResult[] = [];
  for (const mode of ['sweeps', 'callbacks', 'events'] as const) {
    const run = await runMode(redisUrl, mode, s, s.scale, scaledDecisions, progress);
    const pushedYes = mode === 'events' ? realEvents : mode === 'callbacks' ? realCallbacks : null;
    modes.push({
      mode,
      verifiedToCampaignS: pushedYes ? { ...realStats(pushedYes.verifiedToCampaignMs), measured: 'real time' } : { ...unscale(run.verifiedToCampaignMs, s.scale, processingMs.verifiedToCampaign), measured: 'scaled' },
      approvedToLiveS: mode === 'events' ? { ...realStats(realEvents.approvedToLiveMs), measured: 'real time' } : { ...unscale(run.approvedToLiveMs, s.scale, processingMs.approvedToLive), measured: 'scaled' },
      callsPerWaitingHour: run.callsPerWaitingHour,
      live: run.live,
      n: run.n,
    });
  }
  return { settings: s, modes, processingMs };
}
