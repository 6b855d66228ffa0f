import { RejectedError } from '../twilio/errors.js';
import type { Bundle, BundleStatus, Evaluation, TwilioGateway } from '../twilio/gateway.js';
import type { SidName } from '../ledger/ledger.js';
import { ensure, type StageContext, type StageName } from './context.js';

/** Helpers shared by the two bundle stages (starter profile and trust bundle): assign, evaluate, submit. */

type Kind = Parameters<TwilioGateway['fetchBundle']>[0];

export async function assignOnce(ctx: StageContext, stage: StageName, kind: Kind, bundleSid: string, name: SidName, objectSid: string): Promise<void> {
  await ensure(
    ctx,
    stage,
    name,
    () => ctx.gateway.assign(kind, bundleSid, objectSid),
    () => ctx.gateway.findAssignment(kind, bundleSid, objectSid),
  );
}

/** An evaluation must be compliant before submitting; otherwise say what Twilio found missing. */
export async function evaluateOrReject(ctx: StageContext, kind: Kind, bundleSid: string, policySid: string): Promise<Evaluation> {
  const evaluation = await ctx.gateway.evaluate(kind, bundleSid, policySid);
  if (evaluation.status !== 'compliant') {
    throw new RejectedError(`${label(kind)} ${bundleSid} evaluation is noncompliant: ${describeEvaluation(evaluation)}`, {
      evaluationSid: evaluation.sid,
      results: evaluation.results,
    });
  }
  return evaluation;
}

/** Submit for review unless a previous try already did. */
export async function submitOnce(ctx: StageContext, kind: Kind, bundleSid: string): Promise<BundleStatus> {
  const current = await ctx.gateway.fetchBundle(kind, bundleSid);
  rejectIfRejected(kind, current);
  if (current.status !== 'draft') return current.status;
  return ctx.gateway.submit(kind, bundleSid);
}

export function rejectIfRejected(kind: Kind, bundle: Bundle): void {
  if (bundle.status === 'twilio-rejected') {
    throw new RejectedError(`${label(kind)} ${bundle.sid} was rejected by Twilio: ${describeErrors(bundle.errors) || 'no reason given'}`, {
      bundleSid: bundle.sid,
      errors: bundle.errors,
    });
  }
}

function label(kind: Kind): string {
  return kind === 'customerProfile' ? 'Starter customer profile' : 'Sole Proprietor trust bundle';
}

export function describeEvaluation(e: Evaluation): string {
  const parts: string[] = [];
  for (const r of e.results) {
    if (r['passed'] === true) continue;
    const name = str(r['requirement_friendly_name']) ?? str(r['requirement_name']) ?? str(r['friendly_name']) ?? 'requirement';
    const why = str(r['failure_reason']) ?? 'not satisfied';
    const code = r['error_code'] ? ` (error ${String(r['error_code'])})` : '';
    const invalid = Array.isArray(r['invalid'])
      ? (r['invalid'] as unknown[])
          .map((i) => (i && typeof i === 'object' ? str((i as Record<string, unknown>)['object_field']) : null))
          .filter((x): x is string => !!x)
      : [];
    parts.push(`${name}: ${why}${code}${invalid.length ? ` [fields: ${invalid.join(', ')}]` : ''}`);
  }
  return parts.length ? parts.join('; ') : 'Twilio gave no details';
}

export function describeErrors(errors: unknown[]): string {
  return errors
    .map((e) => {
      if (typeof e === 'string') return e;
      if (e && typeof e === 'object') {
        const o = e as Record<string, unknown>;
        const msg = str(o['message']) ?? str(o['failure_reason']) ?? str(o['description']) ?? str(o['detail']) ?? JSON.stringify(o);
        const code = o['code'] ?? o['error_code'];
        return code ? `${msg} (error ${String(code)})` : msg;
      }
      return String(e);
    })
    .join('; ');
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v.length > 0 ? v : null;
}
