export type { AudioCodec, AudioFrame, Codec, Frame, VideoCodec, VideoFrame } from "./frame.js";
export { PTS_MODULUS, wrapPts } from "./frame.js";

export type { RtpHeaderExtension, RtpPacket, RtpPacketFields, RtpParseResult, RtpRejectReason } from "./rtp/packet.js";
export { buildRtp, isRtp, parseRtp, RTP_HEADER_LENGTH } from "./rtp/packet.js";
export type { Rfc4571FramerStats, TcpRtpFraming } from "./rtp/rfc4571.js";
export { Rfc4571Framer } from "./rtp/rfc4571.js";
export type { ReorderOptions, ReorderStats } from "./rtp/reorder.js";
export { ReorderBuffer } from "./rtp/reorder.js";
export type { RtpPacketizerOptions } from "./rtp/packetizer.js";
export { RtpPacketizer } from "./rtp/packetizer.js";

export type { PsDemuxerOptions, PsDemuxerStats } from "./ps/demuxer.js";
export { PsDemuxer } from "./ps/demuxer.js";
export type { PsMuxerOptions } from "./ps/muxer.js";
export { PsMuxer } from "./ps/muxer.js";
export type { PsRtpReceiverOptions, PsRtpReceiverStats } from "./ps/rtp-receiver.js";
export { PsRtpReceiver } from "./ps/rtp-receiver.js";
export type { PesPacket } from "./ps/pes.js";
export { buildPes, parsePes } from "./ps/pes.js";
export type { PsmEntry } from "./ps/psm.js";
export { buildPsm, parsePsm } from "./ps/psm.js";
export { codecOfStreamType, PsStreamType } from "./ps/stream-types.js";

export { findStartCode, joinAnnexB, splitAnnexB, toLengthPrefixed, unescapeRbsp } from "./codec/nal.js";
export { splitAccessUnits } from "./codec/access-unit.js";
export type { H264SpsInfo } from "./codec/h264.js";
export { h264NalType, isH264Keyframe, parseH264Sps } from "./codec/h264.js";
export type { H265SpsInfo } from "./codec/h265.js";
export { h265NalType, isH265Keyframe, parseH265Sps } from "./codec/h265.js";
export type { VideoParameters } from "./codec/parameter-sets.js";
export { ParameterSetCache } from "./codec/parameter-sets.js";
export type { AdtsHeader } from "./codec/aac.js";
export { audioSpecificConfig, parseAdtsHeader, splitAdtsFrames } from "./codec/aac.js";
export { buildAvcDecoderConfigurationRecord } from "./codec/avc-decoder-config.js";
export { buildHevcDecoderConfigurationRecord } from "./codec/hevc-decoder-config.js";

export type { FlvMuxerOptions, FlvMuxerStats, FlvTag } from "./flv/muxer.js";
export { FlvMuxer } from "./flv/muxer.js";

export type { Amf0Object, Amf0Value } from "./flv/amf0.js";
export { Amf0Marker, decodeAmf0Value, decodeAmf0Values, encodeAmf0EcmaArray, encodeAmf0Value, encodeAmf0Values } from "./flv/amf0.js";
export type { FlvDemuxerStats, FlvTagData } from "./flv/demuxer.js";
export { FlvDemuxer } from "./flv/demuxer.js";
export type { FlvReadResult } from "./flv/reader.js";
export { FlvReader } from "./flv/reader.js";
export { buildFlvHeader, buildFlvTag, FlvTagType } from "./flv/tag.js";
export type { AacConfig } from "./flv/aac-adts.js";
export { adtsHeader, parseAudioSpecificConfig } from "./flv/aac-adts.js";
export type { DecoderConfig } from "./flv/decoder-config-parse.js";
export { parseAvcDecoderConfig, parseHevcDecoderConfig, splitLengthPrefixed } from "./flv/decoder-config-parse.js";

export type { HandshakeStep } from "./rtmp/handshake.js";
export { HANDSHAKE_SIZE, RTMP_VERSION, RtmpServerHandshake } from "./rtmp/handshake.js";
export type { ChunkReaderLimits, ChunkReadResult } from "./rtmp/chunk-reader.js";
export { ChunkReader, DEFAULT_CHUNK_SIZE } from "./rtmp/chunk-reader.js";
export { ChunkWriter } from "./rtmp/chunk-writer.js";
export type { ControlMessage, RtmpMessage } from "./rtmp/message.js";
export {
  acknowledgementMessage,
  CONTROL_CHUNK_STREAM,
  parseControlMessage,
  PeerBandwidthLimit,
  RtmpMessageType,
  setChunkSizeMessage,
  setPeerBandwidthMessage,
  UserControlEvent,
  userControlMessage,
  windowAckSizeMessage,
} from "./rtmp/message.js";
export type { RtmpCommand } from "./rtmp/command.js";
export {
  commandMessage,
  connectResult,
  dataMessage,
  errorMessage,
  isAmf0Object,
  onStatusMessage,
  OutgoingChunkStream,
  parseCommand,
  resultMessage,
} from "./rtmp/command.js";

export type { StreamSignatureCheck, StreamSignatureFailure } from "./auth/stream-sign.js";
export { signStreamPath, verifyStreamSignature } from "./auth/stream-sign.js";
export { deviceChannelStreamId, splitDeviceChannel } from "./stream-id.js";

export type { TsMuxerOptions } from "./ts/ts-muxer.js";
export { TsMuxer } from "./ts/ts-muxer.js";
export type { TsSegment, TsSegmenterOptions } from "./ts/segmenter.js";
export { TsSegmenter } from "./ts/segmenter.js";
export { TS_PACKET_SIZE } from "./ts/packetizer.js";
