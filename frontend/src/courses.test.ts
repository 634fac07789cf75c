import { describe, expect, it } from "vitest";
import { collectAnswers, trendOf } from "./courses";

describe("collectAnswers", () => {
  const scale = { items: [1, 2, 3].map((number) => ({ number, text: `item ${number}` })) };
  it("names the items left unanswered", () => {
    expect(collectAnswers(scale, { 1: 0, 3: 2 })).toEqual({ missing: [2] });
  });
  it("gives the answers in item order, zeros kept", () => {
    expect(collectAnswers(scale, { 3: 2, 1: 0, 2: 1 })).toEqual([0, 1, 2]);
  });
});

describe("trendOf", () => {
  it("keeps one scale and marks the infusions that started", () => {
    const t = trendOf(
      {
        responses: [
          { scale: "phq9", total: 21, taken_at: "2026-11-02T09:00:00Z" },
          { scale: "gad7", total: 12, taken_at: "2026-11-02T09:05:00Z" },
          { scale: "phq9", total: 8, taken_at: "2026-11-20T09:00:00Z" },
        ],
        sessions: [
          { number: 1, infusion_started_at: "2026-11-02T09:30:00Z" },
          { number: 2, infusion_started_at: null },
        ],
      } as never,
      "phq9",
    );
    expect(t.totals).toEqual([21, 8]);
    expect(t.xs[1] - t.xs[0]).toBe(18 * 86400);
    expect(t.infusions).toEqual([{ at: Date.parse("2026-11-02T09:30:00Z") / 1000, label: "#1" }]);
  });
});
