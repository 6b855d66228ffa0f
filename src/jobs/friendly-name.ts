import { createHash } from 'node:crypto';

/**
 * Twilio's limit on every FriendlyName we send: the OpenAPI files say "up to 64 characters" for Messaging
 * Services and Addresses, and Trust Hub (bundles, end users, supporting documents) holds names to the same.
 */
const FRIENDLY_NAME_MAX = 64;
/** Hex digits of the customer id's SHA-256 kept in a shortened name: 40 bits, no two ids of one ISV collide in practice. */
const NAME_HASH_HEX = 10;

/**
 * Deterministic friendly names: how a lost answer is found again, and how an operator finds the customer
 * in Twilio's console. `a2p-onboard <customer id> <what>` when that fits in 64 characters (the names of
 * customers already in flight stay exactly as they were); otherwise the id is cut to a readable prefix
 * followed by `~` and a short hash of the whole id, so the name is still the same on every try and two long
 * ids sharing a prefix still get different names.
 */
export function friendlyName(customerId: string, what: string): string {
  const full = `a2p-onboard ${customerId} ${what}`;
  if ([...full].length <= FRIENDLY_NAME_MAX) return full;
  const hash = createHash('sha256').update(customerId).digest('hex').slice(0, NAME_HASH_HEX);
  const room = FRIENDLY_NAME_MAX - [...`a2p-onboard  ${what}`].length - 1 - hash.length;
  const prefix = [...customerId].slice(0, Math.max(0, room)).join('');
  const name = `a2p-onboard ${prefix}~${hash} ${what}`;
  // `what` is ours and short; should one ever be too long, cut it rather than send what Twilio refuses.
  return [...name].slice(0, FRIENDLY_NAME_MAX).join('');
}
