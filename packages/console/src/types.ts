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
