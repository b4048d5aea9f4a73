import { describe, expect, it } from "vitest";
import { parseManscdp } from "../src/manscdp-parse.js";
import type { ManscdpMessage, ManscdpParseResult } from "../src/manscdp-types.js";
import { hikvisionConfigDownloadResponse, mobilePositionNotify } from "./fixtures/manscdp-captures.js";

const LOBBY_GB2312 = Buffer.from("D2BBC2A5B4F3CCFC", "hex"); // 一楼大厅

/** Build a body from latin1 text where `{LOBBY}` stands for the GB2312 bytes of 一楼大厅. */
function gbBody(text: string): Buffer {
  const parts = text.split("{LOBBY}").map((part) => Buffer.from(part, "latin1"));
  return Buffer.concat(parts.flatMap((part, i) => (i === 0 ? [part] : [LOBBY_GB2312, part])));
}

function expectMessage(result: ManscdpParseResult): ManscdpMessage {
  if (!result.ok) throw new Error(`parse failed: ${result.reason}`);
  return result;
}

const HIKVISION_CATALOG = `<?xml version="1.0" encoding="GB2312"?>
<Response>
<CmdType>Catalog</CmdType>
<SN>17430</SN>
<DeviceID>34020000001110000001</DeviceID>
<SumNum>2</SumNum>
<DeviceList Num="2">
<Item>
<DeviceID>34020000001320000001</DeviceID>
<Name>{LOBBY}</Name>
<Manufacturer>Hikvision</Manufacturer>
<Model>IP Camera</Model>
<Owner>Owner</Owner>
<CivilCode>3402000000</CivilCode>
<Address>Address</Address>
<Parental>0</Parental>
<ParentID>34020000001110000001</ParentID>
<RegisterWay>1</RegisterWay>
<Secrecy>0</Secrecy>
<Status>ON</Status>
<Longitude>117.2</Longitude>
<Latitude>31.8</Latitude>
<Info>
<PTZType>1</PTZType>
</Info>
</Item>
<Item>
<DeviceID>34020000001320000002</DeviceID>
<Name>Gate</Name>
<Status>OFFLINE</Status>
</Item>
</DeviceList>
</Response>
`;

describe("parseManscdp catalog", () => {
  it("parses a Hikvision GB2312 catalog response into typed items", () => {
    const message = expectMessage(parseManscdp(gbBody(HIKVISION_CATALOG)));
    expect(message).toMatchObject({ kind: "Response", cmdType: "Catalog", sn: 17430, deviceId: "34020000001110000001", charset: "GB2312", sumNum: 2 });
    if (message.cmdType !== "Catalog" || message.kind !== "Response") throw new Error("narrowing");
    expect(message.items).toEqual([
      {
        deviceId: "34020000001320000001",
        name: "一楼大厅",
        manufacturer: "Hikvision",
        model: "IP Camera",
        owner: "Owner",
        civilCode: "3402000000",
        address: "Address",
        parental: false,
        parentId: "34020000001110000001",
        registerWay: 1,
        secrecy: 0,
        status: "ON",
        longitude: 117.2,
        latitude: 31.8,
        ptzType: 1,
      },
      { deviceId: "34020000001320000002", name: "Gate", status: "OFF" },
    ]);
  });

  it("keeps 20-digit codes and leading zeros as strings", () => {
    const message = expectMessage(parseManscdp(gbBody(HIKVISION_CATALOG.replace("<SN>17430</SN>", "<SN>007</SN>"))));
    expect(message.sn).toBe(7);
    expect(message.deviceId).toBe("34020000001110000001");
  });

  it("tolerates a missing Num attribute and SumNum larger than the items sent", () => {
    const text = HIKVISION_CATALOG.replace('<DeviceList Num="2">', "<DeviceList>").replace("<SumNum>2</SumNum>", "<SumNum>40</SumNum>");
    const message = expectMessage(parseManscdp(gbBody(text)));
    expect(message).toMatchObject({ sumNum: 40 });
    expect("items" in message && message.items.length).toBe(2);
  });

  it("accepts a single Item holding only DeviceID", () => {
    const text = `<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>34020000001110000001</DeviceID><SumNum>1</SumNum>
<DeviceList Num="1"><Item><DeviceID>34020000001320000009</DeviceID></Item></DeviceList></Response>`;
    expect(expectMessage(parseManscdp(Buffer.from(text)))).toMatchObject({ items: [{ deviceId: "34020000001320000009" }] });
  });

  it("ignores trailing NUL bytes and junk after the root element", () => {
    const bytes = Buffer.concat([gbBody(HIKVISION_CATALOG), Buffer.from([0, 0, 0]), Buffer.from("<<garbage")]);
    expect(expectMessage(parseManscdp(bytes))).toMatchObject({ cmdType: "Catalog", items: [{}, {}] });
  });

  it("accepts lower-case and mixed-case tags", () => {
    const text = `<?xml version="1.0"?><response><cmdtype>catalog</cmdtype><sn>3</sn><deviceid>34020000001110000001</deviceid>
<sumnum>1</sumnum><devicelist num="1"><item><deviceid>34020000001320000001</deviceid><Name>a</NAME><status>on</status></item></devicelist></response>`;
    expect(expectMessage(parseManscdp(Buffer.from(text)))).toMatchObject({
      kind: "Response",
      cmdType: "Catalog",
      sn: 3,
      items: [{ deviceId: "34020000001320000001", name: "a", status: "ON" }],
    });
  });

  it("trims whitespace around values", () => {
    const text = `<Response>\n <CmdType>\n Catalog \n</CmdType>\n<SN> 9 </SN><DeviceID>\t34020000001110000001 </DeviceID>
<SumNum> 1 </SumNum><DeviceList Num=" 1 "><Item><DeviceID> 34020000001320000001\r\n</DeviceID><Parental> 1 </Parental></Item></DeviceList></Response>`;
    expect(expectMessage(parseManscdp(Buffer.from(text)))).toMatchObject({
      sn: 9,
      deviceId: "34020000001110000001",
      sumNum: 1,
      items: [{ deviceId: "34020000001320000001", parental: true }],
    });
  });

  it("accepts a UTF-8 BOM", () => {
    const text = `\uFEFF<?xml version="1.0" encoding="UTF-8"?><Notify><CmdType>Keepalive</CmdType><SN>5</SN><DeviceID>34020000001110000001</DeviceID><Status>OK</Status></Notify>`;
    expect(expectMessage(parseManscdp(Buffer.from(text)))).toMatchObject({ cmdType: "Keepalive", charset: "UTF-8" });
  });

  it("parses catalog NOTIFY events, dropping unknown ones", () => {
    const text = `<Notify><CmdType>Catalog</CmdType><SN>8</SN><DeviceID>34020000001110000001</DeviceID><SumNum>3</SumNum><DeviceList Num="3">
<Item><DeviceID>34020000001320000001</DeviceID><Event>OFF</Event></Item>
<Item><DeviceID>34020000001320000002</DeviceID><Event>vlost</Event></Item>
<Item><DeviceID>34020000001320000003</DeviceID><Event>BOGUS</Event></Item></DeviceList></Notify>`;
    expect(expectMessage(parseManscdp(Buffer.from(text)))).toMatchObject({
      kind: "Notify",
      cmdType: "Catalog",
      items: [{ event: "OFF" }, { event: "VLOST" }, { deviceId: "34020000001320000003" }],
    });
  });

  it("reads BusinessGroupID from Info for virtual organisations", () => {
    const text = `<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>34020000002000000001</DeviceID><SumNum>1</SumNum><DeviceList Num="1">
<Item><DeviceID>34020000002160000001</DeviceID><Name>Org</Name><ParentID>34020000002150000001</ParentID><Info><BusinessGroupID>34020000002150000001</BusinessGroupID></Info></Item></DeviceList></Response>`;
    expect(expectMessage(parseManscdp(Buffer.from(text)))).toMatchObject({ items: [{ businessGroupId: "34020000002150000001" }] });
  });
});

describe("parseManscdp other commands", () => {
  const wrap = (root: string, cmd: string, body: string) =>
    Buffer.from(`<?xml version="1.0" encoding="GB2312"?>\r\n<${root}>\r\n<CmdType>${cmd}</CmdType>\r\n<SN>44</SN>\r\n<DeviceID>34020000001320000001</DeviceID>\r\n${body}</${root}>\r\n`);

  it("parses Keepalive with faulty sub-devices", () => {
    expect(expectMessage(parseManscdp(wrap("Notify", "Keepalive", "<Status>OK</Status><Info><DeviceID>34020000001340000001</DeviceID></Info>")))).toEqual({
      ok: true,
      kind: "Notify",
      cmdType: "Keepalive",
      sn: 44,
      deviceId: "34020000001320000001",
      charset: "GB2312",
      status: "OK",
      faultDeviceIds: ["34020000001340000001"],
    });
  });

  it("parses queries", () => {
    expect(expectMessage(parseManscdp(wrap("Query", "Catalog", "")))).toMatchObject({ kind: "Query", cmdType: "Catalog" });
    expect(expectMessage(parseManscdp(wrap("Query", "DeviceInfo", "")))).toMatchObject({ kind: "Query", cmdType: "DeviceInfo" });
    expect(expectMessage(parseManscdp(wrap("Query", "DeviceStatus", "")))).toMatchObject({ kind: "Query", cmdType: "DeviceStatus" });
    expect(expectMessage(parseManscdp(wrap("Query", "PresetQuery", "")))).toMatchObject({ kind: "Query", cmdType: "PresetQuery" });
    expect(
      expectMessage(
        parseManscdp(wrap("Query", "RecordInfo", "<StartTime>2024-03-01T00:00:00</StartTime><EndTime>2024-03-01T23:59:59</EndTime><Secrecy>0</Secrecy><Type>all</Type>")),
      ),
    ).toMatchObject({ cmdType: "RecordInfo", startTime: "2024-03-01T00:00:00", endTime: "2024-03-01T23:59:59", secrecy: 0, type: "all" });
  });

  it("parses a DeviceInfo response", () => {
    const body = "<DeviceName>IPC</DeviceName><Result>OK</Result><Manufacturer>Dahua</Manufacturer><Model>DH-IPC</Model><Firmware>2.800</Firmware><Channel>1</Channel>";
    expect(expectMessage(parseManscdp(wrap("Response", "DeviceInfo", body)))).toMatchObject({
      deviceName: "IPC",
      result: "OK",
      manufacturer: "Dahua",
      model: "DH-IPC",
      firmware: "2.800",
      channel: 1,
    });
  });

  it("parses a DeviceStatus response with alarm status items", () => {
    const body = `<Result>OK</Result><Online>ONLINE</Online><Status>OK</Status><Encode>ON</Encode><Record>OFF</Record><DeviceTime>2024-03-01T10:00:00</DeviceTime>
<Alarmstatus Num="1"><Item><DeviceID>34020000001340000001</DeviceID><DutyStatus>OFFDUTY</DutyStatus></Item></Alarmstatus>`;
    expect(expectMessage(parseManscdp(wrap("Response", "DeviceStatus", body)))).toMatchObject({
      online: true,
      status: "OK",
      encode: "ON",
      record: "OFF",
      deviceTime: "2024-03-01T10:00:00",
      alarmStatus: [{ deviceId: "34020000001340000001", dutyStatus: "OFFDUTY" }],
    });
  });

  it("parses DeviceControl commands", () => {
    const body = "<PTZCmd>a50f010800fa00b7</PTZCmd><RecordCmd>record</RecordCmd><GuardCmd>SetGuard</GuardCmd><TeleBoot>Boot</TeleBoot><IFameCmd>Send</IFameCmd><Info><ControlPriority>5</ControlPriority></Info>";
    expect(expectMessage(parseManscdp(wrap("Control", "DeviceControl", body)))).toMatchObject({
      kind: "Control",
      ptzCmd: "A50F010800FA00B7",
      recordCmd: "Record",
      guardCmd: "SetGuard",
      teleBoot: true,
      iFrameCmd: true,
      controlPriority: 5,
    });
  });

  it("parses a RecordInfo response, defaulting item DeviceID to the channel", () => {
    const body = `<Name>Camera</Name><SumNum>2</SumNum><RecordList Num="2">
<Item><DeviceID>34020000001320000001</DeviceID><Name>Camera</Name><FilePath>a.mp4</FilePath><Address>x</Address><StartTime>2024-03-01T00:00:00</StartTime><EndTime>2024-03-01T01:00:00</EndTime><Secrecy>0</Secrecy><Type>time</Type><FileSize>1024</FileSize></Item>
<Item><StartTime>2024-03-01T01:00:00</StartTime><EndTime>2024-03-01T02:00:00</EndTime></Item></RecordList>`;
    expect(expectMessage(parseManscdp(wrap("Response", "RecordInfo", body)))).toMatchObject({
      sumNum: 2,
      items: [
        { deviceId: "34020000001320000001", filePath: "a.mp4", startTime: "2024-03-01T00:00:00", type: "time", fileSize: 1024 },
        { deviceId: "34020000001320000001", startTime: "2024-03-01T01:00:00", endTime: "2024-03-01T02:00:00" },
      ],
    });
  });

  it("parses a PresetQuery response using the PresetList Num as the total", () => {
    const body = `<PresetList Num="2"><Item><PresetID>1</PresetID><PresetName>Gate</PresetName></Item><Item><PresetID>2</PresetID></Item></PresetList>`;
    expect(expectMessage(parseManscdp(wrap("Response", "PresetQuery", body)))).toMatchObject({
      sumNum: 2,
      items: [{ presetId: "1", presetName: "Gate" }, { presetId: "2" }],
    });
  });

  it("parses MediaStatus and Alarm notifies", () => {
    expect(expectMessage(parseManscdp(wrap("Notify", "MediaStatus", "<NotifyType>121</NotifyType>")))).toMatchObject({ notifyType: "121" });
    const alarm = `<AlarmPriority>1</AlarmPriority><AlarmMethod>5</AlarmMethod><AlarmTime>2024-03-01T10:00:00</AlarmTime><AlarmDescription>motion</AlarmDescription>
<Longitude>117.1</Longitude><Latitude>31.1</Latitude><Info><AlarmType>2</AlarmType><AlarmTypeParam><EventType>1</EventType></AlarmTypeParam></Info>`;
    expect(expectMessage(parseManscdp(wrap("Notify", "Alarm", alarm)))).toMatchObject({
      alarmPriority: 1,
      alarmMethod: "5",
      alarmTime: "2024-03-01T10:00:00",
      alarmDescription: "motion",
      longitude: 117.1,
      alarmType: 2,
      eventType: 1,
    });
  });

  it("parses result-only responses", () => {
    expect(expectMessage(parseManscdp(wrap("Response", "DeviceControl", "<Result>ERROR</Result>")))).toMatchObject({
      kind: "Response",
      cmdType: "DeviceControl",
      result: "ERROR",
    });
  });

  it("fails with the envelope for unsupported commands so the caller can still answer", () => {
    const result = parseManscdp(wrap("Query", "ConfigDownload", ""));
    expect(result).toMatchObject({ ok: false, header: { kind: "Query", cmdType: "ConfigDownload", sn: 44 } });
  });

  it("fails without throwing on malformed envelopes", () => {
    expect(parseManscdp(Buffer.from("not xml"))).toMatchObject({ ok: false });
    expect(parseManscdp(Buffer.from("<Foo><CmdType>Catalog</CmdType></Foo>"))).toMatchObject({ ok: false, reason: "unknown root element <Foo>" });
    expect(parseManscdp(Buffer.from("<Query><CmdType>Catalog</CmdType><DeviceID>1</DeviceID></Query>"))).toMatchObject({ ok: false, reason: "missing or invalid SN" });
    expect(parseManscdp(Buffer.from("<Query><SN>1</SN></Query>"))).toMatchObject({ ok: false, reason: "missing CmdType" });
    expect(parseManscdp(Buffer.from("<Query><CmdType>Catalog</CmdType><SN>1</SN>"))).toMatchObject({ ok: false });
    expect(parseManscdp(Buffer.alloc(2 * 1024 * 1024, 0x20))).toMatchObject({ ok: false });
  });
});

describe("MobilePosition (A.2.5.5)", () => {
  it("reads the position of a vehicle camera's notification", () => {
    expect(parseManscdp(mobilePositionNotify("34020000001320000001", 2))).toEqual({
      ok: true,
      kind: "Notify",
      cmdType: "MobilePosition",
      sn: 2,
      deviceId: "34020000001320000001",
      charset: "GB2312",
      time: "2026-12-07T16:30:12",
      longitude: 116.397128,
      latitude: 39.916527,
      speed: 36.5,
      direction: 90,
      altitude: 43,
    });
  });

  it("keeps the readable envelope of a CmdType it does not know (ConfigDownload)", () => {
    expect(parseManscdp(hikvisionConfigDownloadResponse("34020000001320000001", 17_430))).toMatchObject({
      ok: false,
      header: { kind: "Response", cmdType: "ConfigDownload", sn: 17_430, deviceId: "34020000001320000001" },
    });
  });
});

