// The `Data` shapes the console reads (services/api routes/data-schemas.ts describes them for OpenAPI).

export interface Organization {
  Id: string;
  Name: string;
  ParentId: string;
  Level: number;
  Total: number;
  Online: number;
}

export interface Device {
  Id: string;
  Code: string;
  Name: string;
  AccessProtocol: number;
  Type: number;
  ClusterId: string;
  TransportProtocol: number;
  Password: string;
  Description: string;
  Status: number;
  OrganizationId: string;
  /** Extension (docs/api-decisions.md "Devices"): epoch seconds of the last keepalive, 0 when none is known. */
  LastKeepaliveTime: number;
}

export interface DeviceDescription extends Device {
  ClusterName: string;
  SipId: string;
  SipDomain: string;
  SipIp: string;
  SipPort: number;
  PushStreamUrl: string;
}

export interface Channel {
  ChannelId: string;
  ChannelCode: string;
  DeviceId: string;
  Name: string;
  Status: number;
  PtzType: number;
  Manufacturer: string;
  Resolution: string;
  State: number;
}

export interface PlayUrls {
  Flv: string;
  Hls: string;
}

/** One span of a timeline (device-local `control/timeline`, cloud `record/filelist/query`), epoch seconds. */
export interface Segment {
  Begin: number;
  End: number;
}

export interface CloudTimeline {
  /** 1 when part of the range is archived (cold) and not on the timeline. */
  Tips: number;
  List: Segment[];
}

/** Live-to-cloud template (spec 03 §3): weekly sections, DayOfWeek 1 Monday … 7 Sunday, times HH:MM:SS. */
export interface TimeSection {
  DayOfWeek: number;
  StartTime: string;
  EndTime: string;
}

export interface RecordTemplate {
  TemplateId: string;
  TemplateName: string;
  TimeSections: TimeSection[];
}

export interface LifeCycle {
  Transition: number;
  Expiration: number;
}

export interface RecordPlan {
  PlanId: string;
  PlanName: string;
  TemplateId: string;
  Describe: string;
  StreamType: string;
  LifeCycle: LifeCycle;
  Status: number;
}

/** A channel of a plan (record/devicelist/query). */
export interface PlanChannel {
  DeviceId: string;
  DeviceName: string;
  ChannelId: string;
  ChannelName: string;
  OrganizationName: string;
}

export interface Page<T> {
  PageNumber: number;
  PageSize: number;
  TotalCount: number;
  List: T[];
}

export interface Gateway {
  Id: string;
  GwId: string;
  Name: string;
  ClusterName: string;
  Status: number;
}

export interface GatewayMonitor {
  UpFlow: number;
  DeviceTotal: number;
  DeviceOnline: number;
  ChannelTotal: number;
  ChannelOnline: number;
}

export interface ServiceVersion {
  Name: string;
  Version: string;
  LatestVersion: string;
  IsUpdate: boolean;
  /** While an upgrade runs: `upgrading to <version>: <stage>` (docs/api-decisions.md, G6). */
  UpgradeInfo: string;
}

export interface StreamAuth {
  Id: string;
  PushState: number;
  PushSecret: string;
  PushExpired: number;
  PullState: number;
  PullSecret: string;
  PullExpired: number;
}

export interface Region {
  Label: string;
  Value: string;
}

/** Device Status (spec 02): 0 unregistered, 1 online, 2 offline, 3 disabled. */
export const DEVICE_STATUS = ["Unregistered", "Online", "Offline", "Disabled"] as const;
export const ACCESS_PROTOCOL: Record<number, string> = { 1: "RTMP", 2: "GB28181", 3: "Gateway" };
export const TRANSPORT: Record<number, string> = { 1: "UDP", 2: "TCP" };
export const DEVICE_TYPE: Record<number, string> = { 1: "IPC", 2: "NVR" };
export const ACCESS_RTMP = 1;
export const ACCESS_GB = 2;
