import { describe, expect, it } from "vitest";
import { limitsFromRules } from "./charts";
import { makeRule } from "./fixtures";
import { checkEntry, checkField } from "./format";
import { effectiveRules, limitCrossed } from "./limits";

// Rules as a clinic might have tuned them: the tests never assume the server's defaults.
const clinic = [
  makeRule("sbp_high", { medium: { op: ">", value: 160 }, high: { op: ">=", value: 180 } }),
  makeRule("sbp_low", { medium: { op: "<", value: 100 }, high: { op: "<=", value: 90 } }),
  makeRule("spo2_low", { parameter: "spo2", medium: { op: "<=", value: 93 }, high: { op: "<=", value: 90 } }),
  makeRule("sbp_rise", { kind: "baseline", medium: { op: ">=", value: 40 } }),
  makeRule("hr_low", { parameter: "heart_rate", medium: { op: "<", value: 50 }, high: { op: "<=", value: 40 }, enabled: false }),
  makeRule("temp_high", { parameter: "temperature_c", high: { op: ">=", value: 39 } }),
];
const patient = [makeRule("sbp_high", { medium: { op: ">", value: 170 }, high: { op: ">=", value: 190 } })];
const rules = effectiveRules(clinic, patient);

describe("a patient's effective alert rules", () => {
  it("are the clinic's, with the patient's overrides replacing rules of the same code", () => {
    expect(rules.map((r) => r.code)).toEqual(["sbp_high", "sbp_low", "spo2_low", "sbp_rise", "hr_low", "temp_high"]);
    expect(rules[0]?.high?.value).toBe(190);
    expect(effectiveRules(clinic)).toEqual(clinic);
  });

  it("say which alert a single value would raise: the worst limit crossed, enabled absolute rules only", () => {
    expect(limitCrossed("systolic", 175, rules)).toEqual({ priority: "medium", limit: { op: ">", value: 170 } });
    expect(limitCrossed("systolic", 190, rules)).toEqual({ priority: "high", limit: { op: ">=", value: 190 } });
    expect(limitCrossed("systolic", 165, rules)).toBeNull(); // the clinic's 160 is overridden
    expect(limitCrossed("systolic", 95, rules)).toEqual({ priority: "medium", limit: { op: "<", value: 100 } });
    expect(limitCrossed("spo2", 93, rules)?.priority).toBe("medium");
    expect(limitCrossed("spo2", 94, rules)).toBeNull();
    expect(limitCrossed("heart_rate", 35, rules)).toBeNull(); // switched off
    expect(limitCrossed("systolic", 175, [])).toBeNull(); // not loaded yet: nothing guessed
  });

  it("draw enabled absolute high limit lines on the chart", () => {
    expect(limitsFromRules(rules)).toEqual([
      { scale: "vital", value: 190, label: "SBP ≥ 190" },
      { scale: "vital", value: 90, label: "SBP ≤ 90" },
      { scale: "spo2", value: 90, label: "SpO₂ ≤ 90" },
    ]);
  });
});

describe("the entry form's warnings come from the same rules", () => {
  it("flags a value that would alarm, with the limit, without blocking", () => {
    expect(checkField("sbp", { sbp: "175" }, rules)).toEqual({
      warning: "175 would raise a MEDIUM alert (> 170): check it",
    });
    expect(checkField("spo2", { spo2: "89" }, rules).warning).toMatch(/^89 would raise a HIGH alert \(≤ 90\)/);
    expect(checkField("sbp", { sbp: "165" }, rules)).toEqual({});
    expect(checkField("temp", { temp: "39.2" }, rules).warning).toMatch(/HIGH alert \(≥ 39\)/);
    expect(checkField("temp", { temp: "36.6" }, rules)).toEqual({});
    const form = checkEntry({ hr: "80", sbp: "195", dbp: "82", spo2: "97" }, rules);
    expect(form.ok).toBe(true);
    expect(form.fields.sbp?.warning).toMatch(/HIGH alert/);
  });

  it("errors and confirmations come first: a limit never hides a typo", () => {
    expect(checkField("sbp", { sbp: "400" }, rules).error).toMatch(/between/);
    expect(checkField("sbp", { sbp: "400" }, rules).warning).toBeUndefined();
  });
});
