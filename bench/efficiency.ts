import { analyseRequestLog, maxInWindow, REGISTRATION_OPERATIONS, OTP_OPERATIONS, type WindowReport } from './lib/request-log.js';
import { benchCsv, benchTemplateFile } from './lib/customers.js';
import { runPipeline } from './lib/pipeline.js';
import { startSandboxProcess } from './lib/sandbox-process.js';

/**
 * (a) Efficiency: N customers through the whole flow against the sandbox with Twilio-like
 * budgets, next to the least time those budgets allow.
 *
 * The lower bound, for budgets b with rate r_b and c_b calls per customer needing b:
 *
 *   T_min = max( 3·W + approval,                       one customer's waits, end to end
 *                c_account·N / r_account,               every call takes an account slot
 *                lead_reg + c_reg·N / r_reg,            registrations start only after the first customer's two waits
 *                lead_otp + c_otp·N / r_otp )
 *
 * lead_reg = 2·W + (calls of the first customer before its brand) / r_account: no registration
 * can happen before one customer has gone through its profile, its trust bundle and their waits.
 * approval = what the sandbox's brand review and OTP reply add beyond the third wait (0 when
 * they fit inside it). Every term is a time no schedule can beat, so T_min is a true lower bound.
 */

export interface EfficiencySettings {
  n: number;
  accountRps: number;
  registrationRps: number;
  otpRps: number;
  waitMs: number;
  brandDelayMs: number;
  otpReplyDelayMs: number;
  reviewDelayMs: number;
  campaignDelayMs: number;
  concurrency: number;
}

export const EFFICIENCY_DEFAULTS: EfficiencySettings = {
  n: 1000,
  accountRps: 50,
  registrationRps: 5,
  otpRps: 10,
  waitMs: 3000,
  brandDelayMs: 1000,
  otpReplyDelayMs: 1000,
  reviewDelayMs: 800,
  campaignDelayMs: 1500,
  concurrency: 8,
};

export interface EfficiencyResult {
  settings: EfficiencySettings;
  completed: number;
  failed: number;
  wallS: number;
  minS: number;
  efficiency: number;
  bound: { oneCustomerS: number; accountS: number; registrationS: number; otpS: number; binding: string };
  callsPerCustomer: { account: number; registration: number; otp: number };
  waitsPerCustomer: number;
  utilisation: { account: number; registration: number };
  /** Busiest seconds as the sandbox received the calls (what Twilio would count)... */
  windows: Omit<WindowReport, 'creates'>;
  /** ...and as this process sent them: the difference is scheduling and network jitter. */
  sentWindows: { maxAccount: number; maxRegistration: number };
  ingestS: number;
  cpuS: number;
  redisCpuS: number;
  /** Budget slots used, given up as late, waits for a narrower budget or a shorter queue, jobs sent back. */
  budget: { taken: number; late: number; deferred: number; exhausted: number };
}

/** Calls one customer makes before its brand registration: starter profile (10), trust bundle (8), brand's bundle check (1). */
const CALLS_BEFORE_BRAND = 19;

export async function runEfficiency(redisUrl: string, s: EfficiencySettings, progress: (msg: string) => void): Promise<EfficiencyResult> {
  const sandbox = await startSandboxProcess({
    maxRps: s.accountRps,
    otpRps: s.otpRps,
    reviewDelayMs: s.reviewDelayMs,
    brandDelayMs: s.brandDelayMs,
    otpReplyDelayMs: s.otpReplyDelayMs,
    campaignDelayMs: s.campaignDelayMs,
  });
  try {
    const csvFile = await benchCsv(s.n, 'e');
    const run = await runPipeline({
      redisUrl,
      sandbox,
      csvFile,
      templateFile: benchTemplateFile(),
      // Three times the least time the budgets allow, and a minute for the waits.
      timeoutMs: 60_000 + 3_000 * Math.max((s.n * 25) / s.accountRps, (s.n * 2) / s.registrationRps),
      env: {
        TWILIO_MAX_RPS: String(s.accountRps),
        REGISTRATION_RPS: String(s.registrationRps),
        OTP_RPS: String(s.otpRps),
        VALIDATION_WAIT_MS: String(s.waitMs),
        WORKER_CONCURRENCY: String(s.concurrency),
      },
      onProgress: (done, total) => progress(`efficiency: ${done}/${total} customers done`),
    });
    if (process.env['BENCH_DUMP_LOG']) (await import('node:fs')).writeFileSync(process.env['BENCH_DUMP_LOG'], JSON.stringify(run.log));
    const w = analyseRequestLog(run.log);
    const n = run.n;
    const calls = run.log.length;
    const reg = run.log.filter((e) => REGISTRATION_OPERATIONS.has(e.operation ?? '')).length;
    const otp = run.log.filter((e) => OTP_OPERATIONS.has(e.operation ?? '')).length;
    const perCustomer = { account: calls / n, registration: reg / n, otp: otp / n };

    // The bound uses the calls the flow needs (429s and retries are our cost, not Twilio's).
    const needed = run.log.filter((e) => e.status !== 429).length;
    const approvalS = Math.max(0, (s.brandDelayMs + Math.max(0, s.otpReplyDelayMs) - s.waitMs) / 1000);
    const W = s.waitMs / 1000;
    const oneCustomerS = 3 * W + approvalS;
    const accountS = needed / s.accountRps;
    const registrationS = reg > 0 ? 2 * W + CALLS_BEFORE_BRAND / s.accountRps + reg / s.registrationRps : 0;
    const otpS = otp > 0 ? otp / s.otpRps : 0;
    const terms = { 'one customer': oneCustomerS, account: accountS, registration: registrationS, otp: otpS };
    const [binding, minS] = Object.entries(terms).reduce((a, b) => (b[1] > a[1] ? b : a));
    const wallS = run.wallMs / 1000;
    const { creates: _creates, ...windows } = w;
    return {
      settings: s,
      completed: run.completed,
      failed: run.failed,
      wallS,
      minS,
      efficiency: minS / wallS,
      bound: { oneCustomerS, accountS, registrationS, otpS, binding },
      callsPerCustomer: perCustomer,
      waitsPerCustomer: 3,
      utilisation: { account: calls / wallS / s.accountRps, registration: reg / wallS / s.registrationRps },
      windows,
      sentWindows: {
        maxAccount: maxInWindow(run.sent.map((x) => x.at)),
        maxRegistration: maxInWindow(run.sent.filter((x) => /^POST .*(\/Services\/[^/]+\/Compliance\/Usa2p|\/a2p\/BrandRegistrations)$/i.test(x.url)).map((x) => x.at)),
      },
      ingestS: run.ingestMs / 1000,
      cpuS: run.cpuMs / 1000,
      redisCpuS: run.redisCpuMs / 1000,
      budget: run.budget,
    };
  } finally {
    await sandbox.stop();
  }
}
