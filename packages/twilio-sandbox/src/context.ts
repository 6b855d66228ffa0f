import type { EventEmitter } from 'node:events';
import type { Timers } from './clock.js';
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
}
