import { describe, expect, it } from "vitest";
import type { Alert, Chair, Session } from "./api";
import { makeAlert, makeReading, makeSession } from "./fixtures";
import { cellFlag, infusionClock, orderPlaces, type Place, tileState } from "./tiles";

const NOW = Date.parse("2026-12-01T14:40:00Z");

const alert = (over: Partial<Alert> = {}): Alert => makeAlert("a1", { raised_at: "2026-12-01T14:30:00Z", ...over });

const session = (over: Partial<Session> = {}): Session =>
  makeSession("s1", {
    phase_started_at: "2026-12-01T14:17:00Z",
    created_at: "2026-12-01T14:00:00Z",
    infusion_started_at: "2026-12-01T14:17:00Z",
    latest_reading: makeReading("r", "2026-12-01T14:38:00Z"),
    next_reading_due_at: "2026-12-01T14:48:00Z",
    ...over,
  });

describe("tile state", () => {
  it("is in order high, medium, overdue, no data, normal, empty", () => {
    expect(tileState(undefined, [], NOW)).toBe("empty");
    expect(tileState(session(), [alert()], NOW)).toBe("high");
    expect(tileState(session(), [alert({ priority: "medium" })], NOW)).toBe("medium");
    expect(tileState(session(), [alert({ kind: "overdue", rule: "overdue", priority: "high" })], NOW)).toBe("overdue");
    expect(tileState(session({ next_reading_due_at: "2026-12-01T14:39:00Z" }), [], NOW)).toBe("overdue");
    expect(tileState(session({ latest_reading: null }), [], NOW)).toBe("nodata");
    expect(tileState(session(), [], NOW)).toBe("normal");
  });
});

describe("cell flags", () => {
  it("marks the vital of the alert with arrow and priority word", () => {
    expect(cellFlag("systolic", [alert()])).toEqual({ priority: "high", symbol: "▲", text: "HIGH" });
    expect(cellFlag("spo2", [alert({ parameter: "spo2", rule: "spo2_low", value: 88, limit: 90 })])).toEqual({
      priority: "high",
      symbol: "▼",
      text: "HIGH",
    });
    expect(cellFlag("heart_rate", [alert()])).toBeNull();
  });

  it("does not mark a value whose latched alert has cleared", () => {
    expect(cellFlag("systolic", [alert({ cleared_at: "2026-12-01T14:35:00Z" })])).toBeNull();
  });
});

describe("infusion clock", () => {
  it("counts the infusion against its plan, then the recovery", () => {
    expect(infusionClock(session(), NOW)).toEqual({ elapsed: "23 min", detail: "of 40 min planned" });
    const recovering = session({
      phase: "recovery",
      phase_started_at: "2026-12-01T14:30:00Z",
      infusion_ended_at: "2026-12-01T14:30:00Z",
      infusion_started_at: "2026-12-01T13:50:00Z",
    });
    expect(infusionClock(recovering, NOW)).toEqual({ elapsed: "10 min", detail: "infused 40 min" });
  });
});

describe("order", () => {
  const chair = (id: string): Chair => ({ id, site_id: "site", name: id, position: 0, retired_at: null, session_id: null });
  const places: Place[] = [
    { chair: chair("c1"), session: undefined, alerts: [], state: "empty" },
    { chair: chair("c2"), session: session(), alerts: [], state: "normal" },
    { chair: chair("c3"), session: session(), alerts: [alert()], state: "high" },
  ];
  it("keeps the fixed chair order unless asked for attention first", () => {
    expect(orderPlaces(places, false).map((p) => p.chair.id)).toEqual(["c1", "c2", "c3"]);
    expect(orderPlaces(places, true).map((p) => p.chair.id)).toEqual(["c3", "c2", "c1"]);
  });
});
