import type { PushedStream } from "./pushed-stream.js";

/** The streams RTMP devices currently publish to this relay, by stream id. */
export class PushedStreams {
  private readonly streams = new Map<string, PushedStream>();

  get size(): number {
    return this.streams.size;
  }

  get(streamId: string): PushedStream | undefined {
    return this.streams.get(streamId);
  }

  add(stream: PushedStream): void {
    this.streams.set(stream.streamId, stream);
  }

  remove(stream: PushedStream): void {
    if (this.streams.get(stream.streamId) === stream) this.streams.delete(stream.streamId);
  }

  all(): IterableIterator<PushedStream> {
    return this.streams.values();
  }
}
