import { describe, expect, it } from "vitest";
import { HealthRegistry } from "@ivc/runtime";

describe("HealthRegistry", () => {
  it("is ok only when every dependency is ok", async () => {
    const health = new HealthRegistry("svc", "1.0.0");
    health.register("nats", () => ({ ok: true, detail: "127.0.0.1:4222" }));
    expect((await health.report()).status).toBe("ok");
    health.register("redis", () => ({ ok: false, detail: "connecting" }));
    const report = await health.report();
    expect(report.status).toBe("degraded");
    expect(report.dependencies).toEqual({ nats: { ok: true, detail: "127.0.0.1:4222" }, redis: { ok: false, detail: "connecting" } });
  });

  it("counts a check that throws or hangs as down, with the reason", async () => {
    const health = new HealthRegistry("svc", "1.0.0", 50);
    health.register("throws", () => {
      throw new Error("ECONNREFUSED");
    });
    health.register("hangs", () => new Promise(() => undefined));
    const report = await health.report();
    expect(report.dependencies.throws).toEqual({ ok: false, detail: "ECONNREFUSED" });
    expect(report.dependencies.hangs?.ok).toBe(false);
    expect(report.dependencies.hangs?.detail).toMatch(/no answer within 50 ms/);
  });
});
