import { describe, expect, it } from "vitest";
import type { Alert, EventData, Phase, PhaseChange, Session, TimelineEvent } from "./api";
import { dayRange } from "./api";
import { makeAlert, makeReading, makeRule, makeSession } from "./fixtures";
import { phaseLabel } from "./format";
import { allowed, homeFor, parseRoute } from "./route";
import { alertHistory, alertsOpenAt, describeEvent, dischargeRows, lateEntries, phaseAt, phaseBands } from "./timeline";
import { fromDraft, toDraft } from "./views/admin/AlertRules";
import { chainText } from "./views/admin/Audit";
import { phaseActions } from "./views/SessionActions";

const T = (hhmm: string) => Date.parse(`2026-03-01T${hhmm}:00Z`);

const alert = (id: string, p: Partial<Alert>): Alert => makeAlert(id, p);
const change = (from_phase: string | null, to_phase: string, at: string, reason: string | null = null, override = false): PhaseChange => ({
  from_phase,
  to_phase,
  at,
  by: "u-nurse",
  reason,
  override,
});
const event = (seq: number, type: string, at: string, data: EventData): TimelineEvent => ({ seq, type, at, data: { ...data } });

describe("phase bands and replay state", () => {
  const s = {
    phase_labels: {},
    phase_history: [
      change("pre_infusion", "infusion", "2026-03-01T10:00:00Z"),
      change(null, "pre_infusion", "2026-03-01T09:45:00Z"),
      change("infusion", "paused", "2026-03-01T10:20:00Z"),
      change("paused", "infusion", "2026-03-01T10:25:00Z"),
      change("infusion", "recovery", "2026-03-01T10:40:00Z"),
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
    expect(bands.map((b) => b.label)).toEqual(["Pre-infusion", "Infusion", "Paused", "Infusion", "Recovery"]);
  });

  it("names the bands as the session's protocol names its phases", () => {
    // Spravato's rules: a nasal spray is dosed and observed, not infused.
    const spravato = { ...s, phase_labels: { infusion: "dosing", paused: "dosing paused", recovery: "observation" } };
    expect(phaseBands(spravato, T("11:00")).map((b) => b.label)).toEqual([
      "Pre-infusion",
      "Dosing",
      "Dosing paused",
      "Dosing",
      "Observation",
    ]);
    expect(phaseLabel("recovery", spravato.phase_labels)).toBe("Observation");
    expect(phaseLabel("discharged", spravato.phase_labels)).toBe("Discharged");
    expect(phaseLabel("recovery")).toBe("Recovery");
    const labels = (phase: Phase, phase_labels: Session["phase_labels"] = spravato.phase_labels) =>
      phaseActions({ phase, phase_labels }).map((a) => a.label);
    expect(labels("pre_infusion")).toEqual(["Start dosing", "Abort session"]);
    expect(labels("paused")).toEqual(["Resume dosing", "Stop dosing → observation", "Abort session"]);
    expect(labels("infusion", {})).toEqual(["Pause infusion", "Stop infusion → recovery", "Abort session"]);
    expect(labels("recovery", {})).toEqual(["Discharge", "Abort session"]);
    expect(labels("discharged")).toEqual([]);
  });

  it("knows which alerts were open at a moment, using their latest state", () => {
    const events: TimelineEvent[] = [
      event(1, "alert.raised", "2026-03-01T10:10:00Z", { alert: alert("a1", {}) }),
      event(2, "alert.acknowledged", "2026-03-01T10:12:00Z", {
        alert: alert("a1", { state: "acknowledged", acknowledged_at: "2026-03-01T10:12:00Z" }),
      }),
      event(3, "alert.resolved", "2026-03-01T10:30:00Z", {
        alert: alert("a1", { state: "resolved", resolved_at: "2026-03-01T10:30:00Z" }),
      }),
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
  it("describes phase changes, notes, readings and alerts in words", () => {
    const hist = [change("pre_infusion", "infusion", "2026-03-01T10:00:00.400Z", "BP 150/95 rechecked", true)];
    const infusion = makeSession("s1", { phase: "infusion" });
    expect(describeEvent(event(8, "session.phase_changed", "2026-03-01T10:00:00Z", { session: infusion }), hist).text).toBe(
      "Phase → Infusion — reason: BP 150/95 rechecked (physician override)",
    );
    // a change the history does not know (older than 5 s apart) has no reason to show
    expect(describeEvent(event(9, "session.phase_changed", "2026-03-01T10:09:00Z", { session: infusion }), hist).text).toBe(
      "Phase → Infusion",
    );
    const note = { id: "n1", session_id: "s1", kind: "side_effect", text: "Nausea", details: {}, at: "2026-03-01T10:05:00Z", by: "u1" };
    expect(describeEvent(event(6, "session.note_added", note.at, { note })).text).toBe("Side effect: Nausea");
    const ack = describeEvent(
      event(7, "alert.acknowledged", "2026-03-01T10:12:00Z", {
        alert: alert("a1", { state: "acknowledged", ack_note: "rechecked, cuff loose" }),
      }),
    );
    expect(ack.kind).toBe("ack");
    expect(ack.text).toBe("Alert acknowledged !!! HIGH: SBP 186 ≥ 180 (baseline 128) — “rechecked, cuff loose”");
    const wrong = makeReading("r1", "2026-03-01T10:01:00Z", { status: "entered_in_error", error_reason: "wrong patient" });
    expect(
      describeEvent(event(10, "reading.entered_in_error", "2026-03-01T10:03:00Z", { reading: wrong, session: infusion })).text,
    ).toMatch(/marked entered in error — reason: wrong patient$/);
    expect(
      describeEvent(event(11, "reading.created", "2026-03-01T10:01:00Z", { reading: makeReading("r2", "2026-03-01T10:01:00Z") })).text,
    ).toMatch(/^Reading taken \d\d:\d\d: HR 80, BP 120\/80, SpO₂ 98%$/);
    const monitor = { source: "device" as const, device_id: "00A0", heart_rate: null, systolic: null, diastolic: null };
    expect(
      describeEvent(event(12, "reading.created", "2026-03-01T10:02:00Z", { reading: makeReading("r3", "2026-03-01T10:02:00Z", monitor) }))
        .text,
    ).toMatch(/^Reading taken \d\d:\d\d: SpO₂ 98%$/);
  });

  it("describes a nurse's review of monitor readings", () => {
    const checked = { source: "device" as const, validated_at: "2026-03-01T10:06:00Z", validated_by_name: "Grace Hopper" };
    const readings = [makeReading("d1", "2026-03-01T10:02:00Z", checked), makeReading("d2", "2026-03-01T10:04:00Z", checked)];
    const validated = describeEvent(event(13, "readings.validated", "2026-03-01T10:06:00Z", { readings }));
    expect(validated.text).toMatch(/^Validated 2 monitor readings \(taken \d\d:\d\d–\d\d:\d\d\) — by Grace Hopper$/);
    const gone = makeReading("d3", "2026-03-01T10:05:00Z", { source: "device", status: "entered_in_error", error_reason: "probe off" });
    const rejected = describeEvent(event(14, "readings.rejected", "2026-03-01T10:07:00Z", { readings: [gone] }));
    expect(rejected.text).toMatch(/^Rejected 1 monitor reading \(taken \d\d:\d\d\) — reason: probe off$/);
    expect(rejected.kind).toBe("amendment");
  });
});

describe("discharge criteria", () => {
  it("labels the server's criteria, protocol ones by their code", () => {
    expect(
      dischargeRows({
        met: false,
        criteria: [
          { name: "aldrete", met: false, detail: "modified Aldrete 8 (needs ≥ 9)" },
          { name: "bp_at_40_min", met: true, detail: "taken 10:40" },
        ],
      }),
    ).toEqual([
      { key: "aldrete", label: "Modified Aldrete ≥ 9", met: false, detail: "modified Aldrete 8 (needs ≥ 9)" },
      { key: "bp_at_40_min", label: "bp at 40 min", met: true, detail: "taken 10:40" },
    ]);
    expect(dischargeRows(null)).toEqual([]);
  });
});

describe("alert rules editor", () => {
  it("keeps the rule as the server sent it, with the typed limits", () => {
    const rule = makeRule("sbp_high", { medium: { op: ">", value: 160 }, high: { op: ">=", value: 180 } });
    const d = toDraft(rule);
    expect(fromDraft(d)).toEqual(rule);
    expect(fromDraft({ ...d, medium: { op: ">", text: "" }, high: { op: ">=", text: "182,5" } })).toEqual({
      ...rule,
      medium: null,
      high: { op: ">=", value: 182.5 },
    });
    expect(fromDraft({ ...d, high: { op: ">=", text: "18O" } })).toBe("sbp_high high limit: enter a number, or leave it empty for none");
    // a priority without a threshold offers the other's comparison
    expect(toDraft(makeRule("spo2_low", { parameter: "spo2", high: { op: "<=", value: 90 } })).medium).toEqual({ op: "<=", text: "" });
  });

  it("says whether the audit chain holds", () => {
    const chain = { ok: true, checked: 12, first_bad_id: null, message: "ok", anchored_id: null, anchored_at: null };
    expect(chainText(chain)).toBe("✔ Hash chain intact (12 entries)");
    expect(chainText({ ...chain, anchored_id: 10, anchored_at: "2026-03-01T10:00:00Z" })).toMatch(
      /^✔ Hash chain intact \(12 entries; anchored up to entry 10 at 2026-03-01 \d\d:00\)$/,
    );
    expect(chainText({ ...chain, ok: false, first_bad_id: 7, message: "hash mismatch" })).toBe(
      "✘ Hash chain BROKEN at entry 7 — hash mismatch",
    );
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
    for (const name of ["account", "safe", "monitors"]) expect(parseRoute(`#/${name}`)).toEqual({ name });
    expect(parseRoute("#/screening/s1")).toEqual({ name: "screening", id: "s1" });
    expect(allowed({ name: "monitors" }, "nurse")).toBe(true);
    expect(allowed({ name: "monitors" }, "admin")).toBe(false);
    expect(homeFor("nurse")).toBe("#/nurse");
    expect(homeFor("physician")).toBe("#/dashboard");
    expect(homeFor("admin")).toBe("#/admin");
    expect(allowed({ name: "nurse" }, "admin")).toBe(false);
    expect(allowed({ name: "admin", tab: "users" }, "nurse")).toBe(false);
    expect(allowed({ name: "dashboard" }, "nurse")).toBe(true);
  });
});

describe("late entries", () => {
  it("are the current readings with a late reason", () => {
    const readings = [
      makeReading("live", "2026-03-01T10:00:00Z"),
      makeReading("late", "2026-03-01T10:05:00Z", { late_reason: "from the paper chart" }),
      makeReading("fixed", "2026-03-01T10:06:00Z", { late_reason: "typo", status: "amended" }),
    ];
    expect(lateEntries(readings).map((r) => r.id)).toEqual(["late"]);
  });
});
