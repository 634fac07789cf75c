// Session history helpers: timeline rows, phase bands, state at a point in time (for replay).

import type { Alert, Discharge, DischargeCriterion, PhaseHistoryEntry, Reading, SessionDetail, TimelineEvent } from "./api";
import { fmtBP, fmtClock, PRIORITY, parseTime, phaseLabel } from "./format";

export interface TimelineRow {
  key: string;
  at: number | null;
  kind: string;
  icon: string;
  text: string;
  cls: string;
}

function who(x: unknown): string {
  if (!x) return "";
  // a bare user id says nothing to a person: leave it out
  if (typeof x === "string") return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(x) ? "" : x;
  if (typeof x === "object") {
    const o = x as Record<string, unknown>;
    return String(o.display_name ?? o.username ?? o.name ?? "");
  }
  return String(x);
}

export function eventName(e: TimelineEvent): string {
  return e.event ?? e.type ?? "event";
}

export function eventTime(e: TimelineEvent): number | null {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const r = d.reading as Reading | undefined;
  return parseTime(e.at ?? e.created_at ?? e.occurred_at ?? r?.recorded_at ?? null);
}

function readingText(r: Reading): string {
  const parts = [`HR ${r.heart_rate}`, `BP ${fmtBP(r.systolic, r.diastolic)}`, `SpO₂ ${r.spo2}%`];
  if (r.respiratory_rate != null) parts.push(`RR ${r.respiratory_rate}`);
  if (r.temperature_c != null) parts.push(`T ${r.temperature_c} °C`);
  if (r.consciousness) parts.push(`ACVPU ${r.consciousness}`);
  if (r.sedation_rass != null) parts.push(`RASS ${r.sedation_rass}`);
  if (r.dissociation_cadss6 != null) parts.push(`CADSS-6 ${r.dissociation_cadss6}`);
  if (r.on_oxygen) parts.push("on O₂");
  return parts.join(", ");
}

/** One readable line per event, whatever its kind. */
export function describeEvent(e: TimelineEvent, i: number, history: PhaseHistoryEntry[] = []): TimelineRow {
  const name = eventName(e);
  const d = (e.data ?? {}) as Record<string, unknown>;
  const at = eventTime(e);
  const key = String(e.seq ?? `${name}-${i}`);
  const by = who(e.actor ?? e.by);
  const byText = by ? ` — ${by}` : "";
  const reading = d.reading as Reading | undefined;
  const alert = d.alert as Alert | undefined;
  const session = d.session as SessionDetail | undefined;
  const note = d.note as Record<string, unknown> | undefined;
  if (name.startsWith("reading.") && reading) {
    const base = reading.is_baseline ? " (baseline)" : "";
    if (reading.status === "entered_in_error" || name.includes("error"))
      return {
        key,
        at,
        kind: "amendment",
        icon: "✘",
        cls: "ev-amend",
        text: `Reading of ${fmtClock(reading.taken_at)} marked entered in error${reading.error_reason ? ` — reason: ${reading.error_reason}` : ""}${byText}`,
      };
    if (name === "reading.amended" || reading.amends)
      return {
        key,
        at,
        kind: "amendment",
        icon: "✎",
        cls: "ev-amend",
        text: `Amended reading${base}: ${readingText(reading)}${reading.amend_reason ? ` — reason: ${reading.amend_reason}` : ""}${byText}`,
      };
    return {
      key,
      at,
      kind: "reading",
      icon: "♥",
      cls: "ev-reading",
      text: `Reading${base} taken ${fmtClock(reading.taken_at)}: ${readingText(reading)}${reading.note ? ` — “${reading.note}”` : ""}${byText}`,
    };
  }
  if (name.startsWith("alert.") && alert) {
    const p = PRIORITY[alert.priority];
    const label = `${p?.icon ?? "!"} ${p?.label ?? alert.priority}`;
    const verb: Record<string, string> = {
      "alert.raised": "Alert raised",
      "alert.updated": "Alert updated",
      "alert.acknowledged": "Alert acknowledged",
      "alert.resolved": "Alert resolved",
      "alert.escalated": "Alert ESCALATED",
    };
    const ackBy = name === "alert.acknowledged" ? who(alert.acknowledged_by_name ?? alert.acknowledged_by) || by : by;
    const ackNote = name === "alert.acknowledged" && alert.ack_note ? ` — “${alert.ack_note}”` : "";
    return {
      key,
      at,
      kind: name === "alert.acknowledged" ? "ack" : "alert",
      icon: name === "alert.acknowledged" ? "✓" : "⚠",
      cls: `ev-alert prio-${alert.priority}`,
      text: `${verb[name] ?? name} ${label}: ${alert.message}${ackBy ? ` — ${ackBy}` : ""}${ackNote}`,
    };
  }
  if (name.startsWith("session.") && name !== "session.note_added") {
    if (name === "session.created") return { key, at, kind: "phase", icon: "+", cls: "ev-phase", text: `Session created${byText}` };
    const to = String(session?.phase ?? d.to ?? "?");
    // the phase_history entry of this change carries reason and override
    const h = history.find(
      (x) => (x.to_phase ?? x.phase) === to && at !== null && Math.abs((parseTime(x.at ?? x.started_at ?? null) ?? 0) - at) < 5_000,
    );
    const reason = (d.reason as string | undefined) ?? h?.reason ?? undefined;
    const override = Boolean(d.override ?? h?.override);
    return {
      key,
      at,
      kind: "phase",
      icon: "➜",
      cls: "ev-phase",
      text: `Phase → ${phaseLabel(to)}${reason ? ` — reason: ${reason}` : ""}${override ? " (physician override)" : ""}${byText}`,
    };
  }
  if (name === "session.note_added" || note) {
    const kind = String(note?.kind ?? "note");
    const label = { side_effect: "Side effect", medication: "Medication", dose_change: "Dose/rate change" }[kind] ?? "Note";
    return {
      key,
      at,
      kind: "note",
      icon: kind === "side_effect" ? "☹" : kind === "medication" ? "℞" : "✎",
      cls: "ev-note",
      text: `${label}: ${String(note?.text ?? "")}${byText}`,
    };
  }
  return { key, at, kind: "other", icon: "•", cls: "ev-other", text: `${name}${byText}` };
}

export interface Band {
  phase: string;
  from: number;
  to: number;
}

/** Phase bands from phase_history (`started_at`/`at`, optional `ended_at`). */
export function phaseBands(s: Pick<SessionDetail, "phase_history" | "phase" | "phase_started_at">, end: number): Band[] {
  const hist = (s.phase_history ?? [])
    .map((h) => ({
      phase: (h.to_phase ?? h.phase) as string,
      at: parseTime(h.at ?? h.started_at ?? null),
      ended: parseTime(h.ended_at ?? null),
    }))
    .filter((h): h is { phase: string; at: number; ended: number | null } => h.at !== null && !!h.phase)
    .sort((a, b) => a.at - b.at);
  if (!hist.length && s.phase_started_at) {
    const at = parseTime(s.phase_started_at);
    if (at !== null) hist.push({ phase: s.phase, at, ended: null });
  }
  return hist
    .map((h, i) => ({ phase: h.phase, from: h.at, to: h.ended ?? hist[i + 1]?.at ?? end }))
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
    const a = (e.data as { alert?: Alert } | undefined)?.alert;
    if (a?.id) m.set(a.id, { ...m.get(a.id), ...a });
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
  bp_within_baseline: "BP within ±20 % of baseline",
  no_active_high_alert: "No active high alert",
  escort_confirmed: "Escort confirmed",
  min_recovery_time: "Minimum recovery time",
};

/** `discharge.criteria` as a list or a map → rows. */
export function dischargeRows(d: Discharge | null | undefined): CriterionRow[] {
  if (!d?.criteria) return [];
  const label = (k: string) => CRITERIA_LABELS[k] ?? k.replace(/_/g, " ");
  if (Array.isArray(d.criteria))
    return d.criteria.map((c: DischargeCriterion, i) => {
      const k = c.key ?? c.name ?? String(i);
      return { key: k, label: c.label ?? label(k), met: !!c.met, detail: c.detail ?? "" };
    });
  return Object.entries(d.criteria).map(([k, v]) =>
    typeof v === "boolean"
      ? { key: k, label: label(k), met: v, detail: "" }
      : { key: k, label: v.label ?? label(k), met: !!v.met, detail: v.detail ?? "" },
  );
}
