// Formatting and client-side checks. Pure functions, no DOM.

import readingIn from "virtual:reading-contract";
import type { Alert, AlertRule, News2, Phase, Priority, Reading, Session } from "./api";
import { limitCrossed, OP_LABEL } from "./limits";

const DASH = "—";

export function fmtNum(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || Number.isNaN(v)) return DASH;
  return digits > 0 ? v.toFixed(digits) : String(Math.round(v));
}

export function fmtBP(sys: number | null | undefined, dia: number | null | undefined): string {
  if (sys == null || dia == null) return DASH;
  return `${Math.round(sys)}/${Math.round(dia)}`;
}

export const VITAL_FIELDS = [
  "heart_rate",
  "systolic",
  "diastolic",
  "spo2",
  "respiratory_rate",
  "temperature_c",
  "sedation_rass",
  "dissociation_cadss6",
] as const;
export type VitalField = (typeof VITAL_FIELDS)[number];

function vital(field: VitalField): { short: string; name: string; unit: string } {
  const c = readingIn[field];
  if (c?.["x-label"] === undefined || c["x-name"] === undefined || c["x-unit"] === undefined)
    throw new Error(`the API contract has no label for ${field}`);
  return { short: c["x-label"], name: c["x-name"], unit: c["x-unit"] };
}

/** Each vital's labels and unit, keyed by the contract's field names, read from the API contract
 * (the server's one table is app/vitals/codes.py, which alert messages use too). `short` labels
 * tiles, charts and limits; `name` labels forms. */
export const VITALS = Object.fromEntries(VITAL_FIELDS.map((f) => [f, vital(f)])) as Record<VitalField, ReturnType<typeof vital>>;

/** A parameter named by an alert rule ("systolic") in words; unknown names as they are. */
export function parameterLabel(parameter: string): string {
  return parameter in VITALS ? VITALS[parameter as VitalField].short : parameter.replace(/_/g, " ");
}

/** What a tile shows: one vital, or BP as systolic/diastolic. */
export type VitalKey = "hr" | "bp" | "spo2" | "rr" | "temp" | "rass" | "cadss";
const TILE_FIELD: Record<Exclude<VitalKey, "bp">, VitalField> = {
  hr: "heart_rate",
  spo2: "spo2",
  rr: "respiratory_rate",
  temp: "temperature_c",
  rass: "sedation_rass",
  cadss: "dissociation_cadss6",
};

export function vitalLabel(key: VitalKey): { key: VitalKey; label: string; unit: string } {
  if (key === "bp") return { key, label: "BP", unit: VITALS.systolic.unit };
  const v = VITALS[TILE_FIELD[key]];
  return { key, label: v.short, unit: v.unit };
}

/** Where a reading came from, as the chart and history mark it: a monitor's values are charted
 * at once, and say whether a nurse has checked them. */
export function sourceText(r: Pick<Reading, "source" | "device_id" | "status" | "validated_at" | "validated_by_name">): string {
  if (r.source !== "device") return "Entered by a nurse";
  const monitor = `Monitor ${r.device_id ?? ""}`;
  if (r.validated_at) return `${monitor}: validated by ${r.validated_by_name ?? "a nurse"} at ${fmtClock(r.validated_at)}`;
  // A rejected or corrected one says so beside it; "not validated" would ask for a check.
  return r.status === "final" ? `${monitor}: device, not validated` : monitor;
}

/** The displayed value of one vital from a reading ("—" when missing). */
export function fmtVital(r: Partial<Reading> | null | undefined, key: VitalKey): string {
  if (!r) return DASH;
  switch (key) {
    case "hr":
      return fmtNum(r.heart_rate);
    case "bp":
      return fmtBP(r.systolic, r.diastolic);
    case "spo2":
      return fmtNum(r.spo2);
    case "rr":
      return fmtNum(r.respiratory_rate);
    case "temp":
      return fmtNum(r.temperature_c, 1);
    case "rass":
      return r.sedation_rass == null ? DASH : r.sedation_rass > 0 ? `+${r.sedation_rass}` : String(r.sedation_rass);
    case "cadss":
      return fmtNum(r.dissociation_cadss6);
  }
}

export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Local wall-clock "hh:mm" (24 h). */
export function fmtClock(t: string | number | null | undefined): string {
  const ms = typeof t === "number" ? t : parseTime(t ?? null);
  if (ms === null) return DASH;
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** "14:02:05": a monitor sends a reading every few seconds, so its readings need the seconds. */
export function fmtClockSeconds(t: string | number | null | undefined): string {
  const ms = typeof t === "number" ? t : parseTime(t ?? null);
  if (ms === null) return DASH;
  return `${fmtClock(ms)}:${pad(new Date(ms).getSeconds())}`;
}

export function fmtDateTime(t: string | number | null | undefined): string {
  const ms = typeof t === "number" ? t : parseTime(t ?? null);
  if (ms === null) return DASH;
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A duration as "45 s", "3 min", "1 h 5 min". */
export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  const rm = m % 60;
  return rm ? `${h} h ${rm} min` : `${h} h`;
}

/** "just now", "3 min ago", "1 h 5 min ago". */
export function timeSince(t: string | number | null | undefined, now = Date.now()): string {
  const ms = typeof t === "number" ? t : parseTime(t ?? null);
  if (ms === null) return DASH;
  const diff = now - ms;
  if (diff < 60_000) return "just now";
  return `${fmtDuration(diff)} ago`;
}

/** Next reading: "due in 4 min" / "due now" / "overdue 3 min". */
export function fmtDue(due: string | null | undefined, now = Date.now()): { text: string; overdue: boolean; none?: boolean } {
  const ms = parseTime(due ?? null);
  if (ms === null) return { text: "no reading due", overdue: false, none: true };
  const diff = ms - now;
  if (diff > 30_000) return { text: `due in ${fmtDuration(Math.ceil(diff / 60_000) * 60_000)}`, overdue: false };
  if (diff > -60_000) return { text: "due now", overdue: false };
  return { text: `overdue ${fmtDuration(-diff)}`, overdue: true };
}

export const PHASE_LABELS: Record<Phase, string> = {
  pre_infusion: "Pre-infusion",
  infusion: "Infusion",
  paused: "Paused",
  recovery: "Recovery",
  discharged: "Discharged",
  aborted: "Aborted",
};

/** A phase as the session's protocol names it (`Session.phase_labels`; Spravato: "Dosing"), else
 * by its usual name. */
export function phaseLabel(p: string, labels?: Session["phase_labels"]): string {
  const own = (labels as Record<string, string> | undefined)?.[p];
  if (own) return own.charAt(0).toUpperCase() + own.slice(1);
  return (PHASE_LABELS as Record<string, string>)[p] ?? p;
}

export const ACTIVE_PHASES: Phase[] = ["pre_infusion", "infusion", "paused", "recovery"];
export function isActivePhase(p: string): boolean {
  return (ACTIVE_PHASES as string[]).includes(p);
}

// ---------------------------------------------------------------- alerts

/** IEC 60601-1-8 style: priority shown by word and by symbol count, never by colour alone. */
export const PRIORITY: Record<Priority, { label: string; icon: string; rank: number; aria: string }> = {
  high: { label: "HIGH", icon: "!!!", rank: 3, aria: "High priority alert" },
  medium: { label: "MEDIUM", icon: "!!", rank: 2, aria: "Medium priority alert" },
  low: { label: "LOW", icon: "!", rank: 1, aria: "Low priority alert" },
};

export function priorityRank(p: string): number {
  return (PRIORITY as Record<string, { rank: number }>)[p]?.rank ?? 0;
}

/** "!!! HIGH — SBP 186 ≥ 180 (baseline 128)", with state when not active. */
export function alertLabel(a: Pick<Alert, "priority" | "message" | "state" | "escalated">): string {
  const p = PRIORITY[a.priority];
  const parts = [`${p.icon} ${p.label}`];
  if (a.escalated && a.state === "active") parts.push("ESCALATED");
  if (a.state === "acknowledged") parts.push("acknowledged");
  if (a.state === "resolved") parts.push("resolved");
  return `${parts.join(" · ")} — ${a.message}`;
}

export function isOpen(a: Pick<Alert, "state">): boolean {
  return a.state !== "resolved";
}

/** Priority first (high first), then unacknowledged before acknowledged, then oldest first. */
export function compareAlerts(a: Alert, b: Alert): number {
  return (
    priorityRank(b.priority) - priorityRank(a.priority) ||
    Number(b.state === "active") - Number(a.state === "active") ||
    Number(b.escalated) - Number(a.escalated) ||
    (parseTime(a.raised_at) ?? 0) - (parseTime(b.raised_at) ?? 0)
  );
}

export function sortAlerts(alerts: Alert[]): Alert[] {
  return [...alerts].sort(compareAlerts);
}

export function worstAlert(alerts: Alert[]): Alert | null {
  const open = alerts.filter(isOpen);
  return open.length ? sortAlerts(open)[0] : null;
}

export function news2Label(n: News2 | null | undefined): string {
  if (!n) return "NEWS2 —";
  return `NEWS2 ${n.score}${n.partial ? " (partial)" : ""}`;
}

export function news2Title(n: News2 | null | undefined): string {
  if (!n) return "No NEWS2 score yet";
  const band = { low: "low", low_medium: "low–medium", medium: "medium", high: "high" }[n.band] ?? n.band;
  const missing = n.partial && n.missing.length ? `; missing: ${n.missing.join(", ")}` : "";
  return `NEWS2 ${n.score}, ${band} risk${missing}`;
}

export function patientLine(s: Pick<Session, "patient" | "location">): string {
  return `${s.location} · ${s.patient.full_name}`;
}

// ---------------------------------------------------------------- entry checks

export type EntryField = "hr" | "sbp" | "dbp" | "spo2" | "rr" | "temp" | "rass" | "cadss";
export type EntryValues = Partial<Record<EntryField, string>>;

export interface FieldCheck {
  /** Impossible: the server will reject it (422); block submit. */
  error?: string;
  /** Possible, but it would raise an alert: shown while typing, does not block. */
  warning?: string;
  /** Implausible for a conscious patient: the nurse confirms it before it is saved. */
  confirm?: string;
}

/** The reading field behind each entry box. */
export const ENTRY_FIELD: Record<EntryField, VitalField> = {
  hr: "heart_rate",
  sbp: "systolic",
  dbp: "diastolic",
  spo2: "spo2",
  rr: "respiratory_rate",
  temp: "temperature_c",
  rass: "sedation_rass",
  cadss: "dissociation_cadss6",
};

interface Plausible {
  min: number;
  max: number;
  integer: boolean;
  confirmBelow: number | null;
  label: string;
  required: boolean;
}

function plausible(f: EntryField): Plausible {
  const c = readingIn[ENTRY_FIELD[f]];
  if (c?.minimum === undefined || c.maximum === undefined) throw new Error(`the API contract has no range for ${ENTRY_FIELD[f]}`);
  const v = VITALS[ENTRY_FIELD[f]];
  return {
    min: c.minimum,
    max: c.maximum,
    integer: c.type === "integer",
    confirmBelow: c["x-confirm-below"] ?? null,
    label: f === "rass" || f === "cadss" ? v.short : v.name,
    required: c.required,
  };
}

/** Plausible (not normal) ranges, the server's 422 limits, and whether a nurse's reading needs
 * the box (ReadingIn's `required`): read from the API contract. */
export const PLAUSIBLE = Object.fromEntries((Object.keys(ENTRY_FIELD) as EntryField[]).map((f) => [f, plausible(f)])) as Record<
  EntryField,
  Plausible
>;

/** The longest note the server stores (API contract). */
export const NOTE_MAX = readingIn.note?.maxLength ?? null;

export function checkNote(note: string): string | undefined {
  const n = note.trim().length;
  return NOTE_MAX !== null && n > NOTE_MAX
    ? `Note is too long: ${n.toLocaleString("en")} characters, at most ${NOTE_MAX.toLocaleString("en")}`
    : undefined;
}

/** The shortest and longest reason for a late entry the server takes (API contract). */
const LATE_REASON = { min: readingIn.late_reason?.minLength ?? 1, max: readingIn.late_reason?.maxLength ?? null };

export function checkLateReason(reason: string): string | undefined {
  const n = reason.trim().length;
  if (n < LATE_REASON.min) return "Give the reason this reading is entered late";
  return LATE_REASON.max !== null && n > LATE_REASON.max
    ? `The reason is too long: at most ${LATE_REASON.max.toLocaleString("en")} characters`
    : undefined;
}

/** When a late entry's reading was taken, from the clock time on the paper record ("HH:MM"):
 * the latest such moment not after `now` (late entries are taken for a day at most, so the
 * paper's 23:40 typed in at 08:10 is last night's). Undefined until the time is given. */
export function lateTakenAt(hhmm: string, now: Date): Date | undefined {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm.trim());
  if (!m) return undefined;
  const at = new Date(now);
  at.setHours(Number(m[1]), Number(m[2]), 0, 0);
  if (at.getTime() > now.getTime()) at.setDate(at.getDate() - 1);
  return at;
}

export function checkLateTime(hhmm: string): string | undefined {
  return lateTakenAt(hhmm, new Date()) ? undefined : "Give the time the reading was taken, from the paper record";
}

/** A value that fits another unit better than ours (°F in the °C box). */
function unitHint(f: EntryField, v: number): string | undefined {
  if (f === "temp" && v >= 77 && v <= 113) return ` — ${v} looks like °F (= ${(((v - 32) * 5) / 9).toFixed(1)} °C); enter °C`;
  return undefined;
}

/** "12,5" or "37.2" → number; "" → null; garbage → NaN. */
export function parseEntry(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s
    .trim()
    .replace(",", ".")
    .replace(/^\u2212/, "-");
  if (t === "") return null;
  if (!/^[-+]?\d+(\.\d+)?$/.test(t)) return Number.NaN;
  return Number(t);
}

/** `rules`: the patient's effective alert rules (limits.effectiveRules), so a value that would
 * alarm is flagged while it is typed; none are flagged until they have loaded. */
export function checkField(field: EntryField, values: EntryValues, rules: AlertRule[]): FieldCheck {
  const v = parseEntry(values[field]);
  if (v === null) return {};
  const r = PLAUSIBLE[field];
  if (Number.isNaN(v)) return { error: `${r.label}: enter a number` };
  if (r.integer && !Number.isInteger(v)) return { error: `${r.label}: enter a whole number` };
  if (v < r.min || v > r.max) return { error: `${r.label} must be between ${r.min} and ${r.max}${unitHint(field, v) ?? ""}` };
  if (field === "dbp") {
    const sys = parseEntry(values.sbp);
    if (sys !== null && !Number.isNaN(sys) && v >= sys) return { error: "Diastolic must be lower than systolic" };
  }
  if (r.confirmBelow !== null && v < r.confirmBelow)
    return {
      confirm: `${r.label} ${v} is implausible for a conscious patient (below ${r.confirmBelow}): re-measure, or confirm the value`,
    };
  const crossed = limitCrossed(ENTRY_FIELD[field], v, rules);
  return crossed
    ? {
        warning: `${v} would raise a ${crossed.priority.toUpperCase()} alert (${OP_LABEL[crossed.limit.op]} ${crossed.limit.value}): check it`,
      }
    : {};
}

const REQUIRED_FIELDS = (Object.keys(PLAUSIBLE) as EntryField[]).filter((f) => PLAUSIBLE[f].required);

/** All checks for the form; `missing` lists required fields left empty. */
export function checkEntry(
  values: EntryValues,
  rules: AlertRule[],
): {
  fields: Partial<Record<EntryField, FieldCheck>>;
  missing: EntryField[];
  ok: boolean;
} {
  const fields: Partial<Record<EntryField, FieldCheck>> = {};
  let ok = true;
  for (const f of Object.keys(PLAUSIBLE) as EntryField[]) {
    const c = checkField(f, values, rules);
    if (c.error || c.warning || c.confirm) fields[f] = c;
    if (c.error) ok = false;
  }
  const missing = REQUIRED_FIELDS.filter((f) => parseEntry(values[f]) === null);
  return { fields, missing, ok: ok && missing.length === 0 };
}
