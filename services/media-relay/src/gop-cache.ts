/**
 * The items since the last keyframe, so a new viewer can start decoding at once instead of
 * waiting for the next keyframe. Bounded: a GOP larger than `maxBytes` is not cached (viewers
 * joining then wait for the next keyframe).
 */
export class GopCache<T> {
  private items: T[] = [];
  private bytes = 0;
  private overflowed = true;

  constructor(
    private readonly sizeOf: (item: T) => number,
    private readonly maxBytes: number,
  ) {}

  push(item: T, keyframe: boolean): void {
    if (keyframe) {
      this.items = [];
      this.bytes = 0;
      this.overflowed = false;
    }
    if (this.overflowed) return;
    this.bytes += this.sizeOf(item);
    if (this.bytes > this.maxBytes) {
      this.items = [];
      this.overflowed = true;
      return;
    }
    this.items.push(item);
  }

  /** Starts with a keyframe, or is empty. */
  snapshot(): readonly T[] {
    return this.items;
  }
}
