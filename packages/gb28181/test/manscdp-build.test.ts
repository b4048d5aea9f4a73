import { describe, expect, it } from "vitest";
import {
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
} from "../src/manscdp-build.js";
import { parseManscdp } from "../src/manscdp-parse.js";

const envelope = { sn: 12, deviceId: "34020000001320000001" };

describe("MANSCDP builders", () => {
  it("builds a Catalog query in the exact layout devices expect", () => {
    expect(buildCatalogQuery({ sn: 7, deviceId: "34020000001110000001" }).toString("latin1")).toBe(
      '<?xml version="1.0" encoding="GB2312"?>\r\n<Query>\r\n<CmdType>Catalog</CmdType>\r\n<SN>7</SN>\r\n<DeviceID>34020000001110000001</DeviceID>\r\n</Query>\r\n',
    );
  });

  it("builds a PTZ DeviceControl with ControlPriority 5 after the command", () => {
    expect(buildDeviceControl({ ...envelope, ptzCmd: "A50F0100000000B5" }).toString("latin1")).toBe(
      '<?xml version="1.0" encoding="GB2312"?>\r\n<Control>\r\n<CmdType>DeviceControl</CmdType>\r\n<SN>12</SN>\r\n<DeviceID>34020000001320000001</DeviceID>\r\n' +
        "<PTZCmd>A50F0100000000B5</PTZCmd>\r\n<Info>\r\n<ControlPriority>5</ControlPriority>\r\n</Info>\r\n</Control>\r\n",
    );
  });

  it("builds a RecordInfo query with Secrecy 0 and Type all by default", () => {
    const text = buildRecordInfoQuery({ ...envelope, startTime: "2024-03-01T00:00:00", endTime: "2024-03-01T23:59:59" }).toString("latin1");
    expect(text).toContain(
      "<DeviceID>34020000001320000001</DeviceID>\r\n<StartTime>2024-03-01T00:00:00</StartTime>\r\n<EndTime>2024-03-01T23:59:59</EndTime>\r\n<Secrecy>0</Secrecy>\r\n<Type>all</Type>\r\n</Query>",
    );
  });

  it("writes Chinese names in the requested charset and escapes markup", () => {
    const bytes = buildCatalogResponse({ ...envelope, sumNum: 1, items: [{ deviceId: "34020000001320000002", name: "一楼大厅 <A&B>" }] });
    expect(bytes.includes(Buffer.from("D2BBC2A5B4F3CCFC", "hex"))).toBe(true);
    expect(bytes.toString("latin1")).toContain(" &lt;A&amp;B&gt;</Name>");
    const utf8 = buildCatalogResponse({ ...envelope, charset: "UTF-8", sumNum: 1, items: [{ deviceId: "34020000001320000002", name: "一楼大厅" }] });
    expect(utf8.toString("utf8")).toContain('encoding="UTF-8"');
    expect(utf8.toString("utf8")).toContain("<Name>一楼大厅</Name>");
  });

  it("round-trips every builder through parseManscdp", () => {
    const cases = [
      [buildCatalogQuery(envelope), { kind: "Query", cmdType: "Catalog" }],
      [buildDeviceInfoQuery(envelope), { kind: "Query", cmdType: "DeviceInfo" }],
      [buildDeviceStatusQuery(envelope), { kind: "Query", cmdType: "DeviceStatus" }],
      [buildPresetQuery(envelope), { kind: "Query", cmdType: "PresetQuery" }],
      [
        buildRecordInfoQuery({ ...envelope, startTime: "2024-03-01T00:00:00", endTime: "2024-03-02T00:00:00", type: "time" }),
        { cmdType: "RecordInfo", startTime: "2024-03-01T00:00:00", endTime: "2024-03-02T00:00:00", type: "time", secrecy: 0 },
      ],
      [
        buildDeviceControl({ ...envelope, recordCmd: "StopRecord", guardCmd: "ResetGuard", homePosition: { enabled: true, resetTime: 30, presetIndex: 2 } }),
        { kind: "Control", recordCmd: "StopRecord", guardCmd: "ResetGuard", homePosition: { enabled: true, resetTime: 30, presetIndex: 2 } },
      ],
      [buildKeepaliveNotify({ ...envelope, faultDeviceIds: ["34020000001340000001"] }), { cmdType: "Keepalive", status: "OK", faultDeviceIds: ["34020000001340000001"] }],
      [
        buildCatalogResponse({
          ...envelope,
          sumNum: 5,
          items: [{ deviceId: "34020000001320000002", name: "一楼大厅", parental: false, status: "ON", longitude: 117.5, ptzType: 3 }],
        }),
        { kind: "Response", sumNum: 5, items: [{ deviceId: "34020000001320000002", name: "一楼大厅", parental: false, status: "ON", longitude: 117.5, ptzType: 3 }] },
      ],
      [
        buildCatalogNotify({ ...envelope, items: [{ deviceId: "34020000001320000002", event: "DEL" }] }),
        { kind: "Notify", cmdType: "Catalog", sumNum: 1, items: [{ deviceId: "34020000001320000002", event: "DEL" }] },
      ],
      [
        buildDeviceInfoResponse({ ...envelope, deviceName: "虚拟设备", manufacturer: "IVC", model: "virtual", firmware: "1.0", channel: 4 }),
        { deviceName: "虚拟设备", result: "OK", manufacturer: "IVC", channel: 4 },
      ],
      [
        buildDeviceStatusResponse({ ...envelope, online: false, encode: "ON", alarmStatus: [{ deviceId: "34020000001340000001", dutyStatus: "ALARM" }] }),
        { online: false, status: "OK", encode: "ON", alarmStatus: [{ deviceId: "34020000001340000001", dutyStatus: "ALARM" }] },
      ],
      [
        buildRecordInfoResponse({ ...envelope, sumNum: 3, items: [{ deviceId: envelope.deviceId, startTime: "2024-03-01T00:00:00", endTime: "2024-03-01T01:00:00", type: "time" }] }),
        { sumNum: 3, items: [{ startTime: "2024-03-01T00:00:00", secrecy: 0, type: "time" }] },
      ],
      [buildPresetQueryResponse({ ...envelope, items: [{ presetId: "1", presetName: "门口" }] }), { sumNum: 1, items: [{ presetId: "1", presetName: "门口" }] }],
      [buildMediaStatusNotify(envelope), { cmdType: "MediaStatus", notifyType: "121" }],
      [buildResultResponse({ ...envelope, cmdType: "DeviceControl", result: "OK" }), { kind: "Response", cmdType: "DeviceControl", result: "OK" }],
    ] as const;
    for (const [bytes, expected] of cases) {
      expect(parseManscdp(bytes)).toMatchObject({ ok: true, sn: 12, deviceId: envelope.deviceId, charset: "GB2312", ...expected });
    }
  });
});
