import { z } from 'zod';
import { STATES, type CustomerState } from '../ledger/states.js';

/**
 * A notification to the ISV: one change of one customer's state, as the ledger's transition scripts
 * wrote it to the outbox (src/ledger/lua). Its `id` is fixed when the change is recorded, so every
 * delivery of it (retries, a re-relay after a crash) carries the same id and the ISV deduplicates on it.
 */

/** An outbox stream entry's fields, as the Lua scripts write them. */
export const outboxEntrySchema = z.object({
  id: z.string().regex(/^evt_[0-9a-f]{32}$/),
  customerId: z.string().min(1),
  batchId: z.string(),
  gen: z.coerce.number().int().min(1).catch(1),
  flow: z.enum(['sole-proprietor', 'business']).catch('sole-proprietor'),
  stage: z.string(),
  state: z.enum(STATES),
  previousState: z.string().transform((s) => ((STATES as readonly string[]).includes(s) ? (s as CustomerState) : null)),
  at: z.string(),
  reason: z.string(),
  action: z.string(),
});
export type OutboxEntry = z.infer<typeof outboxEntrySchema>;

/** What is POSTed (and what a `notify` job carries). */
export const notificationSchema = z.object({
  id: z.string(),
  type: z.string(),
  createdAt: z.string(),
  customer: z.object({
    customerId: z.string(),
    batchId: z.string(),
    state: z.enum(STATES),
    /** The state of the notification before this one for the customer (null for the first). */
    previousState: z.enum(STATES).nullable(),
    stage: z.string(),
    flow: z.enum(['sole-proprietor', 'business']),
    generation: z.number().int(),
    /** Why the customer is in this state (a failure's reason, what it waits for), or null. */
    reason: z.string().nullable(),
    /** What the ISV's operators should do about it, or null. */
    action: z.string().nullable(),
    /** Words the ISV can show its customer when the customer must act (or may start texting), or null. */
    customerMessage: z.string().nullable(),
  }),
});
export type Notification = z.infer<typeof notificationSchema>;

/** Stream fields come as a flat [name, value, name, value…] list. */
export function fieldsToObject(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

/**
 * The words for the customer. TCR texts a Sole Proprietor's mobile from +1 (915) 278-2000 and the reply is
 * valid 24 hours (Twilio's Sole Proprietor guide); a public company's brand contact gets TCR's
 * Authentication+ email, its link valid 7 days.
 */
export function customerMessage(state: CustomerState): string | null {
  switch (state) {
    case 'awaiting_otp':
      return 'Check your mobile phone: you have a text message from +1 (915) 278-2000 asking you to confirm your registration for US A2P Messaging. Reply YES to that text within 24 hours to confirm it. If the 24 hours pass, a new text is sent; you can reply to that one.';
    case 'awaiting_email':
      return 'Check the inbox of your brand contact email: The Campaign Registry has sent an Authentication+ email to confirm your company\'s brand. Open the link in that email and complete the confirmation within 7 days; until then your business cannot be registered for texting.';
    case 'live':
      return 'Your business is registered for US A2P 10DLC texting: you can start sending text messages.';
    case 'expired':
      return 'Your registration was not confirmed in time. Contact us to send a new confirmation request.';
    default:
      return null;
  }
}

export function toNotification(e: OutboxEntry): Notification {
  return {
    id: e.id,
    type: `customer.${e.state}`,
    createdAt: e.at,
    customer: {
      customerId: e.customerId,
      batchId: e.batchId,
      state: e.state,
      previousState: e.previousState,
      stage: e.stage,
      flow: e.flow,
      generation: e.gen,
      reason: e.reason || null,
      action: e.action || null,
      customerMessage: customerMessage(e.state),
    },
  };
}
