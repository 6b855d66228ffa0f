import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { supplement } from './contract-supplements.js';

/**
 * Twilio's published OpenAPI files (npm `@twilio-alpha/mcp`, folder `twilio-oai/spec/json/`) as the
 * sandbox's contract: every route the sandbox serves must be an operation of these files, and every
 * request is checked against the operation's parameters before a handler sees it. Tests use the same
 * module to check the sandbox's answers against the operation's response schemas.
 */

/** The Twilio API products the sandbox serves, one OpenAPI file each (the first path segment of a request). */
export type Product = 'trusthub' | 'messaging' | 'api' | 'events';

const SPEC_FILES: Readonly<Record<Product, string>> = {
  trusthub: 'twilio_trusthub_v1.json',
  messaging: 'twilio_messaging_v1.json',
  api: 'twilio_api_v2010.json',
  events: 'twilio_events_v1.json',
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };
type Schema = JsonObject;

interface SpecParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Schema;
}

export interface SpecOperation {
  product: Product;
  method: 'GET' | 'POST' | 'DELETE';
  /** The path template as in the file, e.g. `/v1/CustomerProfiles/{Sid}`. */
  path: string;
  operationId: string;
  pathParams: SpecParameter[];
  queryParams: SpecParameter[];
  /** Form body schema (application/x-www-form-urlencoded), when the operation takes one. */
  form: Schema | null;
  /** Form fields of array type: sent as repeated keys. */
  formArrays: string[];
  /** Status codes the operation documents, with their JSON schema (null for 204). */
  responses: Record<string, Schema | null>;
  /** Form fields with a documented maximum length in characters (see maxLengthsOf). */
  maxLengths: Record<string, number>;
}

/**
 * Trust Hub's OpenAPI file gives no length for FriendlyName, but Trust Hub holds bundles, end users and
 * supporting documents to the same 64 characters the Messaging and API files document ("It can be up to 64
 * characters long"); Twilio answers a longer one with 400 / 20001.
 */
const TRUSTHUB_FRIENDLY_NAME_MAX = 64;
const TRUSTHUB_NAMED = /^\/v1\/(CustomerProfiles|TrustProducts|EndUsers|SupportingDocuments)(\/\{Sid\})?$/;

/**
 * Documented maximum lengths of an operation's string form fields: "can be up to N characters long" /
 * "Max length: N characters" in the field's description, plus the Trust Hub FriendlyName rule.
 */
function maxLengthsOf(product: Product, path: string, props: JsonObject): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, s] of Object.entries(props)) {
    if (!isObject(s) || s['type'] !== 'string') continue;
    const d = typeof s['description'] === 'string' ? s['description'] : '';
    const m = /\bup to (\d+) characters\b/i.exec(d) ?? /\bMax length: (\d+) characters\b/.exec(d);
    if (m) out[name] = Number(m[1]);
  }
  if (product === 'trusthub' && TRUSTHUB_NAMED.test(path) && 'FriendlyName' in props) out['FriendlyName'] = TRUSTHUB_FRIENDLY_NAME_MAX;
  return out;
}

/** What is wrong with a request, in the terms Twilio answers with. */
export type RequestProblem =
  | { where: 'path'; name: string; message: string }
  | { where: 'query' | 'form'; kind: 'missing' | 'invalid' | 'unknown'; name: string; message: string };

/** Twilio's JSON error body (twilio-node's RestException reads these fields). */
const TWILIO_ERROR_SCHEMA: Schema = {
  type: 'object',
  required: ['code', 'message', 'more_info', 'status'],
  additionalProperties: false,
  properties: {
    code: { type: 'integer', minimum: 10000, maximum: 99999 },
    message: { type: 'string', minLength: 1 },
    more_info: { type: 'string', pattern: '^https://www\\.twilio\\.com/docs/errors/[0-9]{5}$' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    details: { type: 'object' },
  },
};

const PERMISSIVE_FORMATS = ['phone-number', 'uri-map', 'currency', 'phone-number-capabilities', 'endpoint', 'twiml', 'ice-server'];

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (ajv: Ajv, formats: string[]) => Ajv;

function newAjv(): Ajv {
  // Twilio's files carry `x-twilio` annotations and OpenAPI's `nullable`: not strict JSON Schema.
  const ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, coerceTypes: false });
  addFormats(ajv, ['date-time', 'date', 'email']);
  // `uri` values are absolute on v1 and relative (`/2010-04-01/...`) on API 2010 list pages, both under format uri.
  ajv.addFormat('uri', /^(?:https?:\/\/[^\s/$.?#][^\s]*|\/[^\s]*)$/i);
  ajv.addFormat('http-method', /^(?:GET|POST|PUT|DELETE|HEAD|PATCH|OPTIONS)$/i);
  ajv.addFormat('date-time-rfc-2822', /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$/);
  ajv.addFormat('iso-country-code', /^[A-Za-z]{2}$/);
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  for (const f of PERMISSIVE_FORMATS) ajv.addFormat(f, true);
  return ajv;
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * OpenAPI 3.0 → what ajv compiles: `nullable` needs a `type` in ajv, so a nullable `$ref` becomes
 * `anyOf [ref, null]` and a nullable schema without a type (any value) simply drops the keyword.
 */
function normalize(v: Json): Json {
  if (Array.isArray(v)) return v.map(normalize);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = k === 'examples' || k === 'example' ? x : normalize(x);
  if ('nullable' in out && !('type' in out)) {
    const nullable = out['nullable'] === true;
    delete out['nullable'];
    if (nullable && typeof out['$ref'] === 'string') {
      const ref = out['$ref'];
      delete out['$ref'];
      out['anyOf'] = [{ $ref: ref }, { type: 'null' }];
    }
  }
  return out;
}

/** Every object schema with `properties` requires all of them and allows nothing else: Twilio always sends every field, null when empty. */
function closeObjects(v: Json): Json {
  if (Array.isArray(v)) return v.map(closeObjects);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) out[k] = k === 'examples' || k === 'example' ? x : closeObjects(x);
  if (isObject(out['properties'])) {
    out['required'] = Object.keys(out['properties']);
    out['additionalProperties'] = false;
  }
  return out;
}

const METHODS = ['get', 'post', 'delete'] as const;

/** The loaded files of one spec folder, with compiled validators made on first use. */
export class Contract {
  readonly dir: string;
  private readonly docs = new Map<Product, JsonObject>();
  private readonly ops = new Map<string, SpecOperation>();
  private readonly ajv = newAjv();
  /** Response schemas with every object closed (see closeObjects). */
  private readonly strictAjv = newAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(dir: string) {
    this.dir = dir;
    for (const [product, file] of Object.entries(SPEC_FILES) as Array<[Product, string]>) {
      let doc: JsonObject;
      try {
        const parsed = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json as JsonObject;
        // What Twilio documents but the files predate (the 2FA re-send, the campaign's policy URLs).
        supplement(product, parsed);
        doc = normalize(parsed) as JsonObject;
      } catch (e) {
        throw new Error(`cannot read Twilio's OpenAPI file ${join(dir, file)} (${(e as Error).message}); run npm ci, or set SANDBOX_OPENAPI_DIR to a folder holding ${Object.values(SPEC_FILES).join(', ')}`, { cause: e });
      }
      this.docs.set(product, doc);
      this.ajv.addSchema(doc, `twilio:${product}`);
      this.strictAjv.addSchema({ components: closeObjects(doc['components'] ?? {}) }, `twilio:${product}`);
      this.index(product, doc);
    }
  }

  private index(product: Product, doc: JsonObject): void {
    const paths = doc['paths'];
    if (!isObject(paths)) return;
    for (const [path, item] of Object.entries(paths)) {
      if (!isObject(item)) continue;
      for (const m of METHODS) {
        const op = item[m];
        if (!isObject(op)) continue;
        const params = (Array.isArray(op['parameters']) ? op['parameters'] : []).filter(isObject).map(
          (p): SpecParameter => ({ name: typeof p['name'] === 'string' ? p['name'] : '', in: p['in'] as SpecParameter['in'], required: p['required'] === true, schema: isObject(p['schema']) ? p['schema'] : {} }),
        );
        const rb = op['requestBody'];
        const content = isObject(rb) && isObject(rb['content']) ? rb['content'] : {};
        const formEntry = content['application/x-www-form-urlencoded'];
        const form = isObject(formEntry) && isObject(formEntry['schema']) ? formEntry['schema'] : null;
        const props = form && isObject(form['properties']) ? form['properties'] : {};
        const responses: Record<string, Schema | null> = {};
        for (const [status, r] of Object.entries(isObject(op['responses']) ? op['responses'] : {})) {
          const c = isObject(r) && isObject(r['content']) ? r['content']['application/json'] : undefined;
          responses[status] = isObject(c) && isObject(c['schema']) ? c['schema'] : null;
        }
        const spec: SpecOperation = {
          product,
          method: m.toUpperCase() as SpecOperation['method'],
          path,
          operationId: typeof op['operationId'] === 'string' ? op['operationId'] : `${m} ${path}`,
          pathParams: params.filter((p) => p.in === 'path'),
          queryParams: params.filter((p) => p.in === 'query'),
          form,
          formArrays: Object.entries(props)
            .filter(([, s]) => isObject(s) && s['type'] === 'array')
            .map(([k]) => k),
          responses,
          maxLengths: maxLengthsOf(product, path, props),
        };
        this.ops.set(Contract.key(product, spec.method, path), spec);
      }
    }
  }

  static key(product: Product, method: string, path: string): string {
    return `${product} ${method.toUpperCase()} ${path}`;
  }

  /** The operation, or undefined when Twilio's files do not have it. */
  operation(product: Product, method: string, path: string): SpecOperation | undefined {
    return this.ops.get(Contract.key(product, method, path));
  }

  /** The operation with this operationId in a product's file. */
  operationById(product: Product, operationId: string): SpecOperation | undefined {
    for (const op of this.ops.values()) if (op.product === product && op.operationId === operationId) return op;
    return undefined;
  }

  /** Every operation of the files (for coverage reports). */
  operations(): SpecOperation[] {
    return [...this.ops.values()];
  }

  private validator(ajv: Ajv, id: string, schema: Schema, product: Product): ValidateFunction {
    const cached = this.compiled.get(id);
    if (cached) return cached;
    // Refs inside Twilio's schemas point at `#/components/...` of their own file.
    const rebased = JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, `"$ref":"twilio:${product}#/`)) as Schema;
    const fn = ajv.compile(rebased);
    this.compiled.set(id, fn);
    return fn;
  }

  /** The form body as the operation sees it: array fields from repeated keys, booleans and integers typed. */
  formObject(op: SpecOperation, form: URLSearchParams): Record<string, unknown> {
    const props = op.form && isObject(op.form['properties']) ? op.form['properties'] : {};
    const out: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) {
      const s = props[key];
      out[key] = op.formArrays.includes(key) ? form.getAll(key) : coerce(isObject(s) ? this.resolve(op.product, s) : {}, form.get(key) ?? '');
    }
    return out;
  }

  private resolve(product: Product, s: JsonObject): JsonObject {
    const ref = s['$ref'];
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return s;
    let cur: Json | undefined = this.docs.get(product) ?? null;
    for (const part of ref.slice(2).split('/')) cur = isObject(cur) ? cur[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    return isObject(cur) ? cur : {};
  }

  /**
   * Checks a request against the operation: path parameters, query parameters, form body.
   * `strict` also reports form fields the operation does not define (Twilio ignores them; tests do not).
   */
  checkRequest(
    op: SpecOperation,
    req: { params: Record<string, string>; query: URLSearchParams; form: URLSearchParams },
    opts: { strict?: boolean } = {},
  ): RequestProblem | null {
    for (const p of op.pathParams) {
      const v = req.params[p.name];
      const fn = this.validator(this.ajv, `${op.product}:${op.operationId}:path:${p.name}`, p.schema, op.product);
      if (v === undefined || !fn(v)) return { where: 'path', name: p.name, message: describe(fn.errors, p.name) };
    }
    for (const p of op.queryParams) {
      const raw = req.query.get(p.name);
      if (raw === null) {
        if (p.required) return { where: 'query', kind: 'missing', name: p.name, message: `Missing required parameter ${p.name}` };
        continue;
      }
      const fn = this.validator(this.ajv, `${op.product}:${op.operationId}:query:${p.name}`, p.schema, op.product);
      if (!fn(coerce(this.resolve(op.product, p.schema), raw))) return { where: 'query', kind: 'invalid', name: p.name, message: describe(fn.errors, p.name) };
    }
    if (op.form) {
      const body = this.formObject(op, req.form);
      const fn = this.validator(this.ajv, `${op.product}:${op.operationId}:form`, op.form, op.product);
      if (!fn(body)) {
        const e = fn.errors?.[0];
        if (e?.keyword === 'required') {
          const name = String((e.params as { missingProperty?: string }).missingProperty ?? 'body');
          return { where: 'form', kind: 'missing', name, message: `Missing required parameter ${name} in the post body` };
        }
        const name = e ? fieldOf(e) : 'body';
        return { where: 'form', kind: 'invalid', name, message: describe(fn.errors, name) };
      }
      // Lengths the descriptions document (ajv sees no maxLength in Twilio's files); counted in characters.
      for (const [name, max] of Object.entries(op.maxLengths)) {
        const v = body[name];
        if (typeof v === 'string' && [...v].length > max) return { where: 'form', kind: 'invalid', name, message: `Invalid parameter ${name}: must be ${max} characters or fewer (got ${[...v].length})` };
      }
      if (opts.strict) {
        const props = isObject(op.form['properties']) ? op.form['properties'] : {};
        const unknown = Object.keys(body).find((k) => !(k in props));
        if (unknown) return { where: 'form', kind: 'unknown', name: unknown, message: `${unknown} is not a parameter of ${op.operationId}` };
      }
    } else if (opts.strict && [...req.form.keys()].length > 0) {
      const name = [...req.form.keys()][0]!;
      return { where: 'form', kind: 'unknown', name, message: `${op.operationId} takes no form body (got ${name})` };
    }
    if (opts.strict) {
      const known = new Set(op.queryParams.map((p) => p.name));
      const unknown = [...req.query.keys()].find((k) => !known.has(k));
      if (unknown) return { where: 'query', kind: 'unknown', name: unknown, message: `${unknown} is not a query parameter of ${op.operationId}` };
    }
    return null;
  }

  /**
   * Problems of an answer: a documented status with a body matching its schema (every field present, none
   * extra), or an error status with Twilio's error body. Returns [] when the answer honours the contract.
   */
  checkResponse(op: SpecOperation, status: number, body: unknown): string[] {
    if (status >= 400) {
      const fn = this.validator(this.ajv, 'twilio-error', TWILIO_ERROR_SCHEMA, op.product);
      if (!fn(body)) return [`${op.operationId} ${status}: not Twilio's error body: ${describe(fn.errors, 'body')}`];
      if ((body as { status: number }).status !== status) return [`${op.operationId} ${status}: error body says status ${(body as { status: number }).status}`];
      return [];
    }
    const key = String(status);
    if (!(key in op.responses)) return [`${op.operationId}: status ${status} is not one the operation documents (${Object.keys(op.responses).join(', ')})`];
    const schema = op.responses[key];
    if (schema === null || schema === undefined) return body === undefined || body === null || body === '' ? [] : [`${op.operationId} ${status}: expected no body`];
    const fn = this.validator(this.strictAjv, `strict:${op.product}:${op.operationId}:${key}`, closeObjects(schema) as Schema, op.product);
    if (fn(body)) return [];
    return (fn.errors ?? []).slice(0, 5).map((e) => `${op.operationId} ${status}: ${e.instancePath || '(body)'} ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}${e.params && 'missingProperty' in e.params ? ` (${String(e.params['missingProperty'])})` : ''}`);
  }
}

/** A form or query value typed as its schema says (booleans, integers); anything unparsable stays a string and fails validation. */
function coerce(schema: JsonObject, raw: string): unknown {
  const t = schema['type'];
  if (t === 'boolean') return /^true$/i.test(raw) ? true : /^false$/i.test(raw) ? false : raw;
  if (t === 'integer' || t === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  return raw;
}

function fieldOf(e: ErrorObject): string {
  const seg = e.instancePath.split('/').filter(Boolean)[0];
  return seg ? seg.replace(/~1/g, '/').replace(/~0/g, '~') : 'body';
}

function describe(errors: ErrorObject[] | null | undefined, name: string): string {
  const e = errors?.[0];
  if (!e) return `Invalid parameter ${name}`;
  if (e.keyword === 'enum') return `Invalid parameter ${name}: must be one of ${((e.params as { allowedValues?: unknown[] }).allowedValues ?? []).join(', ')}`;
  if (e.keyword === 'pattern') return `Invalid parameter ${name}: must match ${(e.params as { pattern?: string }).pattern ?? ''}`;
  return `Invalid parameter ${name}: ${e.message ?? 'invalid value'}`;
}

let cached: Contract | undefined;

/** Where the installed `@twilio-alpha/mcp` keeps the spec files. */
export function defaultSpecDir(): string {
  try {
    const pkg = createRequire(import.meta.url).resolve('@twilio-alpha/mcp/package.json');
    return join(dirname(pkg), 'twilio-oai', 'spec', 'json');
  } catch {
    throw new Error("Twilio's OpenAPI files were not found: install the devDependencies (npm ci) or set SANDBOX_OPENAPI_DIR");
  }
}

/** The contract of a folder, loaded once per process (the API 2010 file alone is 2 MB). */
export function loadContract(dir: string = defaultSpecDir()): Contract {
  if (cached && cached.dir === dir) return cached;
  cached = new Contract(dir);
  return cached;
}
