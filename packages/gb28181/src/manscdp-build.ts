import { encodeXmlBody } from "./xml-charset.js";
import type { XmlCharset } from "./xml-charset.js";
import { leaf, renderXml } from "./xml-write.js";
import type { XmlNode } from "./xml-write.js";
import type {
  AlarmStatusItem,
  CatalogItem,
  ManscdpKind,
  OkError,
  OnOff,
  PresetItem,
  RecordItem,
  ResultOnlyCmdType,
} from "./manscdp-types.js";

/**
 * MANSCDP builders. Element order follows the schema sequences of GB/T 28181-2016
 * Appendix A.2, which several device firmwares parse positionally.
 */

export interface ManscdpEnvelope {
  readonly sn: number;
  readonly deviceId: string;
  /** Defaults to GB2312, the charset GB/T 28181 §6.1 mandates. */
  readonly charset?: XmlCharset;
}

function flag(value: boolean | undefined): number | undefined {
  return value === undefined ? undefined : value ? 1 : 0;
}

function manscdpDocument(kind: ManscdpKind, cmdType: string, envelope: ManscdpEnvelope, body: readonly (XmlNode | undefined)[]): Buffer {
  const root: XmlNode = {
    name: kind,
    children: [leaf("CmdType", cmdType), leaf("SN", envelope.sn), leaf("DeviceID", envelope.deviceId), ...body],
  };
  return encodeXmlBody(renderXml(root), envelope.charset ?? "GB2312");
}

function list(name: string, items: readonly XmlNode[]): XmlNode {
  return { name, attributes: { Num: items.length }, children: items };
}

export function buildCatalogQuery(input: ManscdpEnvelope & { readonly startTime?: string; readonly endTime?: string }): Buffer {
  return manscdpDocument("Query", "Catalog", input, [leaf("StartTime", input.startTime), leaf("EndTime", input.endTime)]);
}

export function buildDeviceInfoQuery(input: ManscdpEnvelope): Buffer {
  return manscdpDocument("Query", "DeviceInfo", input, []);
}

export function buildDeviceStatusQuery(input: ManscdpEnvelope): Buffer {
  return manscdpDocument("Query", "DeviceStatus", input, []);
}

export function buildPresetQuery(input: ManscdpEnvelope): Buffer {
  return manscdpDocument("Query", "PresetQuery", input, []);
}

export interface RecordInfoQueryInput extends ManscdpEnvelope {
  readonly startTime: string;
  readonly endTime: string;
  readonly filePath?: string;
  readonly address?: string;
  readonly secrecy?: number;
  /** time | alarm | manual | all (default all). */
  readonly type?: string;
  readonly recorderId?: string;
  readonly indistinctQuery?: number;
}

export function buildRecordInfoQuery(input: RecordInfoQueryInput): Buffer {
  return manscdpDocument("Query", "RecordInfo", input, [
    leaf("StartTime", input.startTime),
    leaf("EndTime", input.endTime),
    leaf("FilePath", input.filePath),
    leaf("Address", input.address),
    leaf("Secrecy", input.secrecy ?? 0),
    leaf("Type", input.type ?? "all"),
    leaf("RecorderID", input.recorderId),
    leaf("IndistinctQuery", input.indistinctQuery),
  ]);
}

export interface DeviceControlInput extends ManscdpEnvelope {
  readonly ptzCmd?: string;
  readonly teleBoot?: boolean;
  readonly recordCmd?: "Record" | "StopRecord";
  readonly guardCmd?: "SetGuard" | "ResetGuard";
  readonly alarmCmd?: "ResetAlarm";
  readonly iFrameCmd?: boolean;
  readonly homePosition?: { readonly enabled: boolean; readonly resetTime?: number; readonly presetIndex?: number };
  readonly streamNumber?: number;
  /** Info/ControlPriority (1 highest … 5 lowest); sent with PTZCmd, default 5. */
  readonly controlPriority?: number;
}

export function buildDeviceControl(input: DeviceControlInput): Buffer {
  const home = input.homePosition;
  const priority = input.controlPriority ?? (input.ptzCmd === undefined ? undefined : 5);
  return manscdpDocument("Control", "DeviceControl", input, [
    leaf("PTZCmd", input.ptzCmd),
    leaf("TeleBoot", input.teleBoot === true ? "Boot" : undefined),
    leaf("RecordCmd", input.recordCmd),
    leaf("StreamNumber", input.streamNumber),
    leaf("GuardCmd", input.guardCmd),
    leaf("AlarmCmd", input.alarmCmd),
    leaf("IFameCmd", input.iFrameCmd === true ? "Send" : undefined),
    home === undefined
      ? undefined
      : {
          name: "HomePosition",
          children: [leaf("Enabled", flag(home.enabled)), leaf("ResetTime", home.resetTime), leaf("PresetIndex", home.presetIndex)],
        },
    priority === undefined ? undefined : { name: "Info", children: [leaf("ControlPriority", priority)] },
  ]);
}

export function buildKeepaliveNotify(input: ManscdpEnvelope & { readonly status?: string; readonly faultDeviceIds?: readonly string[] }): Buffer {
  const faults = input.faultDeviceIds ?? [];
  return manscdpDocument("Notify", "Keepalive", input, [
    leaf("Status", input.status ?? "OK"),
    faults.length === 0 ? undefined : { name: "Info", children: faults.map((id) => leaf("DeviceID", id)) },
  ]);
}

function catalogItemNode(item: CatalogItem): XmlNode {
  const info = [
    leaf("PTZType", item.ptzType),
    leaf("PositionType", item.positionType),
    leaf("Resolution", item.resolution),
    leaf("DownloadSpeed", item.downloadSpeed),
  ].filter((node) => node !== undefined);
  return {
    name: "Item",
    children: [
      leaf("DeviceID", item.deviceId),
      leaf("Event", item.event),
      leaf("Name", item.name),
      leaf("Manufacturer", item.manufacturer),
      leaf("Model", item.model),
      leaf("Owner", item.owner),
      leaf("CivilCode", item.civilCode),
      leaf("Block", item.block),
      leaf("Address", item.address),
      leaf("Parental", flag(item.parental)),
      leaf("ParentID", item.parentId),
      leaf("BusinessGroupID", item.businessGroupId),
      leaf("SafetyWay", item.safetyWay),
      leaf("RegisterWay", item.registerWay),
      leaf("CertNum", item.certNum),
      leaf("Certifiable", flag(item.certifiable)),
      leaf("ErrCode", item.errCode),
      leaf("EndTime", item.endTime),
      leaf("Secrecy", item.secrecy),
      leaf("IPAddress", item.ipAddress),
      leaf("Port", item.port),
      leaf("Password", item.password),
      leaf("Status", item.status),
      leaf("Longitude", item.longitude),
      leaf("Latitude", item.latitude),
      info.length === 0 ? undefined : { name: "Info", children: info },
    ],
  };
}

/** One part of a Catalog answer; `sumNum` is the total across all parts (A.2.6.3). */
export function buildCatalogResponse(input: ManscdpEnvelope & { readonly sumNum: number; readonly items: readonly CatalogItem[] }): Buffer {
  return manscdpDocument("Response", "Catalog", input, [leaf("SumNum", input.sumNum), list("DeviceList", input.items.map(catalogItemNode))]);
}

/** Catalog change NOTIFY (GB/T 28181-2016 §9.6.3); each item should carry an `event`. */
export function buildCatalogNotify(input: ManscdpEnvelope & { readonly sumNum?: number; readonly items: readonly CatalogItem[] }): Buffer {
  return manscdpDocument("Notify", "Catalog", input, [
    leaf("SumNum", input.sumNum ?? input.items.length),
    list("DeviceList", input.items.map(catalogItemNode)),
  ]);
}

export interface DeviceInfoResponseInput extends ManscdpEnvelope {
  readonly result?: OkError;
  readonly deviceName?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly firmware?: string;
  readonly channel?: number;
}

export function buildDeviceInfoResponse(input: DeviceInfoResponseInput): Buffer {
  return manscdpDocument("Response", "DeviceInfo", input, [
    leaf("DeviceName", input.deviceName),
    leaf("Result", input.result ?? "OK"),
    leaf("Manufacturer", input.manufacturer),
    leaf("Model", input.model),
    leaf("Firmware", input.firmware),
    leaf("Channel", input.channel),
  ]);
}

export interface DeviceStatusResponseInput extends ManscdpEnvelope {
  readonly result?: OkError;
  readonly online: boolean;
  readonly status?: OkError;
  readonly reason?: string;
  readonly encode?: OnOff;
  readonly record?: OnOff;
  readonly deviceTime?: string;
  readonly alarmStatus?: readonly AlarmStatusItem[];
}

export function buildDeviceStatusResponse(input: DeviceStatusResponseInput): Buffer {
  const alarms = input.alarmStatus ?? [];
  return manscdpDocument("Response", "DeviceStatus", input, [
    leaf("Result", input.result ?? "OK"),
    leaf("Online", input.online ? "ONLINE" : "OFFLINE"),
    leaf("Status", input.status ?? "OK"),
    leaf("Reason", input.reason),
    leaf("Encode", input.encode),
    leaf("Record", input.record),
    leaf("DeviceTime", input.deviceTime),
    alarms.length === 0
      ? undefined
      : list(
          "Alarmstatus",
          alarms.map((alarm) => ({ name: "Item", children: [leaf("DeviceID", alarm.deviceId), leaf("DutyStatus", alarm.dutyStatus)] })),
        ),
  ]);
}

function recordItemNode(item: RecordItem): XmlNode {
  return {
    name: "Item",
    children: [
      leaf("DeviceID", item.deviceId),
      leaf("Name", item.name),
      leaf("FilePath", item.filePath),
      leaf("Address", item.address),
      leaf("StartTime", item.startTime),
      leaf("EndTime", item.endTime),
      leaf("Secrecy", item.secrecy ?? 0),
      leaf("Type", item.type),
      leaf("RecorderID", item.recorderId),
      leaf("FileSize", item.fileSize),
    ],
  };
}

export function buildRecordInfoResponse(
  input: ManscdpEnvelope & { readonly name?: string; readonly sumNum: number; readonly items: readonly RecordItem[] },
): Buffer {
  return manscdpDocument("Response", "RecordInfo", input, [
    leaf("Name", input.name),
    leaf("SumNum", input.sumNum),
    list("RecordList", input.items.map(recordItemNode)),
  ]);
}

export function buildPresetQueryResponse(input: ManscdpEnvelope & { readonly items: readonly PresetItem[] }): Buffer {
  return manscdpDocument("Response", "PresetQuery", input, [
    list(
      "PresetList",
      input.items.map((item) => ({ name: "Item", children: [leaf("PresetID", item.presetId), leaf("PresetName", item.presetName)] })),
    ),
  ]);
}

/** NotifyType 121: the device finished sending a playback/download stream (A.2.5.6). */
export function buildMediaStatusNotify(input: ManscdpEnvelope & { readonly notifyType?: string }): Buffer {
  return manscdpDocument("Notify", "MediaStatus", input, [leaf("NotifyType", input.notifyType ?? "121")]);
}

export function buildResultResponse(input: ManscdpEnvelope & { readonly cmdType: ResultOnlyCmdType; readonly result: OkError }): Buffer {
  return manscdpDocument("Response", input.cmdType, input, [leaf("Result", input.result)]);
}
