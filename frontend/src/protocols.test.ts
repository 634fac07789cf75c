import { describe, expect, it } from "vitest";
import type { Protocol } from "./api";
import { cadenceHint, fromDraft, newCheckpoint, toDraft } from "./protocols";

const SPRAVATO: Pick<Protocol, "name" | "active" | "rules"> = {
  name: "Spravato (esketamine) intranasal",
  active: true,
  rules: {
    drug: "esketamine",
    route: "intranasal",
    dosing: "fixed",
    dose_mg_per_kg_min: null,
    dose_mg_per_kg_max: null,
    fixed_doses_mg: [56, 84],
    mg_per_device: 28,
    planned_minutes: 10,
    phase_labels: { infusion: "dosing", recovery: "observation" },
    infusion_check_seconds: 600,
    recovery_check_seconds: 900,
    min_recovery_minutes: 0,
    min_observation_minutes: 120,
    baseline_max_systolic: 140,
    baseline_max_diastolic: 90,
    checkpoints: [
      { code: "bp_pre", label: "BP before dosing", anchor: "before_dose", minutes: 0, window_minutes: 60 },
      { code: "bp_40", label: "BP about 40 min after dosing", anchor: "after_dose", minutes: 40, window_minutes: 10 },
    ],
  },
};

describe("toDraft / fromDraft", () => {
  it("gives back the protocol it was made from", () => {
    expect(fromDraft(toDraft(SPRAVATO))).toEqual(SPRAVATO);
  });
  it("reads what was typed: decimal commas, a list of doses, empty optional boxes", () => {
    const d = toDraft(SPRAVATO);
    d.numbers.recovery_check_seconds = " 450 ";
    d.numbers.min_observation_minutes = "";
    d.numbers.mg_per_device = "";
    d.fixedDoses = "28; 56,84";
    d.phaseLabels.paused = "  ";
    d.checkpoints[1].window = "7,5";
    const out = fromDraft(d);
    if (typeof out === "string") throw new Error(out);
    expect(out.rules).toMatchObject({
      recovery_check_seconds: 450,
      min_observation_minutes: null,
      mg_per_device: null,
      fixed_doses_mg: [28, 56, 84],
      phase_labels: { infusion: "dosing", recovery: "observation" },
    });
    expect(out.rules.checkpoints?.[1].window_minutes).toBe(7.5);
  });
  it("sends only the dosing chosen", () => {
    const d = toDraft(SPRAVATO);
    d.dosing = "weight_based";
    d.numbers.dose_mg_per_kg_min = "0.1";
    d.numbers.dose_mg_per_kg_max = "1";
    const out = fromDraft(d);
    if (typeof out === "string") throw new Error(out);
    expect(out.rules).toMatchObject({ dose_mg_per_kg_min: 0.1, dose_mg_per_kg_max: 1, fixed_doses_mg: [], mg_per_device: null });
  });
  it("a checkpoint not after dosing has no minutes to read", () => {
    const d = toDraft(SPRAVATO);
    d.checkpoints.push({ ...newCheckpoint(), code: "bp_end", label: "BP before leaving", anchor: "before_discharge" });
    const out = fromDraft(d);
    if (typeof out === "string") throw new Error(out);
    expect(out.rules.checkpoints?.[2]).toEqual({
      code: "bp_end",
      label: "BP before leaving",
      anchor: "before_discharge",
      minutes: 0,
      window_minutes: 10,
    });
  });
  it("names the box that is not a number, or a required one left empty", () => {
    const d = toDraft(SPRAVATO);
    d.numbers.infusion_check_seconds = "10 min";
    expect(fromDraft(d)).toBe("Reading every (s), infusion: enter a number");
    d.numbers.infusion_check_seconds = "";
    expect(fromDraft(d)).toBe("Reading every (s), infusion: enter a number");
    d.numbers.infusion_check_seconds = "600";
    d.numbers.min_observation_minutes = "two hours";
    expect(fromDraft(d)).toBe("Minimum observation (min): enter a number, or leave it empty for none");
    d.numbers.min_observation_minutes = "120";
    d.checkpoints.push(newCheckpoint());
    expect(fromDraft(d)).toBe("Checkpoint 3 minutes after dosing: enter a number");
  });
});

describe("cadenceHint", () => {
  it("says the cadence in minutes, or nothing while it is not a number", () => {
    expect(cadenceHint("600")).toBe("every 10 min");
    expect(cadenceHint("5400")).toBe("every 1 h 30 min");
    expect(cadenceHint("ten")).toBe("");
    expect(cadenceHint("")).toBe("");
  });
});
