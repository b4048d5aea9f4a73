import type { Redis } from "ioredis";
import type { SipDestination, SipDialog } from "@ivc/sip";
import { RedisScript } from "./redis-script.js";

/** An INVITE dialog for one stream, as kept in Redis so any instance (or a restarted one) can end it. */
export interface MediaDialog {
  dialog: SipDialog;
  streamId: string;
  deviceId: string;
  channelId: string;
  /** Where in-dialog requests go when the device's registration is gone (its address at INVITE time). */
  destination: SipDestination;
  createdAt: number;
}

// Removing the dialog and its device-index entry in one step lets exactly one caller act on it
// (a sip.bye from the relay racing a BYE from the device, or two instances).
const TAKE = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if not value then return false end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return value`);

/**
 * Media dialogs under `ivc:sip:<cluster>:dialog:<callId>` (JSON) with a per-device set of
 * Call-IDs. GB28181 platforms mint the Call-ID, so it is unique without the tags.
 */
export class MediaDialogStore {
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
  ) {
    this.prefix = `ivc:sip:${namespace}:`;
  }

  async save(record: MediaDialog): Promise<void> {
    await this.redis
      .multi()
      .set(this.dialogKey(record.dialog.callId), JSON.stringify(record))
      .sadd(this.deviceKey(record.deviceId), record.dialog.callId)
      .exec();
  }

  async get(callId: string): Promise<MediaDialog | undefined> {
    return parseMediaDialog(await this.redis.get(this.dialogKey(callId)));
  }

  /** Removes and returns the dialog; undefined when it is gone (someone else ended it). */
  async take(callId: string, deviceId: string): Promise<MediaDialog | undefined> {
    const value = (await TAKE.run(this.redis, [this.dialogKey(callId), this.deviceKey(deviceId)], [callId])) as string | null;
    return parseMediaDialog(value);
  }

  async callIdsOf(deviceId: string): Promise<string[]> {
    return this.redis.smembers(this.deviceKey(deviceId));
  }

  private dialogKey(callId: string): string {
    return `${this.prefix}dialog:${callId}`;
  }

  private deviceKey(deviceId: string): string {
    return `${this.prefix}device-dialogs:${deviceId}`;
  }
}

function parseMediaDialog(value: string | null): MediaDialog | undefined {
  if (value === null) return undefined;
  try {
    const parsed = JSON.parse(value) as MediaDialog;
    return typeof parsed.dialog?.callId === "string" && typeof parsed.streamId === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
