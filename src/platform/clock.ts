/**
 * Time and randomness are injected so tests of expiry, renewal, schedules and retention need no
 * sleeping. Production code takes a Clock; only `systemClock` reads the real time.
 */
import { randomBytes } from 'node:crypto';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told: for tests. */
export class ManualClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(d: Date): void {
    this.current = new Date(d);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export type RandomSource = (n: number) => Buffer;
export const systemRandom: RandomSource = (n) => randomBytes(n);
