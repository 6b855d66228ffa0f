import type { EventEmitter } from 'node:events';
import type { Timers } from './clock.js';
import type { A2pEvents, EventStreams } from './event-streams.js';
import type { Lifecycle } from './lifecycle.js';
import type { SandboxOptions } from './options.js';
import type { SlidingWindowLimiter } from './rate-limit.js';
import type { Store } from './store.js';

/** Everything a route handler may use. */
export interface SandboxContext {
  readonly options: SandboxOptions;
  readonly store: Store;
  readonly timers: Timers;
  readonly lifecycle: Lifecycle;
  readonly otpLimiter: SlidingWindowLimiter;
  readonly isvPrimaryProfileSid: string;
  /** Test hooks (see Sandbox.events): `created` fires when a create succeeded, before its answer is sent. */
  readonly events?: EventEmitter;
  /** Event Streams deliveries (the delivery log, custom events) and the brand/campaign event source. */
  readonly eventStreams?: EventStreams;
  readonly a2pEvents?: A2pEvents;
}
