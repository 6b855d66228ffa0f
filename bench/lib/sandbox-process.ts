import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { RequestLogEntry, SandboxOptions } from '@a2p-onboard/twilio-sandbox';

/**
 * The Twilio sandbox in its own process, as Twilio is on its own machines: its CPU is not
 * charged to the pipeline being measured, and its clock stamps when calls arrive.
 */

export interface SandboxProcess {
  url: string;
  accountSid: string;
  authToken: string;
  requestLog(): Promise<RequestLogEntry[]>;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const ENV: Record<keyof Omit<SandboxOptions, 'port' | 'host' | 'accountSid' | 'authToken' | 'faultKinds' | 'retryAfterSeconds' | 'recordBodies' | 'openapiDir' | 'phoneNumbers'>, string> = {
  reviewDelayMs: 'SANDBOX_REVIEW_DELAY_MS',
  brandDelayMs: 'SANDBOX_BRAND_DELAY_MS',
  brandReviewDelayMs: 'SANDBOX_BRAND_REVIEW_DELAY_MS',
  authPlusConfirmDelayMs: 'SANDBOX_AUTH_PLUS_CONFIRM_DELAY_MS',
  authPlusExpiryMs: 'SANDBOX_AUTH_PLUS_EXPIRY_MS',
  otpReplyDelayMs: 'SANDBOX_OTP_REPLY_DELAY_MS',
  campaignDelayMs: 'SANDBOX_CAMPAIGN_DELAY_MS',
  maxRps: 'SANDBOX_MAX_RPS',
  otpRps: 'SANDBOX_OTP_RPS',
  maxSubaccounts: 'SANDBOX_MAX_SUBACCOUNTS',
  latencyMs: 'SANDBOX_LATENCY_MS',
  faultRate: 'SANDBOX_FAULT_RATE',
  starterPolicyShape: 'SANDBOX_STARTER_POLICY_SHAPE',
};

export async function startSandboxProcess(opts: Partial<SandboxOptions> = {}): Promise<SandboxProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, SANDBOX_PORT: '0', SANDBOX_HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
  for (const [k, name] of Object.entries(ENV)) {
    const v = opts[k as keyof typeof ENV];
    if (v !== undefined) env[name] = String(v);
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sandbox'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && /ISV primary profile/.test(out)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`sandbox exited (${code}) before listening: ${out}`)));
  });
  const accountSid = /TWILIO_ACCOUNT_SID=(\S+)/.exec(out)?.[1] ?? '';
  const authToken = /TWILIO_AUTH_TOKEN=(\S+)/.exec(out)?.[1] ?? '';
  return {
    url,
    accountSid,
    authToken,
    async requestLog() {
      const res = await fetch(`${url}/_sandbox/requests`);
      return (await res.json()) as RequestLogEntry[];
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}
