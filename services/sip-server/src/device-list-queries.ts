import {
  buildPresetQuery,
  buildRecordInfoQuery,
  createPresetAssembler,
  createRecordInfoAssembler,
  formatGbLocalTime,
  parseGbLocalTime,
  type ManscdpMessage,
  type PresetItem,
  type RecordItem,
} from "@ivc/gb28181";
import type { Clock } from "./clock.js";
import { charsetOf, DeviceQueryError } from "./device-queries.js";
import type { DeviceRequester } from "./device-requester.js";
import { PendingAssemblies } from "./pending-assemblies.js";
import type { Registration } from "./registration-store.js";
import type { SnCounter } from "./sn-counter.js";

export interface DeviceListQueriesOptions {
  requester: DeviceRequester;
  sn: SnCounter;
  clock: Clock;
  /** Idle time after the query or the latest part before answering with what arrived. */
  timeoutMs: number;
  /** DEVICE_TIME_ZONE in minutes east of UTC: RecordInfo times are device-local without a zone (A.2.1). */
  deviceUtcOffsetMinutes: number;
}

export interface RecordQueryAnswer {
  sumNum: number;
  partial: boolean;
  items: Array<{ start: number; end: number; name?: string; type?: string }>;
}

export interface PresetQueryAnswer {
  presets: Array<{ index: number; name: string }>;
  partial: boolean;
}

/**
 * Queries whose answers come as lists in several MESSAGEs: RecordInfo (GB/T 28181-2016 §9.7,
 * A.2.4.5 / A.2.6.6) and PresetQuery (A.2.4.11 / A.2.6.9 in the 2022 edition).
 */
export class DeviceListQueries {
  private readonly records: PendingAssemblies<RecordItem>;
  private readonly presetLists: PendingAssemblies<PresetItem>;

  constructor(private readonly options: DeviceListQueriesOptions) {
    this.records = new PendingAssemblies(createRecordInfoAssembler({ timeoutMs: options.timeoutMs }), options.clock, "RecordInfo");
    this.presetLists = new PendingAssemblies(createPresetAssembler({ timeoutMs: options.timeoutMs }), options.clock, "PresetQuery");
  }

  get retained(): Record<string, number> {
    const records = this.records.retained;
    const presets = this.presetLists.retained;
    return { recordInfoWaiters: records.waiters, recordInfoAssemblies: records.assemblies, presetWaiters: presets.waiters, presetAssemblies: presets.assemblies };
  }

  /** The channel's recordings overlapping [start, end] (epoch seconds), sorted by start. */
  async recordInfo(registration: Registration, channelId: string, start: number, end: number, type = "all"): Promise<RecordQueryAnswer> {
    const offset = this.options.deviceUtcOffsetMinutes;
    const result = await this.ask(registration, this.records, (sn, charset) =>
      buildRecordInfoQuery({
        sn,
        deviceId: channelId,
        charset,
        startTime: formatGbLocalTime(start, offset),
        endTime: formatGbLocalTime(end, offset),
        type,
      }),
    );
    const items = result.items
      .map((item) => toEpochItem(item, offset))
      .filter((item) => item !== undefined)
      .sort((a, b) => a.start - b.start);
    return { sumNum: result.sumNum ?? items.length, partial: result.partial, items };
  }

  async presets(registration: Registration, channelId: string): Promise<PresetQueryAnswer> {
    const result = await this.ask(registration, this.presetLists, (sn, charset) => buildPresetQuery({ sn, deviceId: channelId, charset }));
    const presets = result.items
      .map((item) => ({ index: Number(item.presetId), name: item.presetName ?? "" }))
      .filter((preset) => Number.isInteger(preset.index))
      .sort((a, b) => a.index - b.index);
    return { presets, partial: result.partial };
  }

  /** A list part from a device; false when it is not one we wait for. */
  accept(deviceId: string, message: ManscdpMessage): boolean {
    if (message.kind !== "Response") return false;
    if (message.cmdType === "RecordInfo") return this.records.add(deviceId, message.sn, partOf(message));
    if (message.cmdType === "PresetQuery") return this.presetLists.add(deviceId, message.sn, partOf(message));
    return false;
  }

  cancelDevice(deviceId: string): void {
    this.records.cancelDevice(deviceId);
    this.presetLists.cancelDevice(deviceId);
  }

  close(): void {
    this.records.close();
    this.presetLists.close();
  }

  private async ask<T>(registration: Registration, pending: PendingAssemblies<T>, build: (sn: number, charset: ReturnType<typeof charsetOf>) => Buffer) {
    const { deviceId } = registration;
    const sn = await this.options.sn.next(deviceId);
    const answer = pending.start(deviceId, sn);
    // Failing it below happens before the caller awaits it: not an unhandled rejection.
    answer.catch(() => undefined);
    let status: number | undefined;
    try {
      status = (await this.options.requester.message(registration, build(sn, charsetOf(registration)))).status;
    } catch (err) {
      pending.fail(deviceId, sn, new DeviceQueryError("sip_timeout", `query to ${deviceId} unanswered: ${err instanceof Error ? err.message : String(err)}`));
    }
    if (status !== undefined && status >= 300) pending.fail(deviceId, sn, new DeviceQueryError("device_refused", `device ${deviceId} answered the query with ${status}`));
    return answer;
  }
}

function partOf<T>(message: { sumNum?: number | undefined; items: readonly T[] }): { sumNum?: number; items: readonly T[] } {
  return message.sumNum === undefined ? { items: message.items } : { sumNum: message.sumNum, items: message.items };
}

function toEpochItem(item: RecordItem, offset: number): RecordQueryAnswer["items"][number] | undefined {
  const start = item.startTime === undefined ? undefined : parseGbLocalTime(item.startTime, offset);
  const end = item.endTime === undefined ? undefined : parseGbLocalTime(item.endTime, offset);
  if (start === undefined || end === undefined || end < start) return undefined;
  return { start, end, ...(item.name === undefined ? {} : { name: item.name }), ...(item.type === undefined ? {} : { type: item.type }) };
}
