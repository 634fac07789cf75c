import { describe, expect, it } from "vitest";
import type { Alert, TimelineEvent } from "./api";
import { dayRange } from "./api";
import { limitsFromRules } from "./charts";
import { allowed, homeFor, parseRoute } from "./route";
import { alertHistory, alertsOpenAt, describeEvent, dischargeRows, phaseAt, phaseBands } from "./timeline";
import { rowsToRules, rulesToRows } from "./views/Admin";

const T = (hhmm: string) => Date.parse(`2026-03-01T${hhmm}:00Z`);

const alert = (id: string, p: Partial<Alert>): Alert => ({
  id,
  session_id: "s1",
  rule: "sbp_high",
  priority: "high",
  state: "active",
  message: "SBP 186 ≥ 180 (baseline 128)",
  value: 186,
  limit: 180,
  raised_at: "2026-03-01T10:10:00Z",
  acknowledged_at: null,
  acknowledged_by: null,
  resolved_at: null,
  escalated: false,
  ...p,
});

describe("phase bands and replay state", () => {
  const s = {
    phase: "recovery" as const,
    phase_started_at: "2026-03-01T10:40:00Z",
    phase_history: [
      { phase: "infusion" as const, started_at: "2026-03-01T10:00:00Z" },
      { phase: "pre_infusion" as const, started_at: "2026-03-01T09:45:00Z" },
      { phase: "paused" as const, at: "2026-03-01T10:20:00Z" },
      { from_phase: "paused" as const, to_phase: "infusion" as const, at: "2026-03-01T10:25:00Z", reason: null, override: false },
      { from_phase: "infusion" as const, to_phase: "recovery" as const, at: "2026-03-01T10:40:00Z", reason: null, override: false },
    ],
  };
  it("builds ordered bands ending at the next phase or the end", () => {
    const bands = phaseBands(s, T("11:00"));
    expect(bands.map((b) => [b.phase, new Date(b.from).toISOString().slice(11, 16), new Date(b.to).toISOString().slice(11, 16)])).toEqual([
      ["pre_infusion", "09:45", "10:00"],
      ["infusion", "10:00", "10:20"],
      ["paused", "10:20", "10:25"],
      ["infusion", "10:25", "10:40"],
      ["recovery", "10:40", "11:00"],
    ]);
    expect(phaseAt(bands, T("10:22"))).toBe("paused");
    expect(phaseAt(bands, T("09:00"))).toBeNull();
  });

  it("knows which alerts were open at a moment, using their latest state", () => {
    const events: TimelineEvent[] = [
      { seq: 1, event: "alert.raised", data: { alert: alert("a1", {}) } },
      {
        seq: 2,
        event: "alert.acknowledged",
        data: { alert: alert("a1", { state: "acknowledged", acknowledged_at: "2026-03-01T10:12:00Z" }) },
      },
      { seq: 3, event: "alert.resolved", data: { alert: alert("a1", { state: "resolved", resolved_at: "2026-03-01T10:30:00Z" }) } },
    ];
    const all = alertHistory(events, [alert("a2", { raised_at: "2026-03-01T10:35:00Z", priority: "medium" })]);
    expect(all.map((a) => a.id).sort()).toEqual(["a1", "a2"]);
    expect(alertsOpenAt(all, T("10:05")).map((a) => a.id)).toEqual([]);
    expect(alertsOpenAt(all, T("10:15")).map((a) => a.id)).toEqual(["a1"]);
    expect(alertsOpenAt(all, T("10:31")).map((a) => a.id)).toEqual([]);
    expect(alertsOpenAt(all, T("10:36")).map((a) => a.id)).toEqual(["a2"]);
  });
});

describe("timeline rows", () => {
  it("describes phase changes, notes and alerts in words", () => {
    expect(
      describeEvent(
        { seq: 5, event: "session.phase_changed", data: { session: { phase: "infusion" }, reason: "BP ok after recheck", override: true } },
        0,
      ).text,
    ).toBe("Phase → Infusion — reason: BP ok after recheck (physician override)");
    const hist = [
      {
        from_phase: "pre_infusion" as const,
        to_phase: "infusion" as const,
        at: "2026-03-01T10:00:00.400Z",
        reason: "BP 150/95 rechecked",
        override: true,
      },
    ];
    expect(
      describeEvent(
        { seq: 8, type: "session.phase_changed", at: "2026-03-01T10:00:00Z", data: { session: { phase: "infusion" } } },
        0,
        hist,
      ).text,
    ).toBe("Phase → Infusion — reason: BP 150/95 rechecked (physician override)");
    expect(
      describeEvent(
        {
          seq: 6,
          event: "session.note_added",
          actor: { display_name: "Nurse Joy" },
          data: { note: { kind: "side_effect", text: "Nausea" } },
        },
        0,
      ).text,
    ).toBe("Side effect: Nausea — Nurse Joy");
    const ack = describeEvent(
      {
        seq: 7,
        event: "alert.acknowledged",
        data: { alert: alert("a1", { state: "acknowledged", acknowledged_by: { display_name: "Dr Grey" } }) },
      },
      0,
    );
    expect(ack.kind).toBe("ack");
    expect(ack.text).toBe("Alert acknowledged !!! HIGH: SBP 186 ≥ 180 (baseline 128) — Dr Grey");
  });
});

describe("discharge criteria", () => {
  it("accepts a list or a map", () => {
    expect(dischargeRows({ met: false, criteria: [{ key: "aldrete", met: false, detail: "8 < 9" }] })).toEqual([
      { key: "aldrete", label: "Modified Aldrete ≥ 9", met: false, detail: "8 < 9" },
    ]);
    expect(dischargeRows({ met: true, criteria: { escort_confirmed: true, bp_within_baseline: { met: true, detail: "+8 %" } } })).toEqual([
      { key: "escort_confirmed", label: "Escort confirmed", met: true, detail: "" },
      { key: "bp_within_baseline", label: "BP within ±20 % of baseline", met: true, detail: "+8 %" },
    ]);
    expect(dischargeRows(null)).toEqual([]);
  });
});

describe("alert rules table round trip", () => {
  it("keeps the server's shape when saving", () => {
    const list = [{ rule: "sbp_high", medium: 160, high: 180 }];
    expect(rowsToRules(rulesToRows(list).rows, rulesToRows(list).shape)).toEqual(list);
    const wrapped = { version: 3, rules: list };
    const w = rulesToRows(wrapped);
    expect(w.rows).toEqual(list);
    expect(rowsToRules(w.rows, w.shape)).toEqual(wrapped);
    const map = { sbp_high: { medium: 160, high: 180 } };
    const m = rulesToRows(map);
    expect(m.rows).toEqual([{ rule: "sbp_high", medium: 160, high: 180 }]);
    expect(rowsToRules(m.rows, m.shape)).toEqual(map);
  });
});

describe("limit lines from the alert rules", () => {
  it("draws enabled absolute high limits, patient overrides winning", () => {
    const clinic = [
      {
        code: "sbp_high",
        kind: "absolute",
        parameter: "systolic",
        medium: { op: ">", value: 160 },
        high: { op: ">=", value: 180 },
        enabled: true,
      },
      {
        code: "spo2_low",
        kind: "absolute",
        parameter: "spo2",
        medium: { op: "<=", value: 93 },
        high: { op: "<=", value: 90 },
        enabled: true,
      },
      { code: "sbp_rise", kind: "baseline", parameter: "systolic", medium: { op: ">=", value: 40 }, high: null, enabled: true },
      { code: "hr_low", kind: "absolute", parameter: "heart_rate", medium: null, high: { op: "<=", value: 40 }, enabled: false },
    ];
    const patient = [
      { code: "sbp_high", kind: "absolute", parameter: "systolic", medium: null, high: { op: ">=", value: 190 }, enabled: true },
    ];
    expect(limitsFromRules(clinic, patient)).toEqual([
      { scale: "vital", value: 190, label: "SBP ≥ 190" },
      { scale: "spo2", value: 90, label: "SpO₂ ≤ 90" },
    ]);
  });
});

describe("date ranges", () => {
  it("turns local calendar days into an ISO datetime range, end exclusive", () => {
    const r = dayRange("2026-03-01", "2026-03-02");
    expect(new Date(r.from).getTime()).toBe(new Date(2026, 2, 1).getTime());
    expect(new Date(r.to).getTime()).toBe(new Date(2026, 2, 3).getTime());
    expect(r.from).toMatch(/Z$/);
    expect(dayRange("", "")).toEqual({ from: "", to: "" });
  });
});

describe("routes", () => {
  it("parses hash routes and sends each role home", () => {
    expect(parseRoute("#/sessions/abc-1")).toEqual({ name: "session", id: "abc-1" });
    expect(parseRoute("#/nurse/xyz")).toEqual({ name: "nurseSession", id: "xyz" });
    expect(parseRoute("#/nurse")).toEqual({ name: "nurse" });
    expect(parseRoute("#/admin/audit")).toEqual({ name: "admin", tab: "audit" });
    expect(parseRoute("")).toEqual({ name: "home" });
    expect(homeFor("nurse")).toBe("#/nurse");
    expect(homeFor("physician")).toBe("#/dashboard");
    expect(homeFor("admin")).toBe("#/admin");
    expect(allowed({ name: "nurse" }, "admin")).toBe(false);
    expect(allowed({ name: "admin", tab: "users" }, "nurse")).toBe(false);
    expect(allowed({ name: "dashboard" }, "nurse")).toBe(true);
  });
});
