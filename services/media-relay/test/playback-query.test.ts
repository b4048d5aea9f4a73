import { describe, expect, it } from "vitest";
import { parsePlaybackQuery } from "../src/playback-query.js";

const parse = (query: string) => parsePlaybackQuery(new URLSearchParams(query));

describe("parsePlaybackQuery", () => {
  it("reads epoch seconds as the API writes them (spec 02 §22 example)", () => {
    expect(parse("start=1656604800&end=1656608400&stream_type=1")).toEqual({ ok: true, range: { startMs: 1656604800_000, endMs: 1656608400_000 } });
  });

  it("accepts epoch milliseconds", () => {
    expect(parse("start=1656604800000&end=1656604805000")).toEqual({ ok: true, range: { startMs: 1656604800_000, endMs: 1656604805_000 } });
  });

  it("refuses a missing bound, a non-number and an empty range", () => {
    expect(parse("start=1656604800")).toMatchObject({ ok: false, message: expect.stringContaining("end") });
    expect(parse("start=-5&end=10")).toMatchObject({ ok: false });
    expect(parse("start=1e9&end=2e9")).toMatchObject({ ok: false });
    expect(parse("start=1656608400&end=1656604800")).toEqual({ ok: false, message: "start must be before end" });
  });
});
