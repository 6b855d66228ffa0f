import { randomUUID } from 'node:crypto';
import type { LedgerKeys } from './keys.js';
import type { ScriptedRedis } from './scripts.js';

/**
 * One create at a time per customer and resource. BullMQ can run one job twice at once (a worker
 * starved past its lock looks stalled, and another worker takes the job), and a sweep can re-queue
 * a stage while its job still runs. The ledger's intent is no lock: two tries could both create.
 * This lease is: one try per customer and resource may be creating. It expires on its own, so a
 * try killed mid-create holds it for `leaseMs` at most.
 */
export class CreateLeases {
  constructor(
    private readonly redis: ScriptedRedis,
    private readonly keys: LedgerKeys,
    /** How long a try may hold a lease: longer than one Twilio call can take. */
    readonly leaseMs: number,
  ) {}

  /** A token to release with, or how long the other try's lease still runs. */
  async claim(customerId: string, name: string, leaseMs = this.leaseMs): Promise<{ token: string } | { busyForMs: number }> {
    const key = this.keys.creating(customerId, name);
    const token = randomUUID();
    const ok = await this.redis.set(key, token, 'PX', leaseMs, 'NX');
    if (ok === 'OK') return { token };
    return { busyForMs: Math.max(50, await this.redis.pttl(key)) };
  }

  /** Give the lease back, unless it expired and another try holds it now. */
  async release(customerId: string, name: string, token: string): Promise<void> {
    await this.redis.a2pReleaseLease(this.keys.creating(customerId, name), token);
  }
}
