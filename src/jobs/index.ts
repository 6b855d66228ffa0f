import { brandStatus } from './brand-status.js';
import { brand } from './brand.js';
import { campaign } from './campaign.js';
import type { StageFn, StageName } from './context.js';
import { otp } from './otp.js';
import { starterProfile } from './starter-profile.js';
import { trustBundle } from './trust-bundle.js';
import { businessProfile } from './business-profile.js';
import { shakenStir } from './shaken-stir.js';
import { senderNumber } from './sender-number.js';

export * from './context.js';
export { recheck } from './recheck.js';
export { PolicyCache, policyCache, usedPolicies } from './policies.js';

export const STAGE_FUNCTIONS: Record<StageName, StageFn> = {
  'starter-profile': starterProfile,
  'trust-bundle': trustBundle,
  brand,
  'brand-status': brandStatus,
  otp,
  campaign,
  'sender-number': senderNumber,
  'business-profile': businessProfile,
  'shaken-stir': shakenStir,
};
