import type { JsonSchema } from "../http/route.js";

// JSON Schemas of the `Data` member of responses, for the OpenAPI document.

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;

function object(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", properties, required: Object.keys(properties) };
}

export const nullData: JsonSchema = { type: "null" };

/** Download routes answer the file itself (application/download, xlsx); only a refusal comes in the envelope. */
export const xlsxDownload: JsonSchema = { description: "Not JSON on success: the .xlsx file (Content-Type application/download)" };

export const importProgress = object({ State: integer, Rate: { type: "number" }, Total: integer, Succeed: integer, Failed: integer });

export const organization = object({ Id: string, Name: string, ParentId: string, Level: integer });
export const organizationList: JsonSchema = {
  type: "array",
  items: object({ Id: string, Name: string, ParentId: string, Level: integer, Total: integer, Online: integer }),
};

export const regionList: JsonSchema = { type: "array", items: object({ Label: string, Value: string }) };

const deviceListItemProps = {
  Id: string,
  Code: string,
  Name: string,
  AccessProtocol: integer,
  Type: integer,
  ClusterId: string,
  TransportProtocol: integer,
  Password: string,
  Description: string,
  Status: integer,
  OrganizationId: string,
};
/** Extension (docs/api-decisions.md "Devices"): epoch seconds of the last keepalive, 0 when none is known. */
const lastKeepalive = { LastKeepaliveTime: integer };
export const device = object({ ...deviceListItemProps, ClusterName: string });
export const deviceDescription = object({
  ...deviceListItemProps,
  ...lastKeepalive,
  ClusterName: string,
  Manufacturer: string,
  SipId: string,
  SipDomain: string,
  SipIp: string,
  SipPort: integer,
  PushStreamUrl: string,
});
export const devicePage = object({ TotalCount: integer, List: { type: "array", items: object({ ...deviceListItemProps, ...lastKeepalive }) }, RequestId: string });

export const channelList: JsonSchema = {
  type: "array",
  items: object({
    ChannelId: string,
    ChannelCode: string,
    DeviceId: string,
    Name: string,
    Status: integer,
    PtzType: integer,
    Manufacturer: string,
    Resolution: string,
    State: integer,
  }),
};

export const streamAuth = object({
  Id: string,
  PushState: integer,
  PushSecret: string,
  PushExpired: integer,
  PullState: integer,
  PullSecret: string,
  PullExpired: integer,
});

export const playUrls = object({ Flv: string, Hls: string });
export const presetList: JsonSchema = { type: "array", items: object({ Index: integer, Name: string }) };
export const timeline: JsonSchema = { type: "array", items: object({ Begin: integer, End: integer }) };
export const recordUrl = object({ Flv: string });

const boolean = { type: "boolean" } as const;
const gatewayProps = { Id: string, GwId: string, Name: string, Description: string, ClusterId: string, ClusterName: string, Status: integer };
export const gateway = object(gatewayProps);
export const gatewayPage = object({ TotalCount: integer, List: { type: "array", items: object({ ...gatewayProps, CreatedAt: string }) } });
export const gatewayDescription = object({
  Id: string,
  Name: string,
  GwId: string,
  ClusterId: string,
  ClusterName: string,
  Description: string,
  Version: { type: "array", items: object({ Name: string, Version: string }) },
});
export const gatewayMonitor = object({
  UpFlow: integer,
  DeviceTotal: integer,
  DeviceOnline: integer,
  DeviceOffline: integer,
  ChannelTotal: integer,
  ChannelOnline: integer,
  ChannelOffline: integer,
});
export const gatewayDeviceList = object({
  TotalCount: integer,
  List: {
    type: "array",
    items: object({ Id: string, Name: string, ProtocolType: integer, ProtocolTypeName: string, Type: integer, Ip: string, Port: integer, ChannelNum: integer, Status: integer }),
  },
});
export const gatewayProtocolTypeList: JsonSchema = { type: "array", items: object({ TypeCode: string, Label: string, Value: integer }) };
export const gatewayVersions = object({
  Services: { type: "array", items: object({ Name: string, Version: string, LatestVersion: string, IsUpdate: boolean, UpgradeInfo: string }) },
});

const domainProps = { Id: string, PlayDomain: string, InternalDomain: string, HaveCert: integer, ClusterId: string, ClusterName: string };
/** domain/add answers the table's fields and the example's `Have_cert` spelling too (spec 01 §5.4). */
export const addedDomain = object({ ...domainProps, Have_cert: integer, Status: integer });
export const domainList: JsonSchema = { type: "array", items: object(domainProps) };
export const cname: JsonSchema = string;
export const booleanData: JsonSchema = boolean;
export const emptyObject: JsonSchema = { type: "object", properties: {} };
const timeSections: JsonSchema = { type: "array", items: object({ DayOfWeek: integer, StartTime: string, EndTime: string }) };
export const recordTemplate = object({ TemplateId: string, TemplateName: string, TimeSections: timeSections });
export const recordTemplateList: JsonSchema = { type: "array", items: recordTemplate };
export const uploadTemplate = object({ TemplateId: string, TemplateName: string, TimeSections: timeSections, DevTimeSections: timeSections, Scale: integer, CreateAt: string, UpdateAt: string });
export const uploadTemplateList: JsonSchema = { type: "array", items: uploadTemplate };
export const recordPlanSummary = object({ PlanId: string, PlanName: string, TemplateId: string, Describe: string });
export const recordPlan = object({
  PlanId: string,
  PlanName: string,
  TemplateId: string,
  Describe: string,
  StreamType: string,
  LifeCycle: object({ Transition: integer, Expiration: integer }),
  Status: integer,
});
export const recordPlanList: JsonSchema = { type: "array", items: recordPlan };
const lifeCycle = object({ Transition: integer, Expiration: integer });
export const uploadPlanSummary = object({ PlanId: string, PlanName: string, TemplateId: string, Describe: string, LifeCycle: lifeCycle });
export const uploadPlan = object({ PlanId: string, PlanName: string, TemplateId: string, Describe: string, LifeCycle: lifeCycle, Status: integer });
export const uploadPlanList: JsonSchema = { type: "array", items: uploadPlan };
const channelPage = (item: Record<string, JsonSchema>) => object({ PageNumber: integer, PageSize: integer, TotalCount: integer, List: { type: "array", items: object(item) } });
export const recordPlanChannelPage = channelPage({ DeviceId: string, DeviceName: string, ChannelId: string, ChannelName: string, OrganizationName: string });
const uploadPiece = object({ StartTime: integer, EndTime: integer, State: string, StoredUntil: integer, Reason: string });
export const uploadPlanChannelPage = channelPage({
  DeviceId: string,
  DeviceName: string,
  ChannelId: string,
  ChannelName: string,
  OrganizationName: string,
  PlanId: string,
  UploadDay: string,
  Pieces: { type: "array", items: uploadPiece },
});
export const recordOrganizationChannelPage = channelPage({ DeviceId: string, DeviceName: string, ChannelId: string, ChannelName: string, InPlan: boolean });
export const recordChannelIds = object({ List: { type: "array", items: string } });
export const recordChannelCount = object({ TotalCount: integer, NotInPlanCount: integer });

const retrievalTaskProps = { TaskId: string, TaskName: string, StartTime: integer, EndTime: integer, Mode: integer, Expiration: integer, Status: integer, Capacity: { type: "number" } as const };
export const retrievalTask = object(retrievalTaskProps);
export const retrievalTaskList: JsonSchema = { type: "array", items: retrievalTask };
export const retrievalTaskDetails = object({
  ...retrievalTaskProps,
  Channels: { type: "array", items: object({ DeviceId: string, DeviceName: string, ChannelId: string, ChannelName: string, Status: integer }) },
});
