// A protocol as the editor holds it (views/admin/Protocols.tsx): numbers stay the text typed until
// saved, so a refused save gives back exactly what the admin wrote. Pure, no DOM.

import type { Checkpoint, Phase, Protocol, ProtocolIn, ProtocolRules } from "./api";
import { fmtDuration, PHASE_LABELS, parseEntry } from "./format";

/** The rules' number fields the form edits. */
export type NumberField =
  | "dose_mg_per_kg_min"
  | "dose_mg_per_kg_max"
  | "mg_per_device"
  | "planned_minutes"
  | "infusion_check_seconds"
  | "recovery_check_seconds"
  | "min_recovery_minutes"
  | "min_observation_minutes"
  | "baseline_max_systolic"
  | "baseline_max_diastolic";
/** Their labels; an `optional` one may be left empty (none). */
export const NUMBER_FIELDS: Record<NumberField, { label: string; optional: boolean; hint?: string }> = {
  dose_mg_per_kg_min: { label: "Lowest dose (mg/kg)", optional: true },
  dose_mg_per_kg_max: { label: "Highest dose (mg/kg)", optional: true },
  mg_per_device: { label: "mg per device", optional: true },
  planned_minutes: { label: "Planned duration (min)", optional: false, hint: "of the dosing or the infusion" },
  infusion_check_seconds: { label: "Reading every (s), infusion", optional: false },
  recovery_check_seconds: { label: "Reading every (s), recovery", optional: false },
  min_recovery_minutes: { label: "Minimum recovery (min)", optional: false },
  min_observation_minutes: { label: "Minimum observation (min)", optional: true, hint: "from the start of dosing" },
  baseline_max_systolic: { label: "Highest systolic (mmHg)", optional: false },
  baseline_max_diastolic: { label: "Highest diastolic (mmHg)", optional: false },
};

/** Phases whose name a protocol may change on the screens (Spravato: "dosing", "observation"). */
export const PHASES = Object.keys(PHASE_LABELS) as Phase[];
export const ANCHORS: Record<Checkpoint["anchor"], string> = {
  before_dose: "before dosing",
  after_dose: "after dosing",
  before_discharge: "before discharge",
};

export interface CheckpointDraft {
  code: string;
  label: string;
  anchor: Checkpoint["anchor"];
  minutes: string;
  window: string;
}

export interface ProtocolDraft {
  name: string;
  active: boolean;
  drug: string;
  route: ProtocolRules["route"];
  dosing: ProtocolRules["dosing"];
  /** The allowed fixed doses as typed, "56, 84". */
  fixedDoses: string;
  numbers: Record<NumberField, string>;
  phaseLabels: Partial<Record<Phase, string>>;
  checkpoints: CheckpointDraft[];
}

const text = (v: number | null | undefined) => (v == null ? "" : String(v));

export function toDraft(p: Pick<Protocol, "name" | "active" | "rules">): ProtocolDraft {
  const r = p.rules;
  const numbers = Object.fromEntries((Object.keys(NUMBER_FIELDS) as NumberField[]).map((k) => [k, text(r[k])]));
  return {
    name: p.name,
    active: p.active,
    drug: r.drug,
    route: r.route,
    dosing: r.dosing,
    fixedDoses: (r.fixed_doses_mg ?? []).join(", "),
    numbers: numbers as Record<NumberField, string>,
    phaseLabels: { ...r.phase_labels },
    checkpoints: (r.checkpoints ?? []).map((c) => ({
      code: c.code,
      label: c.label,
      anchor: c.anchor,
      minutes: text(c.minutes),
      window: text(c.window_minutes),
    })),
  };
}

export function newCheckpoint(): CheckpointDraft {
  return { code: "", label: "", anchor: "after_dose", minutes: "", window: "10" };
}

/** "every 10 min" beside a cadence in seconds, or nothing while it is not a number. */
export function cadenceHint(seconds: string): string {
  const v = parseEntry(seconds);
  return v === null || Number.isNaN(v) || v <= 0 ? "" : `every ${fmtDuration(v * 1000)}`;
}

class Unreadable extends Error {}

/** A number typed in `label`'s box, or null when it is empty. */
function read(label: string, typed: string, optional: boolean): number | null {
  const v = parseEntry(typed);
  if (Number.isNaN(v) || (v === null && !optional))
    throw new Unreadable(`${label}: enter a number${optional ? ", or leave it empty for none" : ""}`);
  return v;
}
const need = (label: string, typed: string) => read(label, typed, false) as number;

/** The protocol to PUT (less the reason), or the sentence naming the box that is not a number.
 * The server checks the rest (ranges, a dose range or fixed doses, unique checkpoint codes). */
export function fromDraft(d: ProtocolDraft): Omit<ProtocolIn, "reason"> | string {
  const opt = (k: NumberField) => read(NUMBER_FIELDS[k].label, d.numbers[k], NUMBER_FIELDS[k].optional);
  // a field the table does not mark optional throws rather than give null
  const req = (k: NumberField) => opt(k) as number;
  try {
    const weighed = d.dosing === "weight_based";
    const rules: ProtocolRules = {
      drug: d.drug.trim(),
      route: d.route,
      dosing: d.dosing,
      // Only the dosing chosen is sent: the other kind's values would be rules nobody sees.
      dose_mg_per_kg_min: weighed ? opt("dose_mg_per_kg_min") : null,
      dose_mg_per_kg_max: weighed ? opt("dose_mg_per_kg_max") : null,
      fixed_doses_mg: weighed
        ? []
        : d.fixedDoses
            .split(/[\s,;]+/)
            .filter(Boolean)
            .map((t) => need("Allowed doses (mg)", t)),
      mg_per_device: weighed ? null : opt("mg_per_device"),
      planned_minutes: req("planned_minutes"),
      phase_labels: Object.fromEntries(
        Object.entries(d.phaseLabels)
          .map(([phase, label]) => [phase, (label ?? "").trim()])
          .filter(([, label]) => label),
      ),
      infusion_check_seconds: req("infusion_check_seconds"),
      recovery_check_seconds: req("recovery_check_seconds"),
      min_recovery_minutes: req("min_recovery_minutes"),
      min_observation_minutes: opt("min_observation_minutes"),
      baseline_max_systolic: req("baseline_max_systolic"),
      baseline_max_diastolic: req("baseline_max_diastolic"),
      checkpoints: d.checkpoints.map((c, i) => ({
        code: c.code.trim(),
        label: c.label.trim(),
        anchor: c.anchor,
        minutes: c.anchor === "after_dose" ? need(`Checkpoint ${i + 1} minutes after dosing`, c.minutes) : 0,
        window_minutes: need(`Checkpoint ${i + 1} window (min)`, c.window),
      })),
    };
    return { name: d.name.trim(), active: d.active, rules };
  } catch (e) {
    if (e instanceof Unreadable) return e.message;
    throw e;
  }
}
