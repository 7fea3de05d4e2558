/**
 * Per-domain download slots: how many requests to one host run at once and how far apart they
 * start. Behind a small interface so a limiter shared by many machines can replace it.
 *
 * Written here rather than on bottleneck: bottleneck's local datastore yields to a setTimeout(0)
 * on every job (LocalDatastore.yieldLoop), which measured 2.5 ms per job and capped one slot at
 * ~400 jobs/s (2,000 jobs at concurrency 16 took 4.9 s), below what an unthrottled crawl needs.
 */
import { TeineiError } from './errors.js';

/** How one slot is limited. */
export interface SlotPolicy {
  /** Requests in flight at once. */
  concurrency: number;
  /** Seconds between the starts of two requests. */
  delay: number;
  /** Spread each gap over 0.5–1.5 × delay. */
  randomizeDelay: boolean;
}

/** Runs tasks within per-slot limits. */
export interface SlotLimiter {
  /** Runs `task` when slot `key` allows it; rejects with SlotCancelled if cancelled while waiting. */
  run<T>(key: string, task: () => Promise<T>): Promise<T>;
  /** No task of slot `key` starts before `epochMs` (a partner's Retry-After or rate-limit reset). */
  pauseUntil(key: string, epochMs: number): void;
  /**
   * The partner's remaining budget for slot `key` until `resetAt` (epoch ms), as its rate-limit
   * headers said in the response that is finishing now: starts beyond it wait for the reset.
   */
  setBudget(key: string, remaining: number, resetAt: number): void;
  /** Epoch ms before which slot `key` starts nothing (0 when not paused). */
  pausedUntil(key: string): number;
  /** Changes a slot's delay at run time (AutoThrottle, Crawl-delay); `randomize: false` makes it a minimum gap. */
  setDelay(key: string, seconds: number, options?: { randomize?: boolean }): void;
  /** The slot's current delay in seconds. */
  delayOf(key: string): number;
  /** Rejects every task still waiting (not yet started) with SlotCancelled. */
  cancelWaiting(): void;
  /**
   * Rejects the tasks waiting in slot `key` (not yet started) with `error()`; returns how many.
   * Used when a partner asks for a pause longer than anyone will wait (retryAfterMax).
   */
  rejectWaiting?(key: string, error: () => Error): number;
  /**
   * The slot held back the most right now: the biggest of each slot's delay and the time left in
   * its pause (Retry-After, rate-limit reset); undefined when there is no slot. Read-only, for
   * progress lines. Optional so a shared limiter need not know every slot.
   */
  slowest?(): SlowestSlot | undefined;
  /** Cancels waiting tasks and stops timers. */
  close(): Promise<void>;
}

/** What `SlotLimiter.slowest()` reports. */
export interface SlowestSlot {
  /** The slot's key (its host). */
  key: string;
  /** Seconds the slot makes its next request wait: its delay, or what is left of a pause. */
  delaySeconds: number;
  /** Whether that wait is a partner's pause rather than the slot's delay. */
  paused: boolean;
}

/** `slowest slot api.partner.test 1.5 s` (or `… 30 s paused`) for progress lines; '' when nothing is slowed. */
export function describeSlowestSlot(slowest: SlowestSlot | undefined): string {
  if (!slowest || slowest.delaySeconds <= 0) return '';
  const seconds = slowest.delaySeconds >= 10 ? Math.round(slowest.delaySeconds) : Number(slowest.delaySeconds.toFixed(1));
  return `slowest slot ${slowest.key} ${seconds} s${slowest.paused ? ' paused' : ''}`;
}

/** A task that never started because its slot was closed. */
export class SlotCancelled extends TeineiError {
  override name = 'SlotCancelled';
}

interface Waiter {
  start: () => void;
  cancel: (error: Error) => void;
}

interface Slot {
  policy: SlotPolicy;
  active: number;
  waiting: Waiter[];
  /** Epoch ms before which the next task may not start (last start + delay, or a pause). */
  readyAt: number;
  /** Epoch ms of a partner-requested pause (Retry-After, rate-limit reset). */
  paused: number;
  /** Start times within the last second, oldest first (the per-second cap). */
  recent: number[];
  /** Starts the partner still allows before `budgetResetAt` (Infinity when it gave no budget). */
  budget: number;
  budgetResetAt: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Most starts a delay allows in any one-second window: randomized gaps (0.5–1.5 × delay) average
 * out, but a run of short ones must never exceed what the delay promises per second.
 */
function perSecondCap(delay: number): number {
  return delay > 0 ? Math.max(1, Math.floor(1 / delay + 1e-9)) : Infinity;
}

/**
 * How much longer than one second the per-second cap's window is. The partner counts arrivals,
 * not our starts: a request that reaches it late (a new connection, a busy event loop) and one
 * that reaches it fast can land closer together than they started. Measured on loopback, that
 * squeeze reached ~11 ms, enough for 11 arrivals in one second with a 1 ms margin.
 */
const CAP_MARGIN_MS = 25;

/** In-process slots: a counter and a FIFO of waiters per slot, one timer per waiting slot. */
export class MemorySlots implements SlotLimiter {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly policyFor: (key: string) => SlotPolicy) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const slot = this.slot(key);
    if (slot.waiting.length === 0 && slot.active < slot.policy.concurrency && Date.now() >= this.nextStart(slot)) {
      return this.execute(key, slot, task);
    }
    return new Promise<T>((resolve, reject) => {
      slot.waiting.push({ start: () => this.execute(key, slot, task).then(resolve, reject), cancel: reject });
      this.drain(key, slot);
    });
  }

  pauseUntil(key: string, epochMs: number): void {
    const slot = this.slot(key);
    slot.paused = Math.max(slot.paused, epochMs);
    slot.readyAt = Math.max(slot.readyAt, epochMs);
  }

  setBudget(key: string, remaining: number, resetAt: number): void {
    const slot = this.slot(key);
    // Called inside the finishing request's task: the others in flight were counted or not by the
    // partner; assume they will all be counted against what is left.
    slot.budget = remaining - (slot.active - 1);
    slot.budgetResetAt = resetAt;
  }

  pausedUntil(key: string): number {
    const paused = this.slots.get(key)?.paused ?? 0;
    return paused > Date.now() ? paused : 0;
  }

  setDelay(key: string, seconds: number, options: { randomize?: boolean } = {}): void {
    const slot = this.slot(key);
    slot.policy = { ...slot.policy, delay: seconds, randomizeDelay: options.randomize ?? slot.policy.randomizeDelay };
  }

  delayOf(key: string): number {
    return this.slot(key).policy.delay;
  }

  slowest(): SlowestSlot | undefined {
    const now = Date.now();
    let result: SlowestSlot | undefined;
    for (const [key, slot] of this.slots) {
      // An exhausted budget holds the slot like a pause does, until the partner's reset.
      const pausedMs = Math.max(slot.paused, slot.budget <= 0 ? slot.budgetResetAt : 0) - now;
      const paused = pausedMs / 1000 > slot.policy.delay;
      const delaySeconds = paused ? pausedMs / 1000 : slot.policy.delay;
      if (!result || delaySeconds > result.delaySeconds) result = { key, delaySeconds, paused };
    }
    return result;
  }

  cancelWaiting(): void {
    for (const [key, slot] of this.slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      const waiting = slot.waiting.splice(0);
      for (const waiter of waiting) waiter.cancel(new SlotCancelled(`Request waiting in slot ${key} was cancelled: the spider is closing`));
    }
  }

  rejectWaiting(key: string, error: () => Error): number {
    const slot = this.slots.get(key);
    if (!slot) return 0;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    const waiting = slot.waiting.splice(0);
    for (const waiter of waiting) waiter.cancel(error());
    return waiting.length;
  }

  async close(): Promise<void> {
    this.cancelWaiting();
    this.slots.clear();
  }

  private async execute<T>(key: string, slot: Slot, task: () => Promise<T>): Promise<T> {
    slot.active++;
    slot.budget--;
    const { delay, randomizeDelay } = slot.policy;
    if (delay > 0) {
      const now = Date.now();
      slot.readyAt = Math.max(slot.readyAt, now + delay * 1000 * (randomizeDelay ? 0.5 + Math.random() : 1));
      slot.recent.push(now);
      if (slot.recent.length > perSecondCap(delay)) slot.recent.shift();
    }
    try {
      return await task();
    } finally {
      slot.active--;
      if (slot.waiting.length) this.drain(key, slot);
    }
  }

  private drain(key: string, slot: Slot): void {
    while (slot.waiting.length && slot.active < slot.policy.concurrency) {
      const wait = this.nextStart(slot) - Date.now();
      if (wait > 0) {
        slot.timer ??= setTimeout(() => {
          slot.timer = undefined;
          this.drain(key, slot);
        }, wait);
        return;
      }
      slot.waiting.shift()!.start();
    }
  }

  /** When the next start may happen: after the spacing, any pause, the per-second cap and the partner's budget. */
  private nextStart(slot: Slot): number {
    const cap = perSecondCap(slot.policy.delay);
    // The margin also covers Date.now()'s 1 ms steps: a start exactly 1000 ms after the oldest
    // would share a closed one-second window with it.
    const capped = slot.recent.length >= cap ? slot.recent[slot.recent.length - cap]! + 1000 + CAP_MARGIN_MS : 0;
    if (slot.budget <= 0 && slot.budgetResetAt <= Date.now()) {
      // After a reset the partner's new budget is unknown (a sliding window frees one request, a
      // fixed one all): one start, whose response sets the real budget. Without an answer within
      // the slot's delay (or a second when it has none), one more rather than stall.
      slot.budget = 1;
      slot.budgetResetAt = Date.now() + (slot.policy.delay > 0 ? slot.policy.delay * 1000 : 1000);
    }
    const budgeted = slot.budget <= 0 ? slot.budgetResetAt : 0;
    return Math.max(slot.readyAt, capped, budgeted);
  }

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { policy: this.policyFor(key), active: 0, waiting: [], readyAt: 0, paused: 0, recent: [], budget: Infinity, budgetResetAt: 0, timer: undefined };
      this.slots.set(key, slot);
    }
    return slot;
  }
}
