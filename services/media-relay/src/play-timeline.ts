import type { PlayRecord } from "@ivc/bus";

export type PlayStage = PlayRecord["stages"][number]["stage"];

export interface TimelineLogger {
  info(obj: object, msg: string): void;
}

/** The stages of one play, each stamped once (the first time it happens). */
export class PlayTimeline {
  constructor(
    readonly record: PlayRecord,
    private readonly logger: TimelineLogger,
  ) {}

  mark(stage: PlayStage, detail?: string, at = Date.now()): void {
    const { stages } = this.record;
    if (stages.some((s) => s.stage === stage)) return;
    stages.push(detail === undefined ? { stage, at } : { stage, at, detail });
    const sinceRequestMs = at - (stages[0]?.at ?? at);
    this.logger.info({ streamId: this.record.streamId, stage, sinceRequestMs, ...(detail !== undefined ? { detail } : {}) }, "play stage");
  }

  has(stage: PlayStage): boolean {
    return this.record.stages.some((s) => s.stage === stage);
  }

  end(outcome: string): void {
    if (this.record.outcome === undefined) this.record.outcome = outcome;
  }
}

/**
 * The last `perChannel` plays of each channel, newest first. Channels are forgotten oldest-first
 * beyond `maxChannels`, so the store stays bounded however many channels are played.
 */
export class TimelineStore {
  private readonly byChannel = new Map<string, PlayRecord[]>();

  constructor(
    private readonly logger: TimelineLogger,
    private readonly perChannel = 20,
    private readonly maxChannels = 10_000,
  ) {}

  begin(init: Omit<PlayRecord, "stages" | "outcome">): PlayTimeline {
    const record: PlayRecord = { ...init, stages: [] };
    const list = this.byChannel.get(init.channelId) ?? [];
    this.byChannel.delete(init.channelId);
    list.unshift(record);
    list.length = Math.min(list.length, this.perChannel);
    this.byChannel.set(init.channelId, list);
    if (this.byChannel.size > this.maxChannels) {
      const oldest = this.byChannel.keys().next().value;
      if (oldest !== undefined) this.byChannel.delete(oldest);
    }
    const timeline = new PlayTimeline(record, this.logger);
    timeline.mark("request");
    return timeline;
  }

  plays(channelId: string): PlayRecord[] {
    return this.byChannel.get(channelId) ?? [];
  }
}
