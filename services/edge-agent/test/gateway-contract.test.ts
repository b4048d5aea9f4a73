import { describe, expect, it } from "vitest";
import { gatewayApiCode, gatewayHeartbeat, gatewayIsUpdate, gatewayProtocolTypes, gatewayUpgrade } from "@ivc/bus";

describe("gateway contract", () => {
  it("maps box and platform error codes to the documented API codes", () => {
    expect(gatewayApiCode("gateway_key_invalid")).toBe(41631);
    expect(gatewayApiCode("gateway_already_activated")).toBe(41632);
    expect(gatewayApiCode("gateway_protocol_invalid")).toBe(41629);
    expect(gatewayApiCode("upgrade_in_progress")).toBe(42205);
    expect(gatewayApiCode("internal")).toBe(51603);
    expect(gatewayApiCode(undefined)).toBe(51603);
  });

  it("holds the G5 dictionary exactly as documented", () => {
    expect(gatewayProtocolTypes.map((p) => [p.typeCode, p.value, p.label])).toEqual([
      ["10001", 1, "海康SDK"],
      ["10001", 2, "大华SDK"],
      ["10001", 3, "宇视SDK"],
      ["10001", 4, "Onvif"],
    ]);
  });

  it("addresses requests to one box and refuses gwIds that would change the subject", () => {
    expect(gatewayUpgrade.subject({ gwId: "h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur" })).toBe("ivc.gw.h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur.upgrade");
    expect(() => gatewayUpgrade.subject({ gwId: "a.*" })).toThrow();
    expect(gatewayHeartbeat.subject).toBe("ivc.evt.gateway.heartbeat");
  });

  it("says an update is needed when installed and latest differ", () => {
    expect(gatewayIsUpdate("t0.0.0.16", "t0.0.0.31")).toBe(true);
    expect(gatewayIsUpdate("t0.0.0.1", "t0.0.0.1")).toBe(false);
  });
});
