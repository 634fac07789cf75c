import { describe, expect, it } from "vitest";
import type { Reading } from "./api";
import { makeReading } from "./fixtures";
import { pendingReview, pendingSpans, readingCount } from "./review";

const device = (id: string, at: string, extra: Partial<Reading> = {}): Reading =>
  makeReading(id, at, { source: "device", device_id: "00A0", ...extra });

describe("monitor readings awaiting validation", () => {
  it("are the current device readings nobody validated, oldest first", () => {
    const list = [
      device("late", "2026-12-01T14:10:00Z"),
      makeReading("nurse", "2026-12-01T14:05:00Z"),
      device("early", "2026-12-01T14:01:00Z"),
      device("checked", "2026-12-01T14:02:00Z", { validated_at: "2026-12-01T14:03:00Z", validated_by_name: "Grace" }),
      device("rejected", "2026-12-01T14:03:00Z", { status: "entered_in_error", error_reason: "probe off" }),
      device("corrected", "2026-12-01T14:04:00Z", { status: "amended" }),
    ];
    expect(pendingReview(list).map((r) => r.id)).toEqual(["early", "late"]);
  });

  it("are marked on the chart as spans that a charted reading breaks", () => {
    const t = (m: number) => `2026-12-01T14:${String(m).padStart(2, "0")}:00Z`;
    const ms = (m: number) => Date.parse(t(m));
    const list = [
      device("a", t(1)),
      device("b", t(2)),
      makeReading("nurse", t(3)),
      device("c", t(4), { validated_at: t(5) }),
      device("d", t(6)),
      device("gone", t(7), { status: "entered_in_error" }),
      device("e", t(8)),
    ];
    expect(pendingSpans(list)).toEqual([
      [ms(1), ms(2)],
      [ms(6), ms(8)],
    ]);
    expect(pendingSpans([makeReading("n", t(1))])).toEqual([]);
  });

  it("are counted in words", () => {
    expect(readingCount(1)).toBe("1 monitor reading");
    expect(readingCount(12)).toBe("12 monitor readings");
  });
});
