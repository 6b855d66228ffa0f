/**
 * What Twilio documents but the bundled OpenAPI files (npm `@twilio-alpha/mcp`) predate, added to the
 * contract so the sandbox may serve it and the contract tests may send and check it. Each entry names
 * its source; nothing here is invented beyond what that source shows.
 *
 * - `POST /v1/a2p/BrandRegistrations/{BrandSid}/2fa`: the "Brand 2FA verify" page (Authentication+
 *   re-send). The page shows the request (no body) and no answer: the 201 body `{account_sid, brand_sid}`
 *   is the sandbox's model, shaped like its sibling CreateBrandRegistrationOtp.
 * - `PrivacyPolicyUrl` and `TermsAndConditionsUrl` on CreateUsAppToPerson and UpdateUsAppToPerson, and
 *   `privacy_policy_url` / `terms_and_conditions_url` on the campaign: twilio-node 6.2.0 sends and reads
 *   them; Twilio errors 30933 and 30934 make both required on every campaign created since 2026-06-30
 *   (the sandbox refuses a create without them, whatever the brand type; the OpenAPI files still say optional).
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export interface ContractSupplement {
  product: 'messaging';
  what: string;
  source: string;
}

export const CONTRACT_SUPPLEMENTS: readonly ContractSupplement[] = [
  { product: 'messaging', what: 'POST /v1/a2p/BrandRegistrations/{BrandSid}/2fa (CreateBrandRegistration2fa)', source: 'Twilio API page "Brand 2FA verify" (messaging/api/brand-2fa-verify)' },
  { product: 'messaging', what: 'PrivacyPolicyUrl, TermsAndConditionsUrl on CreateUsAppToPerson / UpdateUsAppToPerson; privacy_policy_url, terms_and_conditions_url on the campaign', source: 'twilio-node 6.2.0 (usAppToPerson), Twilio errors 30933 and 30934' },
];

const isObject = (v: Json | undefined): v is JsonObject => v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);

const TWO_FA_SCHEMA = 'messaging.v1.brand_registrations.brand_registration_2fa';
const CAMPAIGN_SCHEMA = 'messaging.v1.service.us_app_to_person';
const URL_FIELDS: Record<string, string> = {
  PrivacyPolicyUrl: 'The URL of the privacy policy for the campaign.',
  TermsAndConditionsUrl: 'The URL of the terms and conditions for the campaign.',
};

/** Adds the supplements to a product's parsed OpenAPI document, in place (before it is compiled). */
export function supplement(product: string, doc: JsonObject): void {
  if (product !== 'messaging') return;
  const components = isObject(doc['components']) ? doc['components'] : null;
  const schemas = components && isObject(components['schemas']) ? components['schemas'] : null;
  const paths = isObject(doc['paths']) ? doc['paths'] : null;
  if (!schemas || !paths) return;

  const campaign = schemas[CAMPAIGN_SCHEMA];
  if (isObject(campaign) && isObject(campaign['properties'])) {
    for (const [name, description] of [['privacy_policy_url', URL_FIELDS['PrivacyPolicyUrl']!], ['terms_and_conditions_url', URL_FIELDS['TermsAndConditionsUrl']!]] as const) {
      campaign['properties'][name] ??= { type: 'string', nullable: true, description };
    }
  }
  for (const [path, method] of [['/v1/Services/{MessagingServiceSid}/Compliance/Usa2p', 'post'], ['/v1/Services/{MessagingServiceSid}/Compliance/Usa2p/{Sid}', 'post']] as const) {
    const op = isObject(paths[path]) ? paths[path][method] : undefined;
    const rb = isObject(op) ? op['requestBody'] : undefined;
    const content = isObject(rb) ? rb['content'] : undefined;
    const form = isObject(content) ? content['application/x-www-form-urlencoded'] : undefined;
    const schema = isObject(form) ? form['schema'] : undefined;
    if (!isObject(schema) || !isObject(schema['properties'])) continue;
    for (const [name, description] of Object.entries(URL_FIELDS)) schema['properties'][name] ??= { type: 'string', description };
  }

  schemas[TWO_FA_SCHEMA] ??= {
    type: 'object',
    properties: {
      account_sid: { type: 'string', minLength: 34, maxLength: 34, pattern: '^AC[0-9a-fA-F]{32}$', nullable: true, description: 'The SID of the Account that owns the brand.' },
      brand_sid: { type: 'string', minLength: 34, maxLength: 34, pattern: '^BN[0-9a-fA-F]{32}$', nullable: true, description: 'The Brand Registration the 2FA email was sent again for.' },
    },
  };
  paths['/v1/a2p/BrandRegistrations/{BrandSid}/2fa'] ??= {
    servers: [{ url: 'https://messaging.twilio.com' }],
    description: 'Sandbox supplement: re-send the Authentication+ 2FA email of a brand (Twilio page "Brand 2FA verify").',
    post: {
      operationId: 'CreateBrandRegistration2fa',
      parameters: [
        { name: 'BrandSid', in: 'path', required: true, schema: { type: 'string', minLength: 34, maxLength: 34, pattern: '^BN[0-9a-fA-F]{32}$' } },
      ],
      responses: { '201': { description: 'Created', content: { 'application/json': { schema: { $ref: `#/components/schemas/${TWO_FA_SCHEMA}` } } } } },
    },
  };
}
