import { describe, expect, it } from "vitest";
import { ConfigError, commonEnv, DEFAULT_UTC_OFFSET, DEFAULT_UTC_OFFSET_MINUTES, defaultClusterId, env, loadConfig, parseUtcOffset, resolveClusterId } from "@ivc/runtime";

const spec = {
  PORT: env.port(8080),
  RANGE: env.portRange({ first: 30000, last: 30999 }),
  MODE: env.oneOf(["udp", "tcp"], "udp"),
  FLAG: env.bool(false),
  WAIT: env.seconds(18),
  CODE: env.gbCode("34020000002000000001", 20),
  URL: env.url("nats://127.0.0.1:4222", ["nats"]),
  IP: env.ipv4("0.0.0.0"),
  COUNT: env.int(3, 1, 20),
};

describe("loadConfig", () => {
  it("uses the defaults when nothing is set", () => {
    expect(loadConfig(spec, {})).toEqual({
      PORT: 8080,
      RANGE: { first: 30000, last: 30999 },
      MODE: "udp",
      FLAG: false,
      WAIT: 18_000,
      CODE: "34020000002000000001",
      URL: "nats://127.0.0.1:4222",
      IP: "0.0.0.0",
      COUNT: 3,
    });
  });

  it("reads and converts set values", () => {
    const cfg = loadConfig(spec, { PORT: "5060", RANGE: "40000-40010", MODE: "tcp", FLAG: "yes", WAIT: "0.5", COUNT: "20" });
    expect(cfg).toMatchObject({ PORT: 5060, RANGE: { first: 40000, last: 40010 }, MODE: "tcp", FLAG: true, WAIT: 500, COUNT: 20 });
  });

  const bad: Array<[keyof typeof spec, string, RegExp]> = [
    ["PORT", "abc", /PORT="abc" is not allowed: expected a TCP\/UDP port number from 1 to 65535/],
    ["PORT", "70000", /PORT="70000"/],
    ["PORT", "80.5", /PORT="80.5"/],
    ["RANGE", "31000-30000", /RANGE="31000-30000" is not allowed: expected a range FIRST-LAST/],
    ["RANGE", "80-90", /RANGE="80-90"/],
    ["MODE", "sctp", /MODE="sctp" is not allowed: expected one of udp, tcp/],
    ["FLAG", "maybe", /FLAG="maybe" is not allowed: expected true or false/],
    ["WAIT", "-1", /WAIT="-1" is not allowed: expected a number of seconds/],
    ["WAIT", "soon", /WAIT="soon"/],
    ["CODE", "3402000000200000000", /CODE="3402000000200000000" is not allowed: expected exactly 20 digits/],
    ["URL", "http://x", /URL="http:\/\/x" is not allowed: expected a URL with scheme nats:\/\//],
    ["IP", "300.1.1.1", /IP="300.1.1.1" is not allowed: expected an IPv4 address/],
    ["COUNT", "0", /COUNT="0" is not allowed: expected an integer from 1 to 20/],
  ];
  it.each(bad)("%s=%s gives one line naming the variable, the value and what is allowed", (name, value, message) => {
    let caught: unknown;
    try {
      loadConfig(spec, { [name]: value });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("\n");
  });

  it("a variable without a default is required", () => {
    expect(() => loadConfig({ NEEDED: env.string(undefined) }, {})).toThrow(/NEEDED is required/);
  });

  it("the cluster id defaults to a stable UUID-shaped id derived from SIP_ID", () => {
    const cfg = loadConfig(commonEnv, {});
    const id = resolveClusterId(cfg);
    expect(id).toBe(defaultClusterId("34020000002000000001"));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(defaultClusterId("34020000002000000002")).not.toBe(id);
    expect(resolveClusterId({ ...cfg, CLUSTER_ID: "site-7" })).toBe("site-7");
  });
});

describe("UTC offsets (DEVICE_TIME_ZONE, RECORD_TIME_ZONE)", () => {
  it("reads ±HH:MM as minutes east of UTC", () => {
    expect(parseUtcOffset("+08:00")).toBe(480);
    expect(parseUtcOffset("-05:30")).toBe(-330);
    expect(parseUtcOffset("+00:00")).toBe(0);
    expect(parseUtcOffset("+14:00")).toBe(840);
    expect(parseUtcOffset(DEFAULT_UTC_OFFSET)).toBe(DEFAULT_UTC_OFFSET_MINUTES);
  });

  it("rejects other forms", () => {
    for (const text of ["08:00", "+8:00", "+15:00", "+08:60", "UTC+8", "Asia/Shanghai", ""]) expect(parseUtcOffset(text), text).toBeUndefined();
  });

  it("as a variable: the default when unset, a one-line error naming the rule otherwise", () => {
    const zone = { RECORD_TIME_ZONE: env.utcOffset(DEFAULT_UTC_OFFSET) };
    expect(loadConfig(zone, {}).RECORD_TIME_ZONE).toBe("+08:00");
    expect(loadConfig(zone, { RECORD_TIME_ZONE: "-03:00" }).RECORD_TIME_ZONE).toBe("-03:00");
    expect(() => loadConfig(zone, { RECORD_TIME_ZONE: "CST" })).toThrow('RECORD_TIME_ZONE="CST" is not allowed: expected a UTC offset such as +08:00 or -05:00');
  });
});
