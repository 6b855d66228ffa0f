import type { Logger } from '../log.js';
import { RejectedError } from '../twilio/errors.js';
import type { TwilioGateway } from '../twilio/gateway.js';
import { missingRequirements, type AssembledBundle, type Policy } from '../twilio/policy.js';
import { BUSINESS_ACTIONS } from '../reports/actions.js';
import type { StageContext, StageSettings } from './context.js';

/**
 * Policies the stages use, fetched from Twilio and kept for `maxAgeMs` ("policies can and do
 * change"). One cache per gateway (per account); a failed refresh keeps the copy it has, so a
 * Twilio hiccup does not stop the pipeline, and only a first fetch that fails is an error.
 */
export class PolicyCache {
  private readonly entries = new Map<string, { policy: Policy; at: number }>();
  private readonly inflight = new Map<string, Promise<Policy>>();

  constructor(
    private readonly gateway: TwilioGateway,
    public maxAgeMs: number,
  ) {}

  /** The policy, from the cache while its copy is younger than maxAgeMs (`force`: fetch it now). */
  async get(policySid: string, log?: Logger, force = false): Promise<Policy> {
    const hit = this.entries.get(policySid);
    if (hit && !force && Date.now() - hit.at < this.maxAgeMs) return hit.policy;
    let p = this.inflight.get(policySid);
    if (!p) {
      p = this.gateway.fetchPolicy(policySid).finally(() => this.inflight.delete(policySid));
      this.inflight.set(policySid, p);
    }
    try {
      const policy = await p;
      const before = hit?.policy;
      if (before && JSON.stringify(before.requirements) !== JSON.stringify(policy.requirements)) {
        log?.warn({ policySid }, 'a Twilio policy changed: bundles are now checked against its new requirements');
      }
      this.entries.set(policySid, { policy, at: Date.now() });
      return policy;
    } catch (err) {
      if (hit) {
        log?.warn({ policySid, err: err instanceof Error ? err.message : String(err) }, 'could not refresh a policy; using the copy fetched before');
        return hit.policy;
      }
      throw err;
    }
  }

  /** Fetch every policy now (worker start): a wrong policy SID setting shows at once. */
  async prime(policySids: readonly string[], log?: Logger): Promise<void> {
    for (const sid of new Set(policySids)) await this.get(sid, log);
  }

  /**
   * Refresh the policies every `maxAgeMs` in the background, so a change is noticed (and logged) even
   * while no bundle is evaluated. Returns the stop function. 0 = no timer (every check fetches anyway).
   */
  refreshEvery(policySids: readonly string[], log?: Logger): () => void {
    if (this.maxAgeMs <= 0) return () => undefined;
    const timer = setInterval(() => {
      for (const sid of new Set(policySids)) {
        this.get(sid, log, true).catch((err: unknown) => log?.warn({ policySid: sid, err: err instanceof Error ? err.message : String(err) }, 'scheduled policy refresh failed'));
      }
    }, this.maxAgeMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

const caches = new WeakMap<TwilioGateway, PolicyCache>();

export function policyCache(gateway: TwilioGateway, maxAgeMs: number): PolicyCache {
  let c = caches.get(gateway);
  if (!c) {
    c = new PolicyCache(gateway, maxAgeMs);
    caches.set(gateway, c);
  }
  c.maxAgeMs = maxAgeMs;
  return c;
}

export function usedPolicies(s: StageSettings): string[] {
  return [s.starterPolicySid, s.soleProprietorPolicySid, s.businessPolicySid, s.shakenStirPolicySid];
}

/**
 * Before an evaluation (a Twilio call), check locally that the bundle holds everything its policy
 * requires: a missing end user, document, supporting profile or field is reported by requirement
 * name, and no evaluation is spent on a bundle that cannot pass.
 */
export async function checkPolicy(ctx: StageContext, what: string, bundleSid: string, policySid: string, assembled: AssembledBundle): Promise<void> {
  const policy = await policyCache(ctx.gateway, ctx.settings.policyRefreshMs).get(policySid, ctx.log);
  const missing = missingRequirements(policy.requirements, assembled);
  if (missing.length === 0) return;
  throw new RejectedError(
    `${what} ${bundleSid} does not meet Twilio's policy ${policy.sid} (${policy.friendlyName}); not submitted for evaluation. Missing: ${missing.map((m) => m.detail).join('; ')}`,
    { bundleSid, policySid: policy.sid, missing: missing.map((m) => m.requirement) },
    BUSINESS_ACTIONS.policy,
  );
}
