import { describe, expect, it } from "vitest";
import type { RemsDue } from "./api";
import { isOverdue, sortRems, timeLeftText } from "./rems";

const NOW = Date.parse("2026-12-10T12:00:00Z");
const DAY = 86_400_000;

function row(id: string, dueInMs: number, change: Partial<RemsDue> = {}): RemsDue {
  const due = NOW + dueInMs;
  return {
    session_id: id,
    mrn: `MRN-${id}`,
    patient_name: `Patient ${id}`,
    discharged_at: new Date(due - 7 * DAY).toISOString(),
    due_at: new Date(due).toISOString(),
    overdue: dueInMs < 0,
    submitted_at: null,
    submitted_by: null,
    reference: null,
    ...change,
  };
}

describe("timeLeftText", () => {
  it("counts whole days left, and hours in the last day", () => {
    expect(timeLeftText(row("a", 7 * DAY - 60_000), NOW)).toBe("7 days left");
    expect(timeLeftText(row("a", 1.2 * DAY), NOW)).toBe("1 day left");
    expect(timeLeftText(row("a", 5.5 * 3_600_000), NOW)).toBe("5 hours left");
    expect(timeLeftText(row("a", 20 * 60_000), NOW)).toBe("under an hour left");
  });
  it("says OVERDUE in words, by how long", () => {
    expect(timeLeftText(row("a", -2 * DAY), NOW)).toBe("OVERDUE by 2 days");
    expect(timeLeftText(row("a", -3_600_000), NOW)).toBe("OVERDUE by 1 hour");
  });
  it("has nothing left to count once submitted, late or not", () => {
    const sent = { submitted_at: "2026-12-09T10:00:00Z", overdue: false };
    expect(timeLeftText(row("a", -2 * DAY, sent), NOW)).toBeNull();
  });
});

describe("isOverdue", () => {
  it("follows the clock past what the server said when the list was read", () => {
    const read = row("a", -60_000, { overdue: false });
    expect(isOverdue(read, NOW)).toBe(true);
    expect(isOverdue(read, NOW - 120_000)).toBe(false);
  });
  it("never marks a submitted form", () => {
    expect(isOverdue(row("a", -DAY, { overdue: false, submitted_at: "2026-12-09T10:00:00Z" }), NOW)).toBe(false);
  });
});

describe("sortRems", () => {
  it("puts the overdue first, then the soonest due", () => {
    const rows = [
      row("later", 5 * DAY),
      row("sent", 1 * DAY, { submitted_at: "2026-12-09T10:00:00Z" }),
      row("late", -1 * DAY),
      row("latest", -3 * DAY),
      row("soon", 2 * DAY),
    ];
    expect(sortRems(rows, NOW).map((r) => r.session_id)).toEqual(["latest", "late", "sent", "soon", "later"]);
  });
});
