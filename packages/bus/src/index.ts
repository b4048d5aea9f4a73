export { Bus } from "./bus.js";
export type { BusLogger, ReplyOptions, RequestMeta, RequestOptions } from "./bus.js";
export { connectNats } from "./connection.js";
export { answerPing } from "./ping.js";
export type { PingIdentity } from "./ping.js";
export type { ConnectOptions } from "./connection.js";
export { ANY_CLUSTER, clusterOfSubject, defineEvent, defineRequest, subjectOf } from "./contract.js";
export type { ClusterScope, EventContract, ReplyOf, RequestContract, RequestOf } from "./contract.js";
export { BusError, BusHandlerError, isBusError } from "./errors.js";
export type { BusErrorKind } from "./errors.js";
export { ping, serviceNames } from "./contracts/system.js";
export type { ServiceName } from "./contracts/system.js";
export {
  catalogChannel,
  catalogDirectory,
  catalogRefresh,
  channelChanged,
  deviceCatalog,
  deviceChanged,
  deviceCredentials,
  deviceInfo,
  deviceInfoQuery,
  deviceKeepalives,
  deviceOffline,
  deviceOnline,
  devicePosition,
  deviceStatusQuery,
  KEEPALIVES_MAX_DEVICES,
  offlineReasons,
} from "./contracts/device.js";
export type { CatalogChannel, CatalogDirectory, DevicePosition } from "./contracts/device.js";
export type { DeviceCredentialsReply, DeviceInfoFields, DeviceStatusReply } from "./contracts/signaling.js";
export { mediaAnswer, mediaClose, mediaKinds, mediaOpen, mediaTimeline, mediaTransports, playRecord, playStages, playTransports, sipBye, sipInvite } from "./contracts/media.js";
export type { PlayRecord } from "./contracts/media.js";
export { mediaPause } from "./contracts/media-playback.js";
export {
  gatewayActivate,
  gatewayApiCode,
  gatewayBoxInfo,
  gatewayChannel,
  gatewayDevice,
  gatewayDeviceAdd,
  gatewayDeviceList,
  gatewayDeviceRemove,
  gatewayDevices,
  gatewayErrorCodes,
  gatewayHeartbeat,
  gatewayIsUpdate,
  gatewayProtocolType,
  gatewayProtocolTypes,
  gatewayPtz,
  gatewayRevoked,
  gatewayStreamStart,
  gatewayStreamStop,
  gatewayUpgrade,
  gatewayUpgradeState,
  gatewayUpgradeStatus,
  upgradeStates,
} from "./contracts/gateway.js";
export type { GatewayChannel, GatewayDevice, GatewayErrorCode, GatewayProtocolType, GatewayUpgradeState } from "./contracts/gateway.js";
export { canonicalJson, gatewayReportMessage, gatewayReportSigned, hashGatewaySecret, signGatewayReport } from "./gateway-report-auth.js";
export type { GatewayReport, GatewayReportContract, GatewayReportFields, GatewayReportSchema } from "./gateway-report-auth.js";
export { rtmpPushEnded, rtmpPushStarted, streamAuthorize, streamDirections } from "./contracts/stream-auth.js";
export type { StreamAuthorizeReply } from "./contracts/stream-auth.js";
export {
  playbackActions,
  playbackControl,
  presetCommands,
  presetControl,
  presetQuery,
  ptzActions,
  ptzControl,
  recordQuery,
  recordTypes,
} from "./contracts/control.js";
export type { PtzAction } from "./contracts/control.js";
export { domainCertificates, domainChanged } from "./contracts/domain.js";
export type { DomainCertificatesReply, DomainChange } from "./contracts/domain.js";
export { desiredRecording, downloadErrors, downloadFileTypes, recordingDesired, recordingDownloadAuthorize, recordingLifecycleDone, recordingLifecycleDue, recordingSegmentsQuery, recordingSegmentStored, segmentStorageClasses } from "./contracts/recording.js";
export type { DesiredRecording, DownloadError, DownloadGrant, StoredSegment } from "./contracts/recording.js";
export { recordingUploadProgress, recordingUploadsDesired, uploadLimits, uploadPiece, uploadPieceStates, uploadScales } from "./contracts/recording-upload.js";
export type { UploadLimits, UploadPiece } from "./contracts/recording-upload.js";
export { recordingRestoreDone, recordingRestoreDue, recordingRetrievalChanged } from "./contracts/recording-retrieval.js";
export type { RetrievalChange } from "./contracts/recording-retrieval.js";
export { activeTemplate, aiDesired, aiDetection, aiResultReported, aiSnapshotAuthorize, aiTasksChanged, aiTemplateTags, cocoDetectTypes, desiredAnalysis, detectTypes, parseOnnxModels } from "./contracts/ai.js";
export type { ActiveTemplate, AiDetectionReport, AiResultReport, AiTemplateTag, DesiredAnalysis, DetectType } from "./contracts/ai.js";
