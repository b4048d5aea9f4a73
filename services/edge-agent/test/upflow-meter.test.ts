import { describe, expect, it } from "vitest";
import { UpFlowMeter } from "../src/upflow-meter.js";

describe("UpFlowMeter", () => {
  it("gives kilobits per second over the time since the last reading, then starts over", () => {
    let now = 0;
    const meter = new UpFlowMeter(() => now);
    meter.add(250_000);
    meter.add(375_000);
    now = 5000;
    expect(meter.takeKbps()).toBe(1000);
    now = 10_000;
    expect(meter.takeKbps()).toBe(0);
  });
});
