import { randomBytes } from 'node:crypto';

export const POLICY_STARTER = 'RN806dd6cd175f314e1f96a9727ee271f4';
export const POLICY_SOLE_PROPRIETOR = 'RN670d5d2e282a6130ae063b234b6019c8';
export const POLICY_SECONDARY_BUSINESS = 'RNdfbf3fae0e1107f8aded0e7cead80bf5';
export const POLICY_SHAKEN_STIR = 'RN7a97559effdf62d00f4298208492a5ea';
/** A2P Messaging profile Trust Product (Standard / Low-Volume Standard brands; the Standard ISV guide). */
export const POLICY_A2P_MESSAGING = 'RNb0d4771c2c98518d916a3d4cd70a8f8b';

export type SidPrefix = 'AC' | 'BU' | 'IT' | 'RD' | 'AD' | 'BV' | 'EL' | 'RN' | 'BN' | 'MG' | 'QE' | 'PN' | 'RA' | 'VT';

/** prefix + 32 lowercase hex. */
export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}

export type BundleStatus = 'draft' | 'pending-review' | 'in-review' | 'twilio-rejected' | 'twilio-approved';
export type BundleKind = 'customerProfile' | 'trustProduct';

export interface BundleError {
  /** Absent where no document names Twilio's code for the simulated rejection. */
  code?: number;
  object_field: string;
  failure_reason: string;
}

export interface Bundle {
  kind: BundleKind;
  sid: string;
  policySid: string;
  friendlyName: string;
  email: string;
  statusCallback: string | null;
  status: BundleStatus;
  validUntil: number | null;
  dateCreated: number;
  dateUpdated: number;
  errors: BundleError[] | null;
  /** Set once the asynchronous review after submission has run and found no problem. */
  reviewPassed: boolean;
  /** Increments on every submission so a stale review timer does nothing. */
  submission: number;
}

export interface Assignment {
  sid: string;
  bundleSid: string;
  objectSid: string;
  dateCreated: number;
}

/** A phone number to a bundle (CustomerProfiles/TrustProducts ChannelEndpointAssignments). */
export interface ChannelEndpointAssignment {
  sid: string;
  bundleSid: string;
  channelEndpointSid: string;
  channelEndpointType: string;
  dateCreated: number;
}

/** A number the sandbox account owns (IncomingPhoneNumbers), from SANDBOX_PHONE_NUMBERS. */
export interface PhoneNumber {
  sid: string;
  phoneNumber: string;
  friendlyName: string;
  dateCreated: number;
}

/** A number on a Messaging Service (`/v1/Services/{MG}/PhoneNumbers`); its SID is the number's PN SID. */
export interface ServicePhoneNumber {
  sid: string;
  serviceSid: string;
  dateCreated: number;
}

/** A Policies resource: what a bundle needs (reference 004). */
export interface PolicyDoc {
  sid: string;
  friendly_name: string;
  requirements: Record<string, unknown>;
}

export interface EvaluationResultItem {
  friendly_name: string;
  object_field: string;
  failure_reason: string | null;
  error_code: number | null;
  passed?: boolean;
}

export interface EvaluationResult {
  friendly_name: string;
  object_type: string;
  passed: boolean;
  failure_reason: string | null;
  error_code: number | null;
  valid: EvaluationResultItem[];
  invalid: EvaluationResultItem[];
  requirement_friendly_name: string;
  requirement_name: string;
}

export interface Evaluation {
  sid: string;
  bundleSid: string;
  policySid: string;
  status: 'compliant' | 'noncompliant';
  results: EvaluationResult[];
  dateCreated: number;
}

export type JsonObject = Record<string, unknown>;

export interface EndUser {
  sid: string;
  friendlyName: string;
  type: string;
  attributes: JsonObject;
  dateCreated: number;
  dateUpdated: number;
}

export interface SupportingDocument {
  sid: string;
  friendlyName: string;
  type: string;
  attributes: JsonObject;
  dateCreated: number;
  dateUpdated: number;
}

export interface Address {
  sid: string;
  customerName: string;
  friendlyName: string | null;
  street: string;
  streetSecondary: string | null;
  city: string;
  region: string;
  postalCode: string;
  isoCountry: string;
  emergencyEnabled: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export type BrandStatus = 'PENDING' | 'APPROVED' | 'FAILED' | 'IN_REVIEW' | 'DELETION_PENDING' | 'DELETION_FAILED' | 'SUSPENDED';
export type IdentityStatus = 'SELF_DECLARED' | 'UNVERIFIED' | 'VERIFIED' | 'VETTED_VERIFIED';

/** A brand state forced by a test (POST /_sandbox/brands/{BN}/status). */
export interface ForcedBrandState {
  status: BrandStatus;
  identityStatus?: IdentityStatus | undefined;
  failureReason?: string | null | undefined;
  errors?: JsonObject[] | undefined;
}

export interface Brand {
  sid: string;
  customerProfileBundleSid: string;
  a2pProfileBundleSid: string;
  brandType: string;
  status: BrandStatus;
  identityStatus: IdentityStatus;
  failureReason: string | null;
  errors: JsonObject[];
  tcrId: string | null;
  mock: boolean;
  skipAutomaticSecVet: boolean;
  dateCreated: number;
  dateUpdated: number;
  /** Set by the admin hook: how the next registrations (resubmissions) of this brand end, instead of the rules. */
  scripted?: { outcome: ForcedBrandState; remaining: number };
  /** Resolved when the brand leaves PENDING (TCR registration). */
  mobile: string | null;
  email: string | null;
  otpsSent: number;
  /** The secondary vetting score (STANDARD brands once vetted), else null. */
  brandScore: number | null;
  /** DEPRECATED in the spec, still rendered: TAX_ID etc. for a failed TCR check. */
  brandFeedback: string[] | null;
  /** Bumped on every registration (create, resubmission, forced PENDING) and every 2FA re-send: a stale timer does nothing. */
  generation: number;
}

export type VettingStatus = 'PENDING' | 'SUCCESS' | 'FAILED';

/** A brand vetting (`/v1/a2p/BrandRegistrations/{BN}/Vettings`): secondary vetting (aegis) or Authentication+ (the sandbox's model). */
export interface Vetting {
  sid: string;
  brandSid: string;
  vettingClass: 'STANDARD' | 'AUTHPLUS';
  vettingProvider: 'aegis' | 'campaign-verify';
  vettingStatus: VettingStatus;
  vettingId: string;
  dateCreated: number;
  dateUpdated: number;
}

export interface MessagingService {
  sid: string;
  friendlyName: string;
  inboundRequestUrl: string | null;
  inboundMethod: 'GET' | 'POST';
  fallbackUrl: string | null;
  fallbackMethod: 'GET' | 'POST';
  statusCallback: string | null;
  stickySender: boolean;
  mmsConverter: boolean;
  smartEncoding: boolean;
  scanMessageContent: 'inherit' | 'enable' | 'disable';
  fallbackToLongCode: boolean;
  areaCodeGeomatch: boolean;
  synchronousValidation: boolean;
  validityPeriod: number;
  usecase: string;
  useInboundWebhookOnNumber: boolean;
  dateCreated: number;
  dateUpdated: number;
}

export interface Campaign {
  sid: string;
  brandRegistrationSid: string;
  messagingServiceSid: string;
  description: string;
  messageSamples: string[];
  usAppToPersonUsecase: string;
  hasEmbeddedLinks: boolean;
  hasEmbeddedPhone: boolean;
  subscriberOptIn: boolean | null;
  ageGated: boolean;
  directLending: boolean;
  campaignStatus: 'IN_PROGRESS' | 'VERIFIED' | 'FAILED';
  campaignId: string | null;
  messageFlow: string;
  optInMessage: string | null;
  optOutMessage: string | null;
  helpMessage: string | null;
  optInKeywords: string[] | null;
  optOutKeywords: string[] | null;
  helpKeywords: string[] | null;
  /** twilio-node 6.2.0 sends and reads these; the bundled OpenAPI file predates them (see contract supplements). */
  privacyPolicyUrl: string | null;
  termsAndConditionsUrl: string | null;
  errors: JsonObject[];
  /** Bumped on each vetting, so a stale timer from an earlier one does nothing. */
  vetting?: number;
  dateCreated: number;
  dateUpdated: number;
}

export interface RequestLogEntry {
  /** Epoch ms when the request arrived. */
  at: number;
  method: string;
  /** As received by the sandbox (with the product prefix), without the query. */
  path: string;
  product: string;
  /** HTTP status answered; 0 when no answer was sent (timeout / reset faults, sandbox closed). */
  status: number;
  operation?: string;
  /** The operation of Twilio's OpenAPI files the request was routed to. */
  operationId?: string;
  /** The query string, without `?` ('' when none). */
  query: string;
  fault?: string;
  /** With `recordBodies`: the form body as sent, in order, repeated keys kept (`Attributes` stays a JSON string). */
  form?: Array<[string, string]>;
  /** With `recordBodies`: the JSON answered (undefined for 204 and unanswered requests). */
  responseBody?: unknown;
  /** The acting account (AC…): the one authenticated, or the subaccount an API 2010 path names; absent when refused before. */
  accountSid?: string;
}

/**
 * The in-memory state of one account of the sandbox (the main account, or one subaccount): what it owns is
 * what its maps hold, so another account's SID is simply not found. Maps keep insertion order = creation order.
 * Policies, TCR's registrations, scripted outcomes and the request log are the whole sandbox's: a subaccount's
 * store shares them with the main account's (`root`).
 */
export class Store {
  readonly customerProfiles = new Map<string, Bundle>();
  readonly trustProducts = new Map<string, Bundle>();
  readonly assignments = new Map<string, Assignment>();
  readonly evaluations = new Map<string, Evaluation>();
  readonly endUsers = new Map<string, EndUser>();
  readonly supportingDocuments = new Map<string, SupportingDocument>();
  readonly addresses = new Map<string, Address>();
  readonly brands = new Map<string, Brand>();
  readonly services = new Map<string, MessagingService>();
  readonly campaigns = new Map<string, Campaign>();
  /** Brand vettings by VT SID, in creation order. */
  readonly vettings = new Map<string, Vetting>();
  readonly channelEndpointAssignments = new Map<string, ChannelEndpointAssignment>();
  readonly phoneNumbers = new Map<string, PhoneNumber>();
  /** Numbers on Messaging Services, by PN SID: a number is on at most one service. */
  readonly servicePhoneNumbers = new Map<string, ServicePhoneNumber>();
  /** This sandbox's policies: the documented four, changeable through /_sandbox/policies/{RN} ("policies can and do change"). */
  readonly policies = new Map<string, PolicyDoc>();
  /**
   * What the Policies API answers instead of `policies`, by SID (e.g. the Starter policy shaped as 002 §1.1
   * prints it); evaluations still judge by `policies`.
   */
  readonly servedPolicies = new Map<string, PolicyDoc>();
  /** Registrations other vendors already made with TCR (admin seeded), keyed by normalised mobile / email. */
  readonly tcrMobileUsage = new Map<string, number>();
  readonly tcrEmailUsage = new Map<string, number>();
  readonly neverReply = new Set<string>();
  /** Scripted brand outcomes by normalised mobile number (POST /_sandbox/brand-outcomes): how its next registrations end. */
  readonly brandOutcomes = new Map<string, { outcome: ForcedBrandState; remaining: number }>();
  readonly requestLog: RequestLogEntry[] = [];
  otps = 0;
  readonly startedAt = Date.now();
  /** The main account's store (itself for the main account). */
  readonly root: Store;
  /** The parent account's store, for a subaccount: its primary customer profile may support the subaccount's. */
  readonly parent: Store | undefined;
  /** Every account's store, main first (kept on the root). */
  readonly accountStores: Store[] = [];

  constructor(parent?: Store) {
    this.parent = parent;
    this.root = parent?.root ?? this;
    if (parent) {
      const r = this.root;
      this.policies = r.policies;
      this.servedPolicies = r.servedPolicies;
      this.tcrMobileUsage = r.tcrMobileUsage;
      this.tcrEmailUsage = r.tcrEmailUsage;
      this.neverReply = r.neverReply;
      this.brandOutcomes = r.brandOutcomes;
      this.requestLog = r.requestLog;
    }
    this.root.accountStores.push(this);
  }

  /** Brands of every account: TCR counts a mobile number's or email's registrations across all of them. */
  everyBrand(): Brand[] {
    return this.root.accountStores.flatMap((s) => [...s.brands.values()]);
  }

  /** Numbers any account owns (not for sale to another). */
  everyPhoneNumber(): PhoneNumber[] {
    return this.root.accountStores.flatMap((s) => [...s.phoneNumbers.values()]);
  }

  /**
   * A primary customer profile of the parent account (Secondary Business policy, no other business profile
   * assigned to it): the one kind of another account's bundle a subaccount's customer profile may be assigned.
   */
  parentPrimaryProfile(sid: string): Bundle | undefined {
    const p = this.parent?.customerProfiles.get(sid);
    if (!p || p.policySid !== POLICY_SECONDARY_BUSINESS) return undefined;
    return this.parent?.assignedProfiles(sid).some((q) => q.sid !== sid && q.policySid === POLICY_SECONDARY_BUSINESS) ? undefined : p;
  }

  /** A customer profile of this account, or (for a subaccount) of its parent: the ISV's primary profile stays there. */
  profileInReach(sid: string): Bundle | undefined {
    return this.customerProfiles.get(sid) ?? this.parent?.customerProfiles.get(sid);
  }

  bundle(sid: string): Bundle | undefined {
    return this.customerProfiles.get(sid) ?? this.trustProducts.get(sid);
  }

  vettingsOf(brandSid: string): Vetting[] {
    return [...this.vettings.values()].filter((v) => v.brandSid === brandSid);
  }

  assignmentsOf(bundleSid: string): Assignment[] {
    return [...this.assignments.values()].filter((a) => a.bundleSid === bundleSid);
  }

  /** Bundles (customer profiles or trust products) that have `objectSid` assigned. */
  bundlesAssigning(objectSid: string): Bundle[] {
    const out: Bundle[] = [];
    for (const a of this.assignments.values()) {
      if (a.objectSid !== objectSid) continue;
      const b = this.bundle(a.bundleSid);
      if (b) out.push(b);
    }
    return out;
  }

  assignedEndUsers(bundleSid: string, type: string): EndUser[] {
    return this.assignmentsOf(bundleSid)
      .map((a) => this.endUsers.get(a.objectSid))
      .filter((e): e is EndUser => e !== undefined && e.type === type);
  }

  assignedDocuments(bundleSid: string, type: string): SupportingDocument[] {
    return this.assignmentsOf(bundleSid)
      .map((a) => this.supportingDocuments.get(a.objectSid))
      .filter((d): d is SupportingDocument => d !== undefined && d.type === type);
  }

  endpointsOf(bundleSid: string): ChannelEndpointAssignment[] {
    return [...this.channelEndpointAssignments.values()].filter((a) => a.bundleSid === bundleSid);
  }

  assignedProfiles(bundleSid: string): Bundle[] {
    return this.assignmentsOf(bundleSid)
      .map((a) => this.profileInReach(a.objectSid))
      .filter((b): b is Bundle => b !== undefined);
  }
}

export function normaliseMobile(m: string): string {
  const digits = m.replace(/[^\d]/g, '');
  return digits.length === 10 ? `1${digits}` : digits;
}

export function normaliseEmail(e: string): string {
  return e.trim().toLowerCase();
}
