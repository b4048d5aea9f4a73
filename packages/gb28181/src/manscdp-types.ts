import type { XmlCharset } from "./xml-charset.js";

/** Root element of a MANSCDP body (GB/T 28181-2016 Appendix A.1). */
export type ManscdpKind = "Query" | "Response" | "Notify" | "Control";
export type OnOff = "ON" | "OFF";
export type OkError = "OK" | "ERROR";
/** Catalog NOTIFY events (GB/T 28181-2016 §9.6.3; VLOST/DEFECT added by 2022 §9.6.3). */
export type CatalogEvent = "ADD" | "DEL" | "UPDATE" | "ON" | "OFF" | "VLOST" | "DEFECT";

interface ManscdpHeader<K extends ManscdpKind, C extends string> {
  readonly ok: true;
  readonly kind: K;
  readonly cmdType: C;
  readonly sn: number;
  readonly deviceId: string;
  /** Charset the peer used; answer in the same one. */
  readonly charset: XmlCharset;
}

/** Catalog device item (GB/T 28181-2016 A.2.6.3 itemType). */
export interface CatalogItem {
  readonly deviceId: string;
  readonly event?: CatalogEvent;
  readonly name?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly owner?: string;
  readonly civilCode?: string;
  readonly block?: string;
  readonly address?: string;
  readonly parental?: boolean;
  readonly parentId?: string;
  readonly businessGroupId?: string;
  readonly safetyWay?: number;
  readonly registerWay?: number;
  readonly certNum?: string;
  readonly certifiable?: boolean;
  readonly errCode?: number;
  readonly endTime?: string;
  readonly secrecy?: number;
  readonly ipAddress?: string;
  readonly port?: number;
  readonly password?: string;
  readonly status?: OnOff;
  readonly longitude?: number;
  readonly latitude?: number;
  /** Info/PTZType: 1 dome, 2 half-dome, 3 fixed box, 4 remote-controlled fixed. */
  readonly ptzType?: number;
  readonly positionType?: number;
  readonly resolution?: string;
  readonly downloadSpeed?: string;
}

export interface RecordItem {
  readonly deviceId: string;
  readonly name?: string;
  readonly filePath?: string;
  readonly address?: string;
  /** Local time as sent, "YYYY-MM-DDTHH:mm:ss" (A.2.1 dateTime, no zone). */
  readonly startTime?: string;
  readonly endTime?: string;
  readonly secrecy?: number;
  /** time | alarm | manual | all */
  readonly type?: string;
  readonly recorderId?: string;
  readonly fileSize?: number;
}

export interface PresetItem {
  readonly presetId: string;
  readonly presetName?: string;
}

export interface AlarmStatusItem {
  readonly deviceId: string;
  /** ONDUTY | OFFDUTY | ALARM */
  readonly dutyStatus?: string;
}

export interface KeepaliveNotify extends ManscdpHeader<"Notify", "Keepalive"> {
  readonly status?: string;
  /** Info/DeviceID: faulty sub-devices reported with the heartbeat. */
  readonly faultDeviceIds: readonly string[];
}

export interface CatalogQuery extends ManscdpHeader<"Query", "Catalog"> {
  readonly startTime?: string;
  readonly endTime?: string;
}

export interface CatalogResponse extends ManscdpHeader<"Response", "Catalog"> {
  readonly sumNum?: number;
  readonly items: readonly CatalogItem[];
}

export interface CatalogNotify extends ManscdpHeader<"Notify", "Catalog"> {
  readonly sumNum?: number;
  readonly items: readonly CatalogItem[];
}

export type DeviceInfoQuery = ManscdpHeader<"Query", "DeviceInfo">;

export interface DeviceInfoResponse extends ManscdpHeader<"Response", "DeviceInfo"> {
  readonly result?: OkError;
  readonly deviceName?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly firmware?: string;
  readonly channel?: number;
}

export type DeviceStatusQuery = ManscdpHeader<"Query", "DeviceStatus">;

export interface DeviceStatusResponse extends ManscdpHeader<"Response", "DeviceStatus"> {
  readonly result?: OkError;
  readonly online?: boolean;
  readonly status?: OkError;
  readonly reason?: string;
  readonly encode?: OnOff;
  readonly record?: OnOff;
  readonly deviceTime?: string;
  readonly alarmStatus: readonly AlarmStatusItem[];
}

/** DeviceControl commands (GB/T 28181-2016 A.2.3.1). */
export interface DeviceControl extends ManscdpHeader<"Control", "DeviceControl"> {
  /** 16 hex chars, see decodePtzCmd. */
  readonly ptzCmd?: string;
  readonly teleBoot?: boolean;
  readonly recordCmd?: "Record" | "StopRecord";
  readonly guardCmd?: "SetGuard" | "ResetGuard";
  readonly alarmCmd?: "ResetAlarm";
  /** IFameCmd (sic, the standard's spelling) = Send. */
  readonly iFrameCmd?: boolean;
  readonly homePosition?: { readonly enabled: boolean; readonly resetTime?: number; readonly presetIndex?: number };
  readonly controlPriority?: number;
  /** GB/T 28181-2022: stream to record for RecordCmd. */
  readonly streamNumber?: number;
}

export interface RecordInfoQuery extends ManscdpHeader<"Query", "RecordInfo"> {
  readonly startTime?: string;
  readonly endTime?: string;
  readonly filePath?: string;
  readonly address?: string;
  readonly secrecy?: number;
  readonly type?: string;
  readonly recorderId?: string;
  readonly indistinctQuery?: number;
}

export interface RecordInfoResponse extends ManscdpHeader<"Response", "RecordInfo"> {
  readonly name?: string;
  readonly sumNum?: number;
  readonly items: readonly RecordItem[];
}

export type PresetQuery = ManscdpHeader<"Query", "PresetQuery">;

export interface PresetQueryResponse extends ManscdpHeader<"Response", "PresetQuery"> {
  readonly sumNum?: number;
  readonly items: readonly PresetItem[];
}

/** NotifyType 121 = end of a playback/download file stream (A.2.5.6). */
export interface MediaStatusNotify extends ManscdpHeader<"Notify", "MediaStatus"> {
  readonly notifyType?: string;
}

/** A.2.5.5: where a mobile device is; Speed km/h, Direction degrees clockwise from north, Altitude m. */
export interface MobilePositionNotify extends ManscdpHeader<"Notify", "MobilePosition"> {
  readonly time?: string;
  readonly longitude: number;
  readonly latitude: number;
  readonly speed?: number;
  readonly direction?: number;
  readonly altitude?: number;
}

export interface AlarmNotify extends ManscdpHeader<"Notify", "Alarm"> {
  readonly alarmPriority?: number;
  readonly alarmMethod?: string;
  readonly alarmTime?: string;
  readonly alarmDescription?: string;
  readonly longitude?: number;
  readonly latitude?: number;
  readonly alarmType?: number;
  readonly eventType?: number;
}

/** CmdTypes whose response carries nothing but Result (A.2.6.1, A.2.6.2, A.2.6.7). */
export type ResultOnlyCmdType = "DeviceControl" | "DeviceConfig" | "Alarm" | "Broadcast";

export interface ResultResponse extends ManscdpHeader<"Response", ResultOnlyCmdType> {
  readonly result: OkError;
  readonly reason?: string;
}

export type ManscdpMessage =
  | KeepaliveNotify
  | CatalogQuery
  | CatalogResponse
  | CatalogNotify
  | DeviceInfoQuery
  | DeviceInfoResponse
  | DeviceStatusQuery
  | DeviceStatusResponse
  | DeviceControl
  | RecordInfoQuery
  | RecordInfoResponse
  | PresetQuery
  | PresetQueryResponse
  | MediaStatusNotify
  | MobilePositionNotify
  | AlarmNotify
  | ResultResponse;

export interface ManscdpFailure {
  readonly ok: false;
  readonly reason: string;
  /** Present when the envelope was readable, so the caller can still answer (e.g. unsupported CmdType). */
  readonly header?: {
    readonly kind: ManscdpKind;
    readonly cmdType: string;
    readonly sn: number;
    readonly deviceId: string;
    readonly charset: XmlCharset;
  };
}

export type ManscdpParseResult = ManscdpMessage | ManscdpFailure;
