import type { JsonSchema } from "../http/route.js";

// JSON Schemas of the `Data` member of responses, for the OpenAPI document.

const string = { type: "string" } as const;
const integer = { type: "integer" } as const;

function object(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", properties, required: Object.keys(properties) };
}

export const nullData: JsonSchema = { type: "null" };

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
export const device = object({ ...deviceListItemProps, ClusterName: string });
export const deviceDescription = object({
  ...deviceListItemProps,
  ClusterName: string,
  Manufacturer: string,
  SipId: string,
  SipDomain: string,
  SipIp: string,
  SipPort: integer,
  PushStreamUrl: string,
});
export const devicePage = object({ TotalCount: integer, List: { type: "array", items: object(deviceListItemProps) }, RequestId: string });

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
