/** RTMP messages (Adobe RTMP spec 1.0 §5.4, §6.2, §7.1). */

export const RtmpMessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  CommandAmf3: 17,
  DataAmf0: 18,
  CommandAmf0: 20,
  Aggregate: 22,
} as const;

/** User Control event types (§6.2 / §7.1.7). */
export const UserControlEvent = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/** Set Peer Bandwidth limit types (§5.4.5). */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;

export interface RtmpMessage {
  /** Chunk stream the message travels on (2 = protocol control). */
  chunkStreamId: number;
  type: number;
  /** Message stream id; 0 carries connection-level commands. */
  streamId: number;
  /** Milliseconds, 32-bit, wrapping. */
  timestamp: number;
  payload: Buffer;
}

/** Protocol control messages use chunk stream 2 and message stream 0 (§5.4). */
export const CONTROL_CHUNK_STREAM = 2;

function control(type: number, payload: Buffer): RtmpMessage {
  return { chunkStreamId: CONTROL_CHUNK_STREAM, type, streamId: 0, timestamp: 0, payload };
}

function uint32(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}

export function setChunkSizeMessage(size: number): RtmpMessage {
  // Bit 31 must be zero (§5.4.1).
  return control(RtmpMessageType.SetChunkSize, uint32(size & 0x7fffffff));
}

export function windowAckSizeMessage(size: number): RtmpMessage {
  return control(RtmpMessageType.WindowAckSize, uint32(size));
}

export function acknowledgementMessage(sequence: number): RtmpMessage {
  return control(RtmpMessageType.Acknowledgement, uint32(sequence));
}

export function setPeerBandwidthMessage(size: number, limit: number): RtmpMessage {
  return control(RtmpMessageType.SetPeerBandwidth, Buffer.concat([uint32(size), Buffer.from([limit])]));
}

export function userControlMessage(event: number, value: number): RtmpMessage {
  const payload = Buffer.allocUnsafe(6);
  payload.writeUInt16BE(event, 0);
  payload.writeUInt32BE(value >>> 0, 2);
  return control(RtmpMessageType.UserControl, payload);
}

export type ControlMessage =
  | { kind: "set-chunk-size"; size: number }
  | { kind: "abort"; chunkStreamId: number }
  | { kind: "ack"; sequence: number }
  | { kind: "window-ack-size"; size: number }
  | { kind: "set-peer-bandwidth"; size: number; limit: number }
  | { kind: "user-control"; event: number; value: number };

/** The protocol control message in `message`, or undefined when it is none or too short. */
export function parseControlMessage(message: RtmpMessage): ControlMessage | undefined {
  const p = message.payload;
  switch (message.type) {
    case RtmpMessageType.SetChunkSize:
      return p.length >= 4 ? { kind: "set-chunk-size", size: p.readUInt32BE(0) & 0x7fffffff } : undefined;
    case RtmpMessageType.Abort:
      return p.length >= 4 ? { kind: "abort", chunkStreamId: p.readUInt32BE(0) } : undefined;
    case RtmpMessageType.Acknowledgement:
      return p.length >= 4 ? { kind: "ack", sequence: p.readUInt32BE(0) } : undefined;
    case RtmpMessageType.WindowAckSize:
      return p.length >= 4 ? { kind: "window-ack-size", size: p.readUInt32BE(0) } : undefined;
    case RtmpMessageType.SetPeerBandwidth:
      return p.length >= 5 ? { kind: "set-peer-bandwidth", size: p.readUInt32BE(0), limit: p[4]! } : undefined;
    case RtmpMessageType.UserControl:
      // Ping events and SetBufferLength carry more; every event starts with one 32-bit value.
      return p.length >= 6 ? { kind: "user-control", event: p.readUInt16BE(0), value: p.readUInt32BE(2) } : undefined;
    default:
      return undefined;
  }
}
