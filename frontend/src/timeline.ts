// Session history helpers: timeline rows, phase bands, state at a point in time (for replay).

import type { Alert, Discharge, EventData, PhaseChange, Reading, SessionDetail, TimelineEvent } from "./api";
import { fmtBP, fmtClock, PRIORITY, parseTime, phaseLabel } from "./format";
import { readingCount } from "./review";

export interface TimelineRow {
  key: string;
  at: number | null;
  kind: string;
  icon: string;
  text: string;
  cls: string;
}

/** What the event carries (docs/architecture.md "Wire shapes"). */
function payload(e: TimelineEvent): EventData {
  return e.data as EventData;
}

export function eventTime(e: TimelineEvent): number | null {
  return parseTime(e.at);
}

function readingText(r: Reading): string {
  // A monitor's reading may hold only some vitals: name those it has.
  const parts: string[] = [];
  if (r.heart_rate != null) parts.push(`HR ${r.heart_rate}`);
  if (r.systolic != null) parts.push(`BP ${fmtBP(r.systolic, r.diastolic)}`);
  if (r.spo2 != null) parts.push(`SpO₂ ${r.spo2}%`);
  if (r.respiratory_rate != null) parts.push(`RR ${r.respiratory_rate}`);
  if (r.temperature_c != null) parts.push(`T ${r.temperature_c} °C`);
  if (r.consciousness) parts.push(`ACVPU ${r.consciousness}`);
  if (r.sedation_rass != null) parts.push(`RASS ${r.sedation_rass}`);
  if (r.dissociation_cadss6 != null) parts.push(`CADSS-6 ${r.dissociation_cadss6}`);
  if (r.on_oxygen) parts.push("on O₂");
  return parts.join(", ");
}

/** One readable line per event, whatever its kind. */
export function describeEvent(e: TimelineEvent, history: PhaseChange[] = []): TimelineRow {
  const name = e.type;
  const { reading, readings, alert, session, note } = payload(e);
  const at = eventTime(e);
  const key = String(e.seq);
  if (readings?.length) {
    const span =
      readings.length === 1
        ? `taken ${fmtClock(readings[0].taken_at)}`
        : `taken ${fmtClock(readings[0].taken_at)}–${fmtClock(readings[readings.length - 1].taken_at)}`;
    const what = `${readingCount(readings.length)} (${span})`;
    if (name === "readings.rejected")
      return {
        key,
        at,
        kind: "amendment",
        icon: "✘",
        cls: "ev-amend",
        text: `Rejected ${what} — reason: ${readings[0].error_reason ?? ""}`,
      };
    const by = readings[0].validated_by_name;
    return { key, at, kind: "review", icon: "✓", cls: "ev-reading", text: `Validated ${what}${by ? ` — by ${by}` : ""}` };
  }
  if (reading) {
    const base = reading.is_baseline ? " (baseline)" : "";
    if (name === "reading.entered_in_error")
      return {
        key,
        at,
        kind: "amendment",
        icon: "✘",
        cls: "ev-amend",
        text: `Reading of ${fmtClock(reading.taken_at)} marked entered in error${reading.error_reason ? ` — reason: ${reading.error_reason}` : ""}`,
      };
    if (name === "reading.amended")
      return {
        key,
        at,
        kind: "amendment",
        icon: "✎",
        cls: "ev-amend",
        text: `Amended reading${base}: ${readingText(reading)}${reading.amend_reason ? ` — reason: ${reading.amend_reason}` : ""}`,
      };
    return {
      key,
      at,
      kind: "reading",
      icon: "♥",
      cls: "ev-reading",
      text: `${reading.late_reason ? "LATE ENTRY: reading" : "Reading"}${base} taken ${fmtClock(reading.taken_at)}: ${readingText(reading)}${reading.note ? ` — “${reading.note}”` : ""}${reading.late_reason ? ` — entered late: ${reading.late_reason}` : ""}`,
    };
  }
  if (alert) {
    const p = PRIORITY[alert.priority];
    const verb: Record<string, string> = {
      "alert.raised": "Alert raised",
      "alert.updated": "Alert updated",
      "alert.acknowledged": "Alert acknowledged",
      "alert.resolved": "Alert resolved",
      "alert.escalated": "Alert ESCALATED",
    };
    const acked = name === "alert.acknowledged";
    return {
      key,
      at,
      kind: acked ? "ack" : "alert",
      icon: acked ? "✓" : "⚠",
      cls: `ev-alert prio-${alert.priority}`,
      text: `${verb[name] ?? name} ${p.icon} ${p.label}: ${alert.message}${acked && alert.ack_note ? ` — “${alert.ack_note}”` : ""}`,
    };
  }
  if (note) {
    const label =
      { side_effect: "Side effect", medication: "Medication", dose_change: "Dose/rate change", addendum: "ADDENDUM (late entry)" }[
        note.kind
      ] ?? "Note";
    const icon = note.kind === "side_effect" ? "☹" : note.kind === "medication" ? "℞" : "✎";
    return { key, at, kind: "note", icon, cls: "ev-note", text: `${label}: ${note.text}` };
  }
  if (name === "session.created") return { key, at, kind: "phase", icon: "+", cls: "ev-phase", text: "Session created" };
  if (session && name === "session.phase_changed") {
    // the phase_history entry of this change carries reason and override
    const h = history.find((x) => x.to_phase === session.phase && at !== null && Math.abs((parseTime(x.at) ?? 0) - at) < 5_000);
    return {
      key,
      at,
      kind: "phase",
      icon: "➜",
      cls: "ev-phase",
      text: `Phase → ${phaseLabel(session.phase, session.phase_labels)}${h?.reason ? ` — reason: ${h.reason}` : ""}${h?.override ? " (physician override)" : ""}`,
    };
  }
  return { key, at, kind: "other", icon: "•", cls: "ev-other", text: name };
}

export interface Band {
  phase: string;
  /** As the session's protocol names it (phaseLabel). */
  label: string;
  from: number; // ms
  to: number; // ms
}

/** Phase bands from phase_history: each phase lasts until the next change, the last until `end`. */
export function phaseBands(s: Pick<SessionDetail, "phase_history" | "phase_labels">, end: number): Band[] {
  const hist = s.phase_history
    .map((h) => ({ phase: h.to_phase, at: parseTime(h.at) }))
    .filter((h): h is { phase: string; at: number } => h.at !== null)
    .sort((a, b) => a.at - b.at);
  return hist
    .map((h, i) => ({ phase: h.phase, label: phaseLabel(h.phase, s.phase_labels), from: h.at, to: hist[i + 1]?.at ?? end }))
    .filter((b) => b.phase !== "discharged" && b.phase !== "aborted" && b.to > b.from);
}

export function phaseAt(bands: Band[], t: number): string | null {
  for (let i = bands.length - 1; i >= 0; i--) if (bands[i].from <= t) return bands[i].phase;
  return null;
}

/** The latest version of each alert seen in the timeline and the session. */
export function alertHistory(events: TimelineEvent[], open: Alert[] = []): Alert[] {
  const m = new Map<string, Alert>();
  for (const e of events) {
    const a = payload(e).alert;
    if (a) m.set(a.id, a);
  }
  for (const a of open) if (!m.has(a.id)) m.set(a.id, a);
  return [...m.values()];
}

export function alertsOpenAt(alerts: Alert[], t: number): Alert[] {
  return alerts.filter((a) => {
    const raised = parseTime(a.raised_at);
    const resolved = parseTime(a.resolved_at);
    return raised !== null && raised <= t && (resolved === null || resolved > t);
  });
}

export function readingAt(readings: Reading[], t: number): Reading | null {
  let best: Reading | null = null;
  for (const r of readings) {
    const at = parseTime(r.taken_at);
    if (at !== null && at <= t) best = r;
  }
  return best;
}

/** The current readings entered after the session ended (a late entry's reason says why). */
export function lateEntries(readings: readonly Reading[]): Reading[] {
  return readings.filter((r) => r.late_reason !== null && r.status === "final");
}

export interface CriterionRow {
  key: string;
  label: string;
  met: boolean;
  detail: string;
}

const CRITERIA_LABELS: Record<string, string> = {
  aldrete: "Modified Aldrete ≥ 9",
  blood_pressure: "BP within ±20 % of baseline",
  no_high_alert: "No active high alert",
  escort: "Escort confirmed",
  recovery_time: "Minimum recovery time",
};

/** The server's discharge criteria as rows; a protocol's own criteria are named by their code. */
export function dischargeRows(d: Discharge | null): CriterionRow[] {
  if (!d) return [];
  return d.criteria.map((c) => ({
    key: c.name,
    label: CRITERIA_LABELS[c.name] ?? c.name.replace(/_/g, " "),
    met: c.met,
    detail: c.detail,
  }));
}
