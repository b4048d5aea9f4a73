import { decodeXmlBody } from "./xml-charset.js";
import type { XmlCharset } from "./xml-charset.js";
import { childElements, parseXml } from "./xml-tree.js";
import type { XmlElement } from "./xml-tree.js";
import {
  catalogEventOf,
  child,
  compact,
  decimalOf,
  flagOf,
  integerOf,
  okErrorOf,
  oneOf,
  onOffOf,
  textOf,
} from "./manscdp-fields.js";
import type {
  AlarmStatusItem,
  CatalogItem,
  ManscdpKind,
  ManscdpMessage,
  ManscdpParseResult,
  PresetItem,
  RecordItem,
  ResultOnlyCmdType,
} from "./manscdp-types.js";

/** Bodies larger than this are refused; the biggest real catalog parts are a few KiB (UDP MTU). */
export const MAX_MANSCDP_BYTES = 1024 * 1024;

const KINDS: readonly ManscdpKind[] = ["Query", "Response", "Notify", "Control"];
const CMD_TYPES = [
  "Keepalive",
  "Catalog",
  "DeviceInfo",
  "DeviceStatus",
  "DeviceControl",
  "DeviceConfig",
  "RecordInfo",
  "PresetQuery",
  "MediaStatus",
  "MobilePosition",
  "Alarm",
  "Broadcast",
] as const;
const RESULT_ONLY: readonly ResultOnlyCmdType[] = ["DeviceControl", "DeviceConfig", "Alarm", "Broadcast"];

interface Envelope {
  readonly kind: ManscdpKind;
  readonly cmdType: string;
  readonly sn: number;
  readonly deviceId: string;
  readonly charset: XmlCharset;
}

type Header<K extends ManscdpKind, C extends string> = Envelope & { readonly ok: true; readonly kind: K; readonly cmdType: C };

/** Items of `<List Num="n"><Item>…</Item></List>`; the Num attribute is ignored because devices get it wrong. */
function listItems(root: XmlElement, listName: string): XmlElement[] {
  const list = child(root, listName);
  return list === undefined ? [] : childElements(list, "Item");
}

function catalogItem(item: XmlElement): CatalogItem | undefined {
  const deviceId = textOf(item, "DeviceID");
  if (deviceId === undefined) return undefined;
  const info = child(item, "Info");
  return compact<CatalogItem>({
    deviceId,
    event: catalogEventOf(item, "Event"),
    name: textOf(item, "Name"),
    manufacturer: textOf(item, "Manufacturer"),
    model: textOf(item, "Model"),
    owner: textOf(item, "Owner"),
    civilCode: textOf(item, "CivilCode"),
    block: textOf(item, "Block"),
    address: textOf(item, "Address"),
    parental: flagOf(item, "Parental"),
    parentId: textOf(item, "ParentID"),
    businessGroupId: textOf(item, "BusinessGroupID") ?? textOf(info, "BusinessGroupID"),
    safetyWay: integerOf(item, "SafetyWay"),
    registerWay: integerOf(item, "RegisterWay"),
    certNum: textOf(item, "CertNum"),
    certifiable: flagOf(item, "Certifiable"),
    errCode: integerOf(item, "ErrCode"),
    endTime: textOf(item, "EndTime"),
    secrecy: integerOf(item, "Secrecy"),
    ipAddress: textOf(item, "IPAddress"),
    port: integerOf(item, "Port"),
    password: textOf(item, "Password"),
    status: onOffOf(item, "Status"),
    longitude: decimalOf(item, "Longitude"),
    latitude: decimalOf(item, "Latitude"),
    ptzType: integerOf(info, "PTZType") ?? integerOf(item, "PTZType"),
    positionType: integerOf(info, "PositionType"),
    resolution: textOf(info, "Resolution"),
    downloadSpeed: textOf(info, "DownloadSpeed"),
  });
}

function recordItem(item: XmlElement, fallbackDeviceId: string): RecordItem {
  return compact<RecordItem>({
    // Some NVRs omit DeviceID inside record items; the channel queried is the only sensible owner.
    deviceId: textOf(item, "DeviceID") ?? fallbackDeviceId,
    name: textOf(item, "Name"),
    filePath: textOf(item, "FilePath"),
    address: textOf(item, "Address"),
    startTime: textOf(item, "StartTime"),
    endTime: textOf(item, "EndTime"),
    secrecy: integerOf(item, "Secrecy"),
    type: textOf(item, "Type"),
    recorderId: textOf(item, "RecorderID"),
    fileSize: integerOf(item, "FileSize"),
  });
}

function presetItem(item: XmlElement): PresetItem | undefined {
  const presetId = textOf(item, "PresetID");
  if (presetId === undefined) return undefined;
  return compact<PresetItem>({ presetId, presetName: textOf(item, "PresetName") });
}

function alarmStatusItem(item: XmlElement): AlarmStatusItem | undefined {
  const deviceId = textOf(item, "DeviceID");
  if (deviceId === undefined) return undefined;
  return compact<AlarmStatusItem>({ deviceId, dutyStatus: textOf(item, "DutyStatus")?.toUpperCase() });
}

function catalogBody(root: XmlElement): { sumNum?: number; items: CatalogItem[] } {
  return compact({
    sumNum: integerOf(root, "SumNum"),
    items: listItems(root, "DeviceList").map(catalogItem).filter(defined),
  });
}

function faultDeviceIds(root: XmlElement): string[] {
  const info = child(root, "Info");
  if (info === undefined) return [];
  return childElements(info, "DeviceID")
    .map((element) => element.text.trim())
    .filter((deviceId) => deviceId !== "");
}

function numAttribute(list: XmlElement | undefined): number | undefined {
  const value = list?.attributes.get("num")?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function defined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function header<K extends ManscdpKind, C extends string>(envelope: Envelope, kind: K, cmdType: C): Header<K, C> {
  return { ok: true, kind, cmdType, sn: envelope.sn, deviceId: envelope.deviceId, charset: envelope.charset };
}

function parseBody(root: XmlElement, envelope: Envelope): ManscdpMessage | undefined {
  const { kind, cmdType } = envelope;
  switch (`${kind}:${cmdType}`) {
    case "Notify:Keepalive":
      return compact({
        ...header(envelope, "Notify", "Keepalive"),
        status: textOf(root, "Status"),
        faultDeviceIds: faultDeviceIds(root),
      });
    case "Query:Catalog":
      return compact({
        ...header(envelope, "Query", "Catalog"),
        startTime: textOf(root, "StartTime"),
        endTime: textOf(root, "EndTime"),
      });
    case "Response:Catalog":
      return { ...header(envelope, "Response", "Catalog"), ...catalogBody(root) };
    case "Notify:Catalog":
      return { ...header(envelope, "Notify", "Catalog"), ...catalogBody(root) };
    case "Query:DeviceInfo":
      return header(envelope, "Query", "DeviceInfo");
    case "Response:DeviceInfo":
      return compact({
        ...header(envelope, "Response", "DeviceInfo"),
        result: okErrorOf(root, "Result"),
        deviceName: textOf(root, "DeviceName"),
        manufacturer: textOf(root, "Manufacturer"),
        model: textOf(root, "Model"),
        firmware: textOf(root, "Firmware"),
        channel: integerOf(root, "Channel"),
      });
    case "Query:DeviceStatus":
      return header(envelope, "Query", "DeviceStatus");
    case "Response:DeviceStatus": {
      const online = onOffOf(root, "Online");
      return compact({
        ...header(envelope, "Response", "DeviceStatus"),
        result: okErrorOf(root, "Result"),
        online: online === undefined ? undefined : online === "ON",
        status: okErrorOf(root, "Status"),
        reason: textOf(root, "Reason"),
        encode: onOffOf(root, "Encode"),
        record: onOffOf(root, "Record"),
        deviceTime: textOf(root, "DeviceTime"),
        alarmStatus: listItems(root, "Alarmstatus").map(alarmStatusItem).filter(defined),
      });
    }
    case "Control:DeviceControl": {
      const homePosition = child(root, "HomePosition");
      const enabled = flagOf(homePosition, "Enabled");
      return compact({
        ...header(envelope, "Control", "DeviceControl"),
        ptzCmd: textOf(root, "PTZCmd")?.toUpperCase(),
        teleBoot: textOf(root, "TeleBoot")?.toLowerCase() === "boot" ? true : undefined,
        recordCmd: oneOf(root, "RecordCmd", ["Record", "StopRecord"] as const),
        guardCmd: oneOf(root, "GuardCmd", ["SetGuard", "ResetGuard"] as const),
        alarmCmd: oneOf(root, "AlarmCmd", ["ResetAlarm"] as const),
        iFrameCmd: (textOf(root, "IFameCmd") ?? textOf(root, "IFrameCmd"))?.toLowerCase() === "send" ? true : undefined,
        homePosition:
          enabled === undefined
            ? undefined
            : compact({ enabled, resetTime: integerOf(homePosition, "ResetTime"), presetIndex: integerOf(homePosition, "PresetIndex") }),
        controlPriority: integerOf(child(root, "Info"), "ControlPriority"),
        streamNumber: integerOf(root, "StreamNumber"),
      });
    }
    case "Query:RecordInfo":
      return compact({
        ...header(envelope, "Query", "RecordInfo"),
        startTime: textOf(root, "StartTime"),
        endTime: textOf(root, "EndTime"),
        filePath: textOf(root, "FilePath"),
        address: textOf(root, "Address"),
        secrecy: integerOf(root, "Secrecy"),
        type: textOf(root, "Type"),
        recorderId: textOf(root, "RecorderID"),
        indistinctQuery: integerOf(root, "IndistinctQuery"),
      });
    case "Response:RecordInfo":
      return compact({
        ...header(envelope, "Response", "RecordInfo"),
        name: textOf(root, "Name"),
        sumNum: integerOf(root, "SumNum"),
        items: listItems(root, "RecordList").map((item) => recordItem(item, envelope.deviceId)),
      });
    case "Query:PresetQuery":
      return header(envelope, "Query", "PresetQuery");
    case "Response:PresetQuery": {
      const list = child(root, "PresetList");
      return compact({
        ...header(envelope, "Response", "PresetQuery"),
        // PresetList has no SumNum in the standard: its Num attribute is the only announced total.
        sumNum: integerOf(root, "SumNum") ?? numAttribute(list),
        items: listItems(root, "PresetList").map(presetItem).filter(defined),
      });
    }
    case "Notify:MediaStatus":
      return compact({ ...header(envelope, "Notify", "MediaStatus"), notifyType: textOf(root, "NotifyType") });
    case "Notify:MobilePosition": {
      const longitude = decimalOf(root, "Longitude");
      const latitude = decimalOf(root, "Latitude");
      if (longitude === undefined || latitude === undefined) return undefined;
      return compact({
        ...header(envelope, "Notify", "MobilePosition"),
        time: textOf(root, "Time"),
        longitude,
        latitude,
        speed: decimalOf(root, "Speed"),
        direction: decimalOf(root, "Direction"),
        altitude: decimalOf(root, "Altitude"),
      });
    }
    case "Notify:Alarm": {
      const info = child(root, "Info");
      return compact({
        ...header(envelope, "Notify", "Alarm"),
        alarmPriority: integerOf(root, "AlarmPriority"),
        alarmMethod: textOf(root, "AlarmMethod"),
        alarmTime: textOf(root, "AlarmTime"),
        alarmDescription: textOf(root, "AlarmDescription"),
        longitude: decimalOf(root, "Longitude"),
        latitude: decimalOf(root, "Latitude"),
        alarmType: integerOf(info, "AlarmType"),
        eventType: integerOf(child(info, "AlarmTypeParam"), "EventType"),
      });
    }
    default: {
      const resultCmd = RESULT_ONLY.find((candidate) => candidate === cmdType);
      const result = okErrorOf(root, "Result");
      if (kind !== "Response" || resultCmd === undefined || result === undefined) return undefined;
      return compact({ ...header(envelope, "Response", resultCmd), result, reason: textOf(root, "Reason") });
    }
  }
}

/** Parse a MANSCDP+xml body (GB/T 28181-2016 Appendix A). Never throws. */
export function parseManscdp(bytes: Uint8Array): ManscdpParseResult {
  if (bytes.length > MAX_MANSCDP_BYTES) return { ok: false, reason: `body larger than ${MAX_MANSCDP_BYTES} bytes` };
  const { text, charset } = decodeXmlBody(bytes);
  const parsed = parseXml(text);
  if (!parsed.ok) return { ok: false, reason: parsed.reason };
  const root = parsed.root;
  const kind = KINDS.find((candidate) => candidate.toLowerCase() === root.name.toLowerCase());
  if (kind === undefined) return { ok: false, reason: `unknown root element <${root.name}>` };
  const rawCmdType = textOf(root, "CmdType");
  if (rawCmdType === undefined) return { ok: false, reason: "missing CmdType" };
  const cmdType = CMD_TYPES.find((candidate) => candidate.toLowerCase() === rawCmdType.toLowerCase()) ?? rawCmdType;
  const sn = integerOf(root, "SN");
  if (sn === undefined || sn < 0) return { ok: false, reason: "missing or invalid SN" };
  const deviceId = textOf(root, "DeviceID");
  if (deviceId === undefined) return { ok: false, reason: "missing DeviceID" };
  const envelope: Envelope = { kind, cmdType, sn, deviceId, charset };
  return parseBody(root, envelope) ?? { ok: false, reason: `unsupported ${kind} CmdType ${cmdType}`, header: envelope };
}
