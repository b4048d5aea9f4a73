import { BusError } from "@ivc/bus";
import { describe, expect, it } from "vitest";
import { inviteFailure } from "../src/invite-failure.js";

const remote = (code: string, message = "detail") => new BusError("remote", "ivc.c.sip.invite", message, code);

describe("inviteFailure", () => {
  it.each([
    ["sip_timeout", "signaling timeout", 504, undefined],
    ["device_offline", "device offline", 404, undefined],
    ["sip_unreachable", "device unreachable", 502, undefined],
    ["device_refused", "device refused", 502, undefined],
    ["sip_403", "device refused", 502, 403],
    ["sip_486", "device refused", 502, 486],
    ["sip_503", "device refused", 502, 503],
    ["sip_603", "device refused", 502, 603],
    ["sip_bad_answer", "signaling", 502, undefined],
  ])("maps the sip-server's %s to the stage %s (HTTP %i)", (code, stage, status, sipStatus) => {
    const error = inviteFailure(remote(code));
    expect({ stage: error.stage, status: error.httpStatus, sipStatus: error.sipStatus }).toEqual({ stage, status, sipStatus });
    expect(error.message).toContain("detail");
  });

  it("maps a bus timeout to signaling timeout and no responders to signaling unavailable", () => {
    expect(inviteFailure(new BusError("timeout", "s", "timed out"))).toMatchObject({ stage: "signaling timeout", httpStatus: 504 });
    expect(inviteFailure(new BusError("no_responders", "s", "nobody"))).toMatchObject({ stage: "signaling unavailable", httpStatus: 502 });
    expect(inviteFailure(new BusError("invalid_reply", "s", "bad schema"))).toMatchObject({ stage: "signaling", httpStatus: 502 });
    expect(inviteFailure(new Error("boom"))).toMatchObject({ stage: "signaling", message: "boom" });
  });
});
