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
  /** Changes a slot's delay at run time (AutoThrottle). */
  setDelay(key: string, seconds: number): void;
  /** The slot's current delay in seconds. */
  delayOf(key: string): number;
  /** Rejects every task still waiting (not yet started) with SlotCancelled. */
  cancelWaiting(): void;
  /** Cancels waiting tasks and stops timers. */
  close(): Promise<void>;
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
  timer: NodeJS.Timeout | undefined;
}

/** In-process slots: a counter and a FIFO of waiters per slot, one timer per waiting slot. */
export class MemorySlots implements SlotLimiter {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly policyFor: (key: string) => SlotPolicy) {}

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const slot = this.slot(key);
    if (slot.waiting.length === 0 && slot.active < slot.policy.concurrency && Date.now() >= slot.readyAt) {
      return this.execute(key, slot, task);
    }
    return new Promise<T>((resolve, reject) => {
      slot.waiting.push({ start: () => this.execute(key, slot, task).then(resolve, reject), cancel: reject });
      this.drain(key, slot);
    });
  }

  pauseUntil(key: string, epochMs: number): void {
    const slot = this.slot(key);
    slot.readyAt = Math.max(slot.readyAt, epochMs);
  }

  setDelay(key: string, seconds: number): void {
    const slot = this.slot(key);
    slot.policy = { ...slot.policy, delay: seconds };
  }

  delayOf(key: string): number {
    return this.slot(key).policy.delay;
  }

  cancelWaiting(): void {
    for (const [key, slot] of this.slots) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      const waiting = slot.waiting.splice(0);
      for (const waiter of waiting) waiter.cancel(new SlotCancelled(`Request waiting in slot ${key} was cancelled: the spider is closing`));
    }
  }

  async close(): Promise<void> {
    this.cancelWaiting();
    this.slots.clear();
  }

  private async execute<T>(key: string, slot: Slot, task: () => Promise<T>): Promise<T> {
    slot.active++;
    const { delay, randomizeDelay } = slot.policy;
    if (delay > 0) slot.readyAt = Math.max(slot.readyAt, Date.now() + delay * 1000 * (randomizeDelay ? 0.5 + Math.random() : 1));
    try {
      return await task();
    } finally {
      slot.active--;
      if (slot.waiting.length) this.drain(key, slot);
    }
  }

  private drain(key: string, slot: Slot): void {
    while (slot.waiting.length && slot.active < slot.policy.concurrency) {
      const wait = slot.readyAt - Date.now();
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

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { policy: this.policyFor(key), active: 0, waiting: [], readyAt: 0, timer: undefined };
      this.slots.set(key, slot);
    }
    return slot;
  }
}
