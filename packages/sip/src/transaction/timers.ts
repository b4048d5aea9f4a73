/** Injected clock so transactions can be driven by a fake one in tests. */
export interface TransactionTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

/** RFC 3261 §17.1.1.1 / table 4 base values, in milliseconds. */
export interface TimerConfig {
  /** RTT estimate (500 ms). */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses (4 s). */
  t2: number;
  /** Maximum duration a message remains in the network (5 s). */
  t4: number;
}

export const DEFAULT_TIMER_CONFIG: TimerConfig = { t1: 500, t2: 4000, t4: 5000 };

/** Timers named as in RFC 3261 table 4. */
export type TimerName = "A" | "B" | "D" | "E" | "F" | "K" | "G" | "H" | "I" | "J";

export const nodeTimers: TransactionTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};
