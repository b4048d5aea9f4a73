import type { PtzCommand } from "@ivc/gb28181";

/** A preset as the device lists it in a PresetQuery answer. */
export interface Preset {
  readonly index: number;
  readonly name: string;
}

/** Every channel's presets, changed by PTZCmd 0x81 (set) and 0x83 (delete), GB/T 28181-2016 A.3.4. */
export class PresetTable {
  private readonly byChannel = new Map<string, Map<number, string>>();

  constructor(private readonly initial: readonly Preset[]) {}

  list(channelId: string): Preset[] {
    return [...this.channel(channelId)].map(([index, name]) => ({ index, name })).sort((a, b) => a.index - b.index);
  }

  /** Applies a preset command; false for goto/delete of a preset that does not exist (the device answers ERROR). */
  apply(channelId: string, command: Extract<PtzCommand, { type: "preset" }>): boolean {
    const presets = this.channel(channelId);
    switch (command.action) {
      case "set":
        presets.set(command.index, presets.get(command.index) ?? `预置点${command.index}`);
        return true;
      case "goto":
        return presets.has(command.index);
      case "delete":
        return presets.delete(command.index);
    }
  }

  private channel(channelId: string): Map<number, string> {
    let presets = this.byChannel.get(channelId);
    if (!presets) {
      presets = new Map(this.initial.map((preset) => [preset.index, preset.name]));
      this.byChannel.set(channelId, presets);
    }
    return presets;
  }
}
