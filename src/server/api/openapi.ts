import { COLUMNS } from '../../customers/columns.js';
import { FEE_KINDS } from '../../ledger/fees.js';
import { STATES } from '../../ledger/states.js';
import { BATCH_FIELD, BOOLEAN_COLUMNS, LIST_COLUMNS, SAMPLES_FIELD } from './customer-input.js';

/**
 * The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json. test/api.test.ts checks every
 * answer the API gives in its tests against it: a change to an answer's shape changes this too.
 * Every response's schema is a $ref to components.schemas (what the test resolves).
 */

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const answer = (description: string, ref: string, headers?: Record<string, unknown>) => ({ description, content: json(ref), ...(headers ? { headers } : {}) });
const err = (name: string) => ({ $ref: `#/components/responses/${name}` });

const nullableString = { type: ['string', 'null'] };

function customerInputSchema() {
  const properties: Record<string, unknown> = {};
  for (const c of COLUMNS) {
    const list = LIST_COLUMNS[c.name];
    const types: unknown[] = [{ type: 'string' }, { type: 'null' }];
    if (BOOLEAN_COLUMNS.includes(c.name)) types.unshift({ type: 'boolean' });
    else if (list) types.unshift({ type: 'array', items: { type: 'string' }, maxItems: 100, description: `a list (the CSV cell separates them with "${list}")` });
    else types.push({ type: 'number' });
    properties[c.name] = { description: c.description, oneOf: types };
  }
  properties[BATCH_FIELD] = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$', description: 'The batch to put the customer in; default `api-YYYY-MM-DD` (UTC).' };
  properties[SAMPLES_FIELD] = { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 5, description: 'message_sample_1..5 as a list.' };
  return { type: 'object', required: ['customer_id'], additionalProperties: false, properties };
}

const customer = {
  type: 'object',
  additionalProperties: false,
  required: ['customer_id', 'batch_id', 'row', 'state', 'stage', 'reason', 'action', 'twilio_statuses', 'sids', 'fees', 'created_at', 'updated_at'],
  properties: {
    customer_id: { ...nullableString, description: 'null for a refused CSV row without a valid id' },
    batch_id: { type: 'string' },
    row: { type: 'integer', description: 'the row of the CSV (2 for a customer POSTed alone)' },
    state: { type: 'string', enum: [...STATES] },
    stage: { type: 'string', description: 'the step of the registration (docs/architecture.md), or `ingest` for a refused row' },
    reason: { ...nullableString, description: 'why the customer is waiting or failed' },
    action: { ...nullableString, description: 'what to do about it' },
    twilio_statuses: { type: 'object', additionalProperties: { type: 'string' }, description: "Twilio's statuses last seen (brand, campaign, bundles...)" },
    sids: { type: 'object', additionalProperties: { type: 'string' }, description: 'SIDs of what was created at Twilio for the customer' },
    fees: {
      type: 'object',
      additionalProperties: false,
      required: ['total_usd', 'by_kind'],
      properties: {
        total_usd: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
        by_kind: {
          type: 'object',
          additionalProperties: false,
          required: [...FEE_KINDS],
          properties: Object.fromEntries(
            FEE_KINDS.map((k) => [k, { type: 'object', additionalProperties: false, required: ['usd', 'count', 'mock'], properties: { usd: { type: 'string' }, count: { type: 'integer' }, mock: { type: 'integer' } } }]),
          ),
        },
      },
    },
    created_at: { ...nullableString, format: 'date-time' },
    updated_at: { ...nullableString, format: 'date-time' },
  },
};

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'a2p-onboard API',
      version: '1.0.0',
      description:
        'Register customers for US A2P 10DLC from your own product. Authenticate with an API key (`a2p-onboard api-key create --name NAME`) as `Authorization: Bearer <key>`. Send `Idempotency-Key` on POSTs to retry safely: a repeat returns the first answer for 24 hours. Errors are `{"error": {"code", "message", "field"}}`.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ apiKey: [] }],
    paths: {
      '/customers': {
        post: {
          operationId: 'createCustomer',
          summary: 'Register one customer (validated exactly as a CSV row)',
          parameters: [{ $ref: '#/components/parameters/IdempotencyKey' }],
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CustomerInput' } } } },
          responses: {
            '200': answer('The customer already existed with the same data', 'Customer'),
            '201': answer('Accepted and queued', 'Customer'),
            '400': err('Invalid'),
            '401': err('Unauthorized'),
            '409': err('Conflict'),
            '413': err('TooLarge'),
            '415': err('UnsupportedMediaType'),
            '422': err('IdempotencyKeyReused'),
            '429': err('RateLimited'),
            '500': err('ServerError'),
          },
        },
      },
      '/customers/{id}': {
        get: {
          operationId: 'getCustomer',
          summary: 'A customer: state, stage, reason, what to do, Twilio statuses and SIDs, fees so far',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': answer('The customer', 'Customer'), '400': err('Invalid'), '401': err('Unauthorized'), '404': err('NotFound'), '429': err('RateLimited'), '500': err('ServerError') },
        },
      },
      '/batches': {
        post: {
          operationId: 'createBatch',
          summary: 'Ingest a customers CSV (or only check it with dryRun=true)',
          parameters: [
            { $ref: '#/components/parameters/IdempotencyKey' },
            { name: 'batch', in: 'query', schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$' }, description: 'batch id; default `api-<UTC time>`' },
            { name: 'dryRun', in: 'query', schema: { type: 'string', enum: ['true', 'false', '1', '0'] }, description: 'validate and report without enqueuing' },
          ],
          requestBody: { required: true, content: { 'text/csv': { schema: { type: 'string', description: 'the customers CSV, as for `a2p-onboard ingest` (docs/csv.md); at most API_MAX_CSV_BYTES' } } } },
          responses: {
            '200': answer('Dry run: the per-row report, nothing queued', 'IngestReport'),
            '201': answer('Ingested: accepted rows queued, refused rows listed', 'IngestReport'),
            '400': err('Invalid'),
            '401': err('Unauthorized'),
            '409': err('Conflict'),
            '413': err('TooLarge'),
            '415': err('UnsupportedMediaType'),
            '422': err('IdempotencyKeyReused'),
            '429': err('RateLimited'),
            '500': err('ServerError'),
          },
        },
      },
      '/batches/{id}': {
        get: {
          operationId: 'getBatch',
          summary: 'A batch: customers per state',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': answer('The batch', 'Batch'), '400': err('Invalid'), '401': err('Unauthorized'), '404': err('NotFound'), '429': err('RateLimited'), '500': err('ServerError') },
        },
      },
      '/batches/{id}/customers': {
        get: {
          operationId: 'listBatchCustomers',
          summary: "A batch's customers in row order (accepted, then rows refused at ingest), a page at a time",
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
          ],
          responses: { '200': answer('A page', 'CustomerPage'), '400': err('Invalid'), '401': err('Unauthorized'), '404': err('NotFound'), '429': err('RateLimited'), '500': err('ServerError') },
        },
      },
      '/openapi.json': {
        get: { operationId: 'openapi', summary: 'This document', security: [], responses: { '200': answer('The OpenAPI document', 'OpenApiDocument') } },
      },
    },
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'an API key from `a2p-onboard api-key create`' } },
      parameters: {
        IdempotencyKey: { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', minLength: 1, maxLength: 255 }, description: 'a unique key per request (a UUID): a repeat with the same key and body returns the first answer' },
      },
      responses: {
        Invalid: answer('A field, query parameter or header is invalid: `field` names it, `message` says why', 'Error'),
        Unauthorized: answer('No API key, or a wrong or revoked one', 'Error'),
        NotFound: answer('No such customer, batch or endpoint', 'Error'),
        Conflict: answer('The customer_id exists with other data, or the same Idempotency-Key is still being processed', 'Error'),
        TooLarge: answer('The body is too large', 'Error'),
        UnsupportedMediaType: answer('The body is not of the expected Content-Type', 'Error'),
        IdempotencyKeyReused: answer('The Idempotency-Key was used with another request', 'Error'),
        RateLimited: answer('Too many requests with this API key; see Retry-After', 'Error'),
        ServerError: answer('The request could not be completed; retry with the same Idempotency-Key', 'Error'),
      },
      schemas: {
        Error: {
          type: 'object',
          additionalProperties: false,
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              additionalProperties: false,
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', examples: ['invalid_field', 'unauthorized', 'customer_exists'] },
                message: { type: 'string' },
                field: { type: 'string', description: 'the field, query parameter or header at fault (CSV column names for customer fields)' },
                problems: { type: 'array', items: { type: 'object', additionalProperties: false, required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } } },
              },
            },
          },
        },
        CustomerInput: customerInputSchema(),
        Customer: customer,
        IngestReport: {
          type: 'object',
          additionalProperties: false,
          required: ['batch_id', 'dry_run', 'accepted', 'rejected', 'unknown_columns'],
          properties: {
            batch_id: { type: 'string' },
            dry_run: { type: 'boolean' },
            accepted: { type: 'integer' },
            rejected: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['row', 'customer_id', 'field', 'reason'],
                properties: { row: { type: 'integer' }, customer_id: nullableString, field: nullableString, reason: { type: 'string' } },
              },
            },
            unknown_columns: { type: 'array', items: { type: 'string' } },
          },
        },
        Batch: {
          type: 'object',
          additionalProperties: false,
          required: ['batch_id', 'created_at', 'source', 'total', 'done', 'counts'],
          properties: {
            batch_id: { type: 'string' },
            created_at: nullableString,
            source: nullableString,
            total: { type: 'integer' },
            done: { type: 'integer', description: 'customers in a final state' },
            counts: { type: 'object', additionalProperties: false, required: [...STATES], properties: Object.fromEntries(STATES.map((s) => [s, { type: 'integer' }])) },
          },
        },
        CustomerPage: {
          type: 'object',
          additionalProperties: false,
          required: ['data', 'offset', 'limit', 'total', 'next_offset'],
          properties: {
            data: { type: 'array', items: { $ref: '#/components/schemas/Customer' } },
            offset: { type: 'integer' },
            limit: { type: 'integer' },
            total: { type: 'integer' },
            next_offset: { type: ['integer', 'null'] },
          },
        },
        OpenApiDocument: { type: 'object', required: ['openapi', 'paths'], properties: { openapi: { const: '3.1.0' }, paths: { type: 'object' } } },
      },
    },
  };
}
