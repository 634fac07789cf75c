// The alert limits that apply to one patient, as the server holds them (GET /api/alert-rules and
// GET /api/patients/{id}/alert-rules): the chart draws them and the entry form warns by them, so
// no screen keeps a copy of a limit of its own.

import type { AlertRule, Priority, Threshold } from "./api";

export const OP_LABEL: Record<Threshold["op"], string> = { ">": ">", ">=": "≥", "<": "<", "<=": "≤" };

/** The clinic's rules with the patient's overrides replacing rules of the same code. */
export function effectiveRules(clinic: AlertRule[], patient: AlertRule[] = []): AlertRule[] {
  const byCode = new Map(clinic.map((r) => [r.code, r]));
  for (const r of patient) byCode.set(r.code, r);
  return [...byCode.values()];
}

export function trips(t: Threshold, v: number): boolean {
  switch (t.op) {
    case ">":
      return v > t.value;
    case ">=":
      return v >= t.value;
    case "<":
      return v < t.value;
    case "<=":
      return v <= t.value;
  }
}

/** The worst alert a value of `parameter` alone would raise under the absolute rules, with the
 * limit it crosses; null within every limit. Baseline and NEWS2 rules need more than one value. */
export function limitCrossed(parameter: string, v: number, rules: AlertRule[]): { priority: Priority; limit: Threshold } | null {
  let medium: Threshold | null = null;
  for (const r of rules) {
    if (r.kind !== "absolute" || r.enabled === false || r.parameter !== parameter) continue;
    if (r.high && trips(r.high, v)) return { priority: "high", limit: r.high };
    if (r.medium && trips(r.medium, v)) medium = r.medium;
  }
  return medium ? { priority: "medium", limit: medium } : null;
}
