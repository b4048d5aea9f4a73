import type { PlayRecord, PtzAction } from "@ivc/bus";
import type { ChannelControl, ChannelTarget, DevicePreset, PlaybackCommand, PresetCommand, RecordingSpan } from "../../src/bus/channel-control.js";
import type { Outcome } from "../../src/errors/outcome.js";
import { succeed } from "../../src/errors/outcome.js";

export type ChannelCall =
  | { op: "ptz"; target: ChannelTarget; action: PtzAction; speed: number }
  | { op: "preset"; target: ChannelTarget; command: PresetCommand; index: number }
  | { op: "presets"; target: ChannelTarget }
  | { op: "recordings"; target: ChannelTarget; start: number; end: number }
  | { op: "playback"; clusterId: string; streamId: string; command: PlaybackCommand }
  | { op: "plays"; target: ChannelTarget };

/** Records what control routes ask of signaling and answers what the test scripts. */
export class FakeChannelControl implements ChannelControl {
  readonly calls: ChannelCall[] = [];
  /** Answer of ptz, preset and playback. */
  commandAnswer: Outcome<null> = succeed(null);
  presetsAnswer: Outcome<DevicePreset[]> = succeed([]);
  recordingsAnswer: Outcome<RecordingSpan[]> = succeed([]);
  playsAnswer: Outcome<PlayRecord[]> = succeed([]);
  /** When set (bus tests), calls go on to the real control after being recorded. */
  forwardTo: ChannelControl | undefined;

  async ptz(target: ChannelTarget, action: PtzAction, speed: number): Promise<Outcome<null>> {
    this.calls.push({ op: "ptz", target, action, speed });
    return this.forwardTo ? this.forwardTo.ptz(target, action, speed) : this.commandAnswer;
  }

  async preset(target: ChannelTarget, command: PresetCommand, index: number): Promise<Outcome<null>> {
    this.calls.push({ op: "preset", target, command, index });
    return this.forwardTo ? this.forwardTo.preset(target, command, index) : this.commandAnswer;
  }

  async presets(target: ChannelTarget): Promise<Outcome<DevicePreset[]>> {
    this.calls.push({ op: "presets", target });
    return this.forwardTo ? this.forwardTo.presets(target) : this.presetsAnswer;
  }

  async recordings(target: ChannelTarget, start: number, end: number): Promise<Outcome<RecordingSpan[]>> {
    this.calls.push({ op: "recordings", target, start, end });
    return this.forwardTo ? this.forwardTo.recordings(target, start, end) : this.recordingsAnswer;
  }

  async playback(clusterId: string, streamId: string, command: PlaybackCommand): Promise<Outcome<null>> {
    this.calls.push({ op: "playback", clusterId, streamId, command });
    return this.forwardTo ? this.forwardTo.playback(clusterId, streamId, command) : this.commandAnswer;
  }

  async plays(target: ChannelTarget): Promise<Outcome<PlayRecord[]>> {
    this.calls.push({ op: "plays", target });
    return this.forwardTo ? this.forwardTo.plays(target) : this.playsAnswer;
  }

  /** Forgets calls and scripted answers between tests. */
  reset(): void {
    this.calls.length = 0;
    this.commandAnswer = succeed(null);
    this.presetsAnswer = succeed([]);
    this.recordingsAnswer = succeed([]);
    this.playsAnswer = succeed([]);
  }
}
