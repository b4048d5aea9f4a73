export { decodeXmlBody, encodeXmlBody } from "./xml-charset.js";
export type { DecodedXmlBody, XmlCharset } from "./xml-charset.js";
export { encodeGb } from "./gb18030-encoder.js";
export type { GbEncodeOptions } from "./gb18030-encoder.js";
export { childElement, childElements, childText, parseXml } from "./xml-tree.js";
export type { XmlElement, XmlLimits, XmlParseResult } from "./xml-tree.js";

export { MAX_MANSCDP_BYTES, parseManscdp } from "./manscdp-parse.js";
export {
  buildCatalogNotify,
  buildCatalogQuery,
  buildCatalogResponse,
  buildDeviceControl,
  buildDeviceInfoQuery,
  buildDeviceInfoResponse,
  buildDeviceStatusQuery,
  buildDeviceStatusResponse,
  buildKeepaliveNotify,
  buildMediaStatusNotify,
  buildPresetQuery,
  buildPresetQueryResponse,
  buildRecordInfoQuery,
  buildRecordInfoResponse,
  buildResultResponse,
} from "./manscdp-build.js";
export type {
  DeviceControlInput,
  DeviceInfoResponseInput,
  DeviceStatusResponseInput,
  ManscdpEnvelope,
  RecordInfoQueryInput,
} from "./manscdp-build.js";
export type {
  AlarmNotify,
  AlarmStatusItem,
  CatalogEvent,
  CatalogItem,
  CatalogNotify,
  CatalogQuery,
  CatalogResponse,
  DeviceControl,
  DeviceInfoQuery,
  DeviceInfoResponse,
  DeviceStatusQuery,
  DeviceStatusResponse,
  KeepaliveNotify,
  ManscdpFailure,
  ManscdpKind,
  ManscdpMessage,
  ManscdpParseResult,
  MediaStatusNotify,
  MobilePositionNotify,
  OkError,
  OnOff,
  PresetItem,
  PresetQuery,
  PresetQueryResponse,
  RecordInfoQuery,
  RecordInfoResponse,
  RecordItem,
  ResultOnlyCmdType,
  ResultResponse,
} from "./manscdp-types.js";

export { MultipartAssembler } from "./multipart-assembler.js";
export type { MultipartAssemblerOptions, MultipartOutcome, MultipartPart, MultipartResult } from "./multipart-assembler.js";
export { createCatalogAssembler, createPresetAssembler, createRecordInfoAssembler } from "./multipart-kinds.js";
export { formatGbLocalTime, mergeRecordSegments, parseGbLocalTime } from "./record-segments.js";
export type { MergeSegmentsOptions, TimeSegment } from "./record-segments.js";

export { catalogEntryKind } from "./catalog-entry-kind.js";
export type { CatalogEntryKind } from "./catalog-entry-kind.js";
export { GB_TYPE_NAMES, buildGbCode, gbTypeClass, isGbCode, parseGbCode } from "./gb-code.js";
export type { GbCode, GbCodeParseResult, GbCodeParts, GbTypeClass } from "./gb-code.js";

export { buildInviteSdp } from "./gb-sdp-build.js";
export type { InviteSdpInput } from "./gb-sdp-build.js";
export { parseGbMediaFormat, parseGbSdp } from "./gb-sdp-parse.js";
export type { GbMediaFormat, GbSdp, GbSdpMedia, GbSdpParseResult, RtpMapEntry } from "./gb-sdp-parse.js";
export type { GbTransport, SetupRole } from "./gb-sdp-types.js";
export { generateSsrc, parseSsrc } from "./ssrc.js";
export type { SsrcInput, SsrcParts } from "./ssrc.js";

export { decodePtzCmd, encodePtzCmd } from "./ptz-cmd.js";
export type { PtzCommand, PtzDecodeResult } from "./ptz-cmd.js";

export { buildMansrtsp, parseMansrtsp } from "./mansrtsp.js";
export type { MansrtspCommand, MansrtspParseResult } from "./mansrtsp.js";
