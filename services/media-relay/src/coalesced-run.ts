/**
 * Runs `work` one call at a time. A call while a run is under way makes it run once more when it
 * ends (however many calls came meanwhile), so a change announced during a run is not missed and
 * runs never overlap; such a call gets the same promise, which resolves with every round's result.
 * A round that throws ends the run with its error (a pending round is dropped: the next call
 * starts afresh).
 */
export class CoalescedRun<T> {
  private running: Promise<T[]> | undefined;
  private again = false;

  constructor(private readonly work: () => Promise<T>) {}

  run(): Promise<T[]> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      const rounds: T[] = [];
      try {
        do {
          this.again = false;
          rounds.push(await this.work());
        } while (this.again);
        return rounds;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** The run under way, if any (a caller that must wait for it before stopping). */
  get current(): Promise<T[]> | undefined {
    return this.running;
  }
}
