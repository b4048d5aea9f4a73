import type { TimerEvent, TransactionAction, Transition } from "./actions.js";
import type { TimerName, TransactionTimers } from "./timers.js";

export const TERMINATED = "Terminated";

/**
 * The stateful shell around a pure transition function: owns the RFC timers,
 * performs the actions, and reports termination once.
 */
export class TransactionRunner<C extends { state: string }, E extends { type: string }> {
  private context: C;
  private readonly handles = new Map<TimerName, unknown>();
  private readonly queue: E[] = [];
  private running = false;
  private ended = false;

  constructor(
    start: Transition<C>,
    private readonly transition: (context: C, event: E) => Transition<C>,
    private readonly timers: TransactionTimers,
    /** Performs the non-timer actions; returns an event to feed back (e.g. a transport error) or nothing. */
    private readonly perform: (action: TransactionAction) => E | undefined,
    private readonly onTerminated: () => void,
  ) {
    this.context = start.context;
    this.run(start.actions);
  }

  get state(): C["state"] {
    return this.context.state;
  }

  dispatch(event: E): void {
    this.queue.push(event);
    if (this.running) return;
    this.running = true;
    try {
      for (let next = this.queue.shift(); next && !this.ended; next = this.queue.shift()) {
        const result = this.transition(this.context, next);
        this.context = result.context;
        this.run(result.actions);
      }
    } finally {
      this.running = false;
      this.queue.length = 0;
    }
  }

  /** Stops every timer without running the state machine (shutdown). */
  abort(): void {
    this.end();
  }

  private run(actions: TransactionAction[]): void {
    for (const action of actions) {
      if (this.ended) return;
      if (action.type === "startTimer") this.startTimer(action.timer, action.ms);
      else if (action.type === "stopTimer") this.stopTimer(action.timer);
      else {
        const feedback = this.perform(action);
        if (feedback) this.dispatch(feedback);
      }
    }
    if (this.context.state === TERMINATED) this.end();
  }

  private startTimer(timer: TimerName, ms: number): void {
    this.stopTimer(timer);
    // Every transaction's event union includes TimerEvent.
    const event = { type: "timer", timer } satisfies TimerEvent as unknown as E;
    // A zero duration (reliable transports) fires right after the current actions.
    if (ms === 0) this.queueOrDispatch(event);
    else this.handles.set(timer, this.timers.setTimeout(() => this.dispatch(event), ms));
  }

  private queueOrDispatch(event: E): void {
    if (this.running) this.queue.push(event);
    else this.dispatch(event);
  }

  private stopTimer(timer: TimerName): void {
    const handle = this.handles.get(timer);
    if (handle === undefined) return;
    this.timers.clearTimeout(handle);
    this.handles.delete(timer);
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const handle of this.handles.values()) this.timers.clearTimeout(handle);
    this.handles.clear();
    this.onTerminated();
  }
}
