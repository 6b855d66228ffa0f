/**
 * The Event Streams event types the sandbox emits (A2P brand and campaign registration), with the data schema
 * each delivery names. Sources: Twilio's Event types pages for brand-registration and campaign-registration
 * (events/event-types/a2p/...) and the schemas at events-schemas.twilio.com. Where no page names a type's
 * schema, the name follows the documented pattern and is marked UNVERIFIED.
 */

export const BRAND_EVENT_PREFIX = 'com.twilio.messaging.compliance.brand-registration.';
export const CAMPAIGN_EVENT_PREFIX = 'com.twilio.messaging.compliance.campaign-registration.';

export interface EventTypeInfo {
  type: string;
  /** `A2P.BrandRegistered`; the delivery's dataschema is `https://events-schemas.twilio.com/{schemaId}/{version}`. */
  schemaId: string;
  version: number;
  description: string;
  documentationUrl: string;
}

const BRAND_DOC = 'https://www.twilio.com/docs/events/event-types/a2p/brand-registration';
const CAMPAIGN_DOC = 'https://www.twilio.com/docs/events/event-types/a2p/campaign-registration';

function brand(suffix: string, schemaId: string, version: number, description: string): EventTypeInfo {
  return { type: BRAND_EVENT_PREFIX + suffix, schemaId, version, description, documentationUrl: BRAND_DOC };
}
function campaign(suffix: string, schemaId: string, version: number, description: string): EventTypeInfo {
  return { type: CAMPAIGN_EVENT_PREFIX + suffix, schemaId, version, description, documentationUrl: CAMPAIGN_DOC };
}

export const EVENT_TYPES: readonly EventTypeInfo[] = [
  // Documented examples: A2P.BrandRegistered/2, A2P.BrandRegistrationFailure/3, A2P.BrandRegisteredUnverified/3,
  // A2P.BrandRegistrationSecondaryVettingFailure/2, A2P.CampaignRegistrationApproved/2.
  brand('brand-registered', 'A2P.BrandRegistered', 2, 'Brand Registration Registered'),
  brand('brand-failure', 'A2P.BrandRegistrationFailure', 3, 'Brand Registration Failed'),
  brand('brand-unverified', 'A2P.BrandRegisteredUnverified', 3, 'Brand Registration Unverified'),
  // UNVERIFIED: schema names and versions of the next two follow the pattern of the documented ones.
  brand('brand-verified', 'A2P.BrandRegisteredVerified', 2, 'Brand Registration Verified'),
  brand('brand-vetted-verified', 'A2P.BrandRegisteredVettedVerified', 2, 'Brand Registration Vetted Verified'),
  brand('brand-secondary-vetting-failure', 'A2P.BrandRegistrationSecondaryVettingFailure', 2, 'Brand Registration Secondary Vetting Failure'),
  // UNVERIFIED: campaign-submitted and campaign-failure schema names follow CampaignRegistrationApproved.
  campaign('campaign-submitted', 'A2P.CampaignRegistrationSubmitted', 2, 'Campaign Registration Submitted'),
  campaign('campaign-approved', 'A2P.CampaignRegistrationApproved', 2, 'Campaign Registration Approved'),
  campaign('campaign-failure', 'A2P.CampaignRegistrationFailure', 2, 'Campaign Registration Failed'),
];

export const EVENT_TYPE_BY_NAME: ReadonlyMap<string, EventTypeInfo> = new Map(EVENT_TYPES.map((t) => [t.type, t]));

export type BrandEventKind = 'brand-registered' | 'brand-failure' | 'brand-unverified' | 'brand-verified' | 'brand-vetted-verified' | 'brand-secondary-vetting-failure';
export type CampaignEventKind = 'campaign-submitted' | 'campaign-approved' | 'campaign-failure';

/**
 * The sandbox cannot know Twilio's whole catalogue (number registration, messaging, voice…): a subscription may
 * name any `com.twilio.` type; only the types above are ever emitted by the sandbox's own transitions.
 */
export const SUBSCRIBABLE_TYPE = /^com\.twilio\.[a-z0-9-]+(\.[a-z0-9-]+)+$/;

export function dataschemaOf(type: string): string | undefined {
  const t = EVENT_TYPE_BY_NAME.get(type);
  return t ? `https://events-schemas.twilio.com/${t.schemaId}/${t.version}` : undefined;
}
