/** Twilio's JSON error body: `{code, message, more_info, status}` (401 also carries `detail`). */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
  detail?: string;
}

export class TwilioApiError extends Error {
  readonly status: number;
  readonly code: number;
  readonly headers: Record<string, string>;
  readonly detail: string | undefined;

  constructor(status: number, code: number, message: string, opts: { headers?: Record<string, string>; detail?: string } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = opts.headers ?? {};
    this.detail = opts.detail;
  }

  body(): TwilioErrorBody {
    const b: TwilioErrorBody = {
      code: this.code,
      message: this.message,
      more_info: `https://www.twilio.com/docs/errors/${this.code}`,
      status: this.status,
    };
    if (this.detail !== undefined) b.detail = this.detail;
    return b;
  }
}

/** 404 / 20404 with the path as Twilio names it (`/v1/...`, `/2010-04-01/...`). */
export function notFound(twilioPath: string): TwilioApiError {
  return new TwilioApiError(404, 20404, `The requested resource ${twilioPath} was not found`);
}

/**
 * 400 / 20001, Twilio's answer to a missing required parameter: "Missing required parameter X in the post body"
 * (the message twilio-go issue 112 quotes for A2PProfileBundleSid on BrandRegistrations).
 */
export function missingParam(name: string, where: 'form' | 'query' = 'form'): TwilioApiError {
  return new TwilioApiError(400, 20001, where === 'form' ? `Missing required parameter ${name} in the post body` : `Missing required parameter ${name}`);
}

/** 400 / 20001 for a parameter whose value the contract or a rule refuses. `why` may already start with "Invalid parameter". */
export function invalidParam(name: string, why: string): TwilioApiError {
  return new TwilioApiError(400, 20001, why.startsWith('Invalid parameter') ? why : `Invalid parameter ${name}: ${why}`);
}

/** A 400 for a request that is well-formed but not allowed in the resource's current state. */
export function badRequest(message: string, code = 20001): TwilioApiError {
  return new TwilioApiError(400, code, message);
}

export function unauthorized(): TwilioApiError {
  return new TwilioApiError(401, 20003, 'Authenticate', { detail: 'Your AccountSid or AuthToken was incorrect.' });
}

export function tooManyRequests(retryAfterSeconds?: number): TwilioApiError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  return new TwilioApiError(429, 20429, 'Too Many Requests', { headers });
}
