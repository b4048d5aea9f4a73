import { describe, expect, it } from "vitest";
import { parseAddDevice } from "../src/local-http.js";

describe("local page add form", () => {
  it("reads form fields into an add request", () => {
    expect(parseAddDevice({ protocol: "4", ip: " 192.168.1.64 ", port: "80", user: "admin", password: "x", channels: "" })).toEqual({
      protocolType: 4,
      ip: "192.168.1.64",
      port: 80,
      user: "admin",
      password: "x",
    });
    expect(parseAddDevice({ protocolType: 1, ip: "10.0.0.2", port: 8000, channels: "4", type: "2", rtspPort: "554" })).toMatchObject({ channelCount: 4, type: 2, rtspPort: 554 });
  });

  it("refuses a missing address, a port out of range and non-integers", () => {
    expect(parseAddDevice({ protocol: "4", ip: "", port: "80" })).toBeUndefined();
    expect(parseAddDevice({ protocol: "4", ip: "1.2.3.4", port: "70000" })).toBeUndefined();
    expect(parseAddDevice({ protocol: "four", ip: "1.2.3.4", port: "80" })).toBeUndefined();
    expect(parseAddDevice({ protocol: "4", ip: "1.2.3.4", port: "80", channels: "2.5" })).toBeUndefined();
  });
});
