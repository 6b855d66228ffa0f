import { z } from 'zod';

/**
 * Twilio's A2P 10DLC Event Streams (beyond-the-seeds.md, "Event Streams"; Twilio's page
 * "A2P 10DLC - Event Streams Setup"): what a2p-onboard subscribes to, and the fields of a
 * delivered CloudEvent it reads. Events are hints: each one only makes the pipeline look at its
 * customer now, through the same re-check a sweep would run, which reads Twilio before acting.
 */

const BRAND = 'com.twilio.messaging.compliance.brand-registration.';
const CAMPAIGN = 'com.twilio.messaging.compliance.campaign-registration.';

/** Every brand and campaign registration event a customer's progress depends on. */
export const A2P_EVENT_TYPES: readonly string[] = [
  ...['brand-registered', 'brand-failure', 'brand-verified', 'brand-unverified', 'brand-vetted-verified', 'brand-secondary-vetting-failure'].map((t) => BRAND + t),
  ...['campaign-submitted', 'campaign-approved', 'campaign-failure'].map((t) => CAMPAIGN + t),
];

/** The description a2p-onboard gives its Sink and Subscription, to find them again (`events setup` is idempotent). */
export const EVENTS_DESCRIPTION = 'a2p-onboard A2P 10DLC registration events';

const sidOf = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[0-9a-fA-F]{32}$`));

/**
 * One CloudEvent 1.0 as Twilio delivers it. Only what routing needs is required; the rest of
 * `data` (statuses, errors) is not trusted: the re-check reads the brand or campaign from Twilio.
 */
export const cloudEventSchema = z
  .object({
    specversion: z.string().max(10).optional(),
    id: z.string().min(1).max(200),
    type: z.string().min(1).max(300),
    time: z.string().max(64).optional(),
    data: z
      .object({
        accountsid: sidOf('AC').optional(),
        brandsid: sidOf('BN').optional(),
        campaignsid: sidOf('QE').optional(),
        messagingservicesid: sidOf('MG').optional(),
      })
      .passthrough()
      .default({}),
  })
  .passthrough();
export type CloudEvent = z.infer<typeof cloudEventSchema>;

/** A webhook Sink delivers one event (batch_events=false) or a JSON array of them (true, up to 64 kB). */
export const eventDeliverySchema = z.union([z.array(cloudEventSchema).min(1).max(1000), cloudEventSchema.transform((e) => [e])]);

/** The SIDs of an event that can name a customer, most specific first. */
export function eventSids(e: CloudEvent): string[] {
  const d = e.data;
  return [d.campaignsid, d.brandsid, d.messagingservicesid].filter((s): s is string => typeof s === 'string');
}

/** Whether an event type is one a2p-onboard subscribes to (others delivered to the same sink are ignored). */
export function isA2pEventType(type: string): boolean {
  return A2P_EVENT_TYPES.includes(type);
}
