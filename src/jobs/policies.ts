import type { Logger } from '../log.js';
import { RejectedError } from '../twilio/errors.js';
import type { TwilioGateway } from '../twilio/gateway.js';
import { PIPELINE_FILLS, POLICY_ROLES, missingRequirements, splitRequirements, type AssembledBundle, type Policy, type PolicyRole, type UnknownRequirement } from '../twilio/policy.js';
import { fingerprint } from './ensure.js';
import type { StageContext } from './outcome.js';
import type { StageSettings } from './settings.js';

/**
 * Policies the stages use, fetched from Twilio and kept for `maxAgeMs` ("policies can and do
 * change"). One cache per gateway (per account); a failed refresh keeps the copy it has, so a
 * Twilio hiccup does not stop the pipeline, and only a first fetch that fails is an error.
 */
export class PolicyCache {
  private readonly entries = new Map<string, { policy: Policy; at: number }>();
  private readonly inflight = new Map<string, Promise<Policy>>();
  /** Policy versions (SID + requirements digest) whose unknown requirements were already logged. */
  private readonly warned = new Set<string>();

  /** The clock a copy's age is measured by (tests pass one they advance). */
  private readonly now: () => number;

  constructor(
    private readonly gateway: TwilioGateway,
    public maxAgeMs: number,
    opts: { now?: () => number } = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** The copy held now, if any, without fetching (what a refresh has brought in so far). */
  cached(policySid: string): Policy | undefined {
    return this.entries.get(policySid)?.policy;
  }

  /** The policy, from the cache while its copy is younger than maxAgeMs (`force`: fetch it now). */
  async get(policySid: string, log?: Logger, force = false): Promise<Policy> {
    const hit = this.entries.get(policySid);
    if (hit && !force && this.now() - hit.at < this.maxAgeMs) return hit.policy;
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
      this.entries.set(policySid, { policy, at: this.now() });
      return policy;
    } catch (err) {
      if (hit) {
        log?.warn({ policySid, err: err instanceof Error ? err.message : String(err) }, 'could not refresh a policy; using the copy fetched before');
        return hit.policy;
      }
      throw err;
    }
  }

  /**
   * Log once per policy version (and role) the requirements the pipeline does not know: they are left to
   * Twilio's Evaluation, but an operator should know Twilio asks for something new.
   */
  warnUnknown(policy: Policy, role: PolicyRole, unknown: readonly UnknownRequirement[], log?: Logger): void {
    if (unknown.length === 0 || !log) return;
    const key = `${policy.sid}:${role}:${fingerprint(policy.requirements)}`;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    log.warn(
      { policySid: policy.sid, policy: policy.friendlyName, unknownRequirements: unknown.map((u) => u.requirement) },
      `Twilio's policy ${policy.sid} (${policy.friendlyName}) lists requirements a2p-onboard does not fill: ${unknown.map((u) => u.detail).join('; ')}. They are left to Twilio's evaluation; if it rejects bundles for them, the pipeline needs an update`,
    );
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
  return [s.starterPolicySid, s.soleProprietorPolicySid, s.businessPolicySid, s.shakenStirPolicySid, s.a2pMessagingPolicySid];
}

/** Each configured policy with the stage role that fills it (the settings SID per role). */
export function policyRoles(s: Pick<StageSettings, 'starterPolicySid' | 'soleProprietorPolicySid' | 'businessPolicySid' | 'shakenStirPolicySid' | 'a2pMessagingPolicySid'>): { role: PolicyRole; policySid: string }[] {
  return [
    { role: 'starter', policySid: s.starterPolicySid },
    { role: 'soleProprietor', policySid: s.soleProprietorPolicySid },
    { role: 'business', policySid: s.businessPolicySid },
    { role: 'shakenStir', policySid: s.shakenStirPolicySid },
    { role: 'a2pMessaging', policySid: s.a2pMessagingPolicySid },
  ];
}

/**
 * At worker start, after the policies are fetched: log what each configured policy asks that the pipeline
 * does not fill, so an operator learns it before the first bundle is evaluated (once per policy version).
 */
export async function warnUnknownRequirements(cache: PolicyCache, settings: StageSettings, log: Logger): Promise<void> {
  for (const { role, policySid } of policyRoles(settings)) {
    const policy = await cache.get(policySid, log);
    cache.warnUnknown(policy, role, splitRequirements(policy.requirements, PIPELINE_FILLS[role]).unknown, log);
  }
}

/**
 * Which stage's fills judge a bundle evaluated against `policySid`: the role configured with that SID; two
 * roles sharing one SID (a misconfiguration), or none, are told apart by what the stage put in.
 */
function roleOf(settings: StageSettings, policySid: string, assembled: AssembledBundle): PolicyRole {
  const fits = (role: PolicyRole) => {
    const f = PIPELINE_FILLS[role];
    return assembled.endUsers.every((e) => e.type in f.endUsers) && assembled.customerProfiles.every((t) => f.customerProfiles.includes(t));
  };
  const candidates = policyRoles(settings).filter((r) => r.policySid === policySid).map((r) => r.role);
  return candidates.find(fits) ?? candidates[0] ?? POLICY_ROLES.find(fits) ?? 'starter';
}

/**
 * Before an evaluation (a Twilio call), check locally that the bundle holds what the pipeline knows it
 * must fill for the policy (PIPELINE_FILLS): a known requirement missing is our own missing data, reported
 * by requirement name and CSV column, and no evaluation is spent on a bundle that cannot pass. The local
 * check is never stricter than Twilio: a requirement the pipeline does not know is logged (once per policy
 * version) and left to Twilio's Evaluation, which is the authority.
 */
export async function checkPolicy(ctx: StageContext, what: string, bundleSid: string, policySid: string, assembled: AssembledBundle): Promise<void> {
  // Policies are Twilio's, the same for every account: the parent's cache (primed at start) serves subaccounts too.
  const cache = policyCache(ctx.parent ?? ctx.gateway, ctx.settings.policyRefreshMs);
  const policy = await cache.get(policySid, ctx.log);
  const role = roleOf(ctx.settings, policySid, assembled);
  const { known, unknown } = splitRequirements(policy.requirements, PIPELINE_FILLS[role]);
  cache.warnUnknown(policy, role, unknown, ctx.log);
  const missing = missingRequirements(known, assembled, PIPELINE_FILLS[role]);
  if (missing.length === 0) return;
  const columns = [...new Set(missing.map((m) => m.columns).filter((c): c is string => !!c))];
  throw new RejectedError(
    `${what} ${bundleSid} does not meet Twilio's policy ${policy.sid} (${policy.friendlyName}); not submitted for evaluation. Missing: ${missing.map((m) => m.detail).join('; ')}${columns.length ? ` (CSV column${columns.length > 1 ? 's' : ''}: ${columns.join('; ')})` : ''}`,
    { bundleSid, policySid: policy.sid, missing: missing.map((m) => m.requirement), ...(columns.length ? { columns } : {}) },
    { kind: 'policy-unmet' },
  );
}
