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
}
