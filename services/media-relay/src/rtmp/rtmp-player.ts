import { FlvReader, FlvTagType, OutgoingChunkStream, RtmpMessageType, type RtmpMessage } from "@ivc/media";
import type { FlvViewer } from "../flv-fanout.js";

export interface RtmpPlayerLink {
  send(message: RtmpMessage): void;
  readonly bufferedBytes: number;
  close(reason: string, abort: boolean): void;
  onClose(listener: () => void): void;
}

const CHANNELS: Record<number, { chunkStreamId: number; type: number }> = {
  [FlvTagType.Audio]: { chunkStreamId: OutgoingChunkStream.Audio, type: RtmpMessageType.Audio },
  [FlvTagType.Video]: { chunkStreamId: OutgoingChunkStream.Video, type: RtmpMessageType.Video },
  [FlvTagType.Script]: { chunkStreamId: OutgoingChunkStream.Data, type: RtmpMessageType.DataAmf0 },
};

/**
 * An RTMP player as an FLV fan-out viewer: the fan-out's FLV bytes (header, onMetaData, sequence
 * headers, GOP, live tags) are cut back into tags, and each tag body travels as the RTMP message
 * of its type — an FLV tag body and an RTMP audio/video/data payload are the same bytes.
 */
export function rtmpFlvViewer(link: RtmpPlayerLink, messageStreamId: number): FlvViewer {
  const reader = new FlvReader();
  return {
    protocol: "rtmp",
    write(chunk) {
      const read = reader.push(chunk);
      for (const tag of read.tags) {
        const channel = CHANNELS[tag.type];
        if (channel !== undefined) link.send({ ...channel, streamId: messageStreamId, timestamp: tag.timestampMs, payload: tag.body });
      }
      if (!read.ok) link.close(`bad FLV from fan-out: ${read.reason}`, true);
    },
    get bufferedBytes() {
      return link.bufferedBytes;
    },
    close: (reason, how) => link.close(reason, how === "abort"),
    onClose: (listener) => link.onClose(listener),
  };
}
