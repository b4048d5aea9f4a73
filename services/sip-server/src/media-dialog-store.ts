import type { Redis } from "ioredis";
import type { SipDestination, SipDialog } from "@ivc/sip";
import type { InviteKind } from "./invite-sdp.js";
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
  /** Absent in dialogs saved before playback existed: those were live. */
  kind?: InviteKind;
}

/** CSeqs for the next request in a dialog: SIP (RFC 3261 §12.2.1.1) and MANSRTSP (GB/T 28181 Annex B). */
export interface DialogSequences {
  sip: number;
  mansrtsp: number;
}

// Removing the dialog, its device-index entry, its stream index (if still ours) and its CSeq
// counters in one step lets exactly one caller act on it (a sip.bye from the relay racing a BYE
// from the device, or two instances). Returns the JSON and the last SIP CSeq an INFO used.
const TAKE = new RedisScript(`
local value = redis.call('GET', KEYS[1])
if not value then return false end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
local streamKey = ARGV[2] .. 'stream-dialog:' .. cjson.decode(value).streamId
if redis.call('GET', streamKey) == ARGV[1] then redis.call('DEL', streamKey) end
local seq = redis.call('HGET', KEYS[3], 'sip')
redis.call('DEL', KEYS[3])
return {value, seq or ''}`);

// The counters start at the INVITE's CSeq; nothing is counted for a dialog that is gone.
const NEXT_SEQUENCES = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSETNX', KEYS[2], 'sip', ARGV[1])
return {redis.call('HINCRBY', KEYS[2], 'sip', 1), redis.call('HINCRBY', KEYS[2], 'mansrtsp', 1)}`);

/**
 * Media dialogs under `ivc:sip:<cluster>:dialog:<callId>` (JSON) with a per-device set of
 * Call-IDs, `stream-dialog:<streamId>` → Call-ID, and `dialog-seq:<callId>` with the CSeqs of
 * in-dialog requests (INFO) sent since the INVITE. GB28181 platforms mint the Call-ID, so it is
 * unique without the tags.
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
      .set(this.streamKey(record.streamId), record.dialog.callId)
      .exec();
  }

  /** The latest dialog saved for a stream, while it lasts. */
  async byStream(streamId: string): Promise<MediaDialog | undefined> {
    const callId = await this.redis.get(this.streamKey(streamId));
    return callId === null ? undefined : this.get(callId);
  }

  /** Draws the CSeqs for one more in-dialog request; undefined when the dialog ended meanwhile. */
  async nextSequences(record: MediaDialog): Promise<DialogSequences | undefined> {
    const { callId, localSeq } = record.dialog;
    const drawn = (await NEXT_SEQUENCES.run(this.redis, [this.dialogKey(callId), this.seqKey(callId)], [localSeq])) as [number, number] | null;
    return drawn ? { sip: drawn[0], mansrtsp: drawn[1] } : undefined;
  }

  async get(callId: string): Promise<MediaDialog | undefined> {
    return parseMediaDialog(await this.redis.get(this.dialogKey(callId)));
  }

  /** Removes and returns the dialog; undefined when it is gone (someone else ended it). */
  async take(callId: string, deviceId: string): Promise<MediaDialog | undefined> {
    const taken = (await TAKE.run(this.redis, [this.dialogKey(callId), this.deviceKey(deviceId), this.seqKey(callId)], [callId, this.prefix])) as
      | [string, string]
      | null;
    const record = parseMediaDialog(taken?.[0] ?? null);
    const usedSeq = Number(taken?.[1]);
    // A BYE must follow the INFOs' CSeqs, not the INVITE's.
    if (record && Number.isInteger(usedSeq) && usedSeq > record.dialog.localSeq) record.dialog.localSeq = usedSeq;
    return record;
  }

  async callIdsOf(deviceId: string): Promise<string[]> {
    return this.redis.smembers(this.deviceKey(deviceId));
  }

  private dialogKey(callId: string): string {
    return `${this.prefix}dialog:${callId}`;
  }

  private streamKey(streamId: string): string {
    return `${this.prefix}stream-dialog:${streamId}`;
  }

  private seqKey(callId: string): string {
    return `${this.prefix}dialog-seq:${callId}`;
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
