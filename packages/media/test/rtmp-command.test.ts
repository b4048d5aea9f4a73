import { describe, expect, it } from "vitest";
import { decodeAmf0Values, encodeAmf0Values } from "../src/flv/amf0.js";
import { commandMessage, connectResult, onStatusMessage, parseCommand, resultMessage } from "../src/rtmp/command.js";
import { parseControlMessage, RtmpMessageType, setPeerBandwidthMessage, UserControlEvent, userControlMessage, windowAckSizeMessage } from "../src/rtmp/message.js";

describe("RTMP commands", () => {
  it("parses a connect as ffmpeg sends it, and an AMF3 command with its switch byte", () => {
    const payload = encodeAmf0Values(["connect", 1, { app: "live", type: "nonprivate", flashVer: "FMLE/3.0", tcUrl: "rtmp://127.0.0.1:1935/live" }]);
    const command = parseCommand({ chunkStreamId: 3, type: RtmpMessageType.CommandAmf0, streamId: 0, timestamp: 0, payload });
    expect(command).toEqual({ name: "connect", transactionId: 1, commandObject: { app: "live", type: "nonprivate", flashVer: "FMLE/3.0", tcUrl: "rtmp://127.0.0.1:1935/live" }, args: [] });
    const amf3 = Buffer.concat([Buffer.from([0]), encodeAmf0Values(["publish", 5, null, "stream?sign=1", "live"])]);
    expect(parseCommand({ chunkStreamId: 8, type: RtmpMessageType.CommandAmf3, streamId: 1, timestamp: 0, payload: amf3 })).toEqual({
      name: "publish",
      transactionId: 5,
      commandObject: null,
      args: ["stream?sign=1", "live"],
    });
  });

  it("ignores messages that are not well-formed commands", () => {
    const msg = (type: number, payload: Buffer) => ({ chunkStreamId: 3, type, streamId: 0, timestamp: 0, payload });
    expect(parseCommand(msg(RtmpMessageType.Video, encodeAmf0Values(["connect", 1])))).toBeUndefined();
    expect(parseCommand(msg(RtmpMessageType.CommandAmf0, encodeAmf0Values([1, 1])))).toBeUndefined();
    expect(parseCommand(msg(RtmpMessageType.CommandAmf0, encodeAmf0Values(["connect"])))).toBeUndefined();
    expect(parseCommand(msg(RtmpMessageType.CommandAmf0, Buffer.from([0x02, 0, 9, 0x61])))).toBeUndefined();
  });

  it("builds _result for connect and createStream, and onStatus on the NetStream", () => {
    expect(decodeAmf0Values(connectResult(1, 0).payload)).toEqual([
      "_result",
      1,
      { fmsVer: "FMS/3,0,1,123", capabilities: 31 },
      { level: "status", code: "NetConnection.Connect.Success", description: "Connection succeeded.", objectEncoding: 0 },
    ]);
    expect(decodeAmf0Values(resultMessage(4, 1).payload)).toEqual(["_result", 4, null, 1]);
    const status = onStatusMessage(1, "error", "NetStream.Publish.BadName", "bad sign");
    expect(status).toMatchObject({ chunkStreamId: 5, streamId: 1, type: 20 });
    expect(decodeAmf0Values(status.payload)).toEqual(["onStatus", 0, null, { level: "error", code: "NetStream.Publish.BadName", description: "bad sign" }]);
    expect(commandMessage("x", 0, []).chunkStreamId).toBe(3);
  });

  it("encodes and parses protocol control and user control messages", () => {
    expect([...windowAckSizeMessage(2_500_000).payload]).toEqual([0x00, 0x26, 0x25, 0xa0]);
    expect(parseControlMessage(setPeerBandwidthMessage(2_500_000, 2))).toEqual({ kind: "set-peer-bandwidth", size: 2_500_000, limit: 2 });
    const begin = userControlMessage(UserControlEvent.StreamBegin, 1);
    expect([...begin.payload]).toEqual([0, 0, 0, 0, 0, 1]);
    expect(parseControlMessage(begin)).toEqual({ kind: "user-control", event: 0, value: 1 });
    expect(parseControlMessage({ ...begin, payload: Buffer.from([0, 6]) })).toBeUndefined();
  });
});
