import type { Amf0Object, Amf0Value } from "../flv/amf0.js";
import { decodeAmf0Values, encodeAmf0Values } from "../flv/amf0.js";
import type { RtmpMessage } from "./message.js";
import { RtmpMessageType } from "./message.js";

/**
 * NetConnection / NetStream command messages (Adobe RTMP spec 1.0 §7.2): an AMF0 command name,
 * a transaction id, a command object (or null) and optional arguments.
 */
export interface RtmpCommand {
  name: string;
  transactionId: number;
  commandObject: Amf0Object | null;
  args: Amf0Value[];
}

/** Chunk streams we send on: connection-level commands, then per-NetStream status and media. */
export const OutgoingChunkStream = { Command: 3, Status: 5, Audio: 6, Video: 7, Data: 8 } as const;

/** A command message (AMF0, or AMF3 whose body starts with the AMF0 switch byte), else undefined. */
export function parseCommand(message: RtmpMessage): RtmpCommand | undefined {
  let body: Buffer;
  if (message.type === RtmpMessageType.CommandAmf0) body = message.payload;
  else if (message.type === RtmpMessageType.CommandAmf3 && message.payload[0] === 0) body = message.payload.subarray(1);
  else return undefined;
  const values = decodeAmf0Values(body);
  if (values === undefined || values.length < 2) return undefined;
  const [name, transactionId, commandObject, ...args] = values;
  if (typeof name !== "string" || typeof transactionId !== "number") return undefined;
  const object = isAmf0Object(commandObject) ? commandObject : null;
  return { name, transactionId, commandObject: object, args };
}

export function isAmf0Object(value: Amf0Value): value is Amf0Object {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function commandMessage(name: string, transactionId: number, values: readonly Amf0Value[], streamId = 0): RtmpMessage {
  return {
    chunkStreamId: streamId === 0 ? OutgoingChunkStream.Command : OutgoingChunkStream.Status,
    type: RtmpMessageType.CommandAmf0,
    streamId,
    timestamp: 0,
    payload: encodeAmf0Values([name, transactionId, ...values]),
  };
}

/** `_result` of connect: what Flash Media Server answers, which clients expect (§7.2.1.1). */
export function connectResult(transactionId: number, objectEncoding: number): RtmpMessage {
  return commandMessage("_result", transactionId, [
    { fmsVer: "FMS/3,0,1,123", capabilities: 31 },
    { level: "status", code: "NetConnection.Connect.Success", description: "Connection succeeded.", objectEncoding },
  ]);
}

export function resultMessage(transactionId: number, value: Amf0Value = null): RtmpMessage {
  return commandMessage("_result", transactionId, [null, value]);
}

export function errorMessage(transactionId: number, code: string, description: string): RtmpMessage {
  return commandMessage("_error", transactionId, [null, { level: "error", code, description }]);
}

/** NetStream status event (§7.2.2), e.g. NetStream.Publish.Start or NetStream.Publish.BadName. */
export function onStatusMessage(streamId: number, level: "status" | "error" | "warning", code: string, description: string, extra: Amf0Object = {}): RtmpMessage {
  return commandMessage("onStatus", 0, [null, { level, code, description, ...extra }], streamId);
}

/** A data message (type 18) such as `|RtmpSampleAccess` or `onMetaData`. */
export function dataMessage(streamId: number, values: readonly Amf0Value[], timestamp = 0): RtmpMessage {
  return { chunkStreamId: OutgoingChunkStream.Data, type: RtmpMessageType.DataAmf0, streamId, timestamp, payload: encodeAmf0Values(values) };
}
