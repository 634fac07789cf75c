// Test data in the contract's shapes (imported by *.test.ts only): complete objects, so a
// field the server adds or drops shows up here as a type error.

import type { Alert, AlertRule, Reading, Session } from "./api";

export function makeReading(id: string, at: string, extra: Partial<Reading> = {}): Reading {
  return {
    id,
    session_id: "s1",
    phase: "infusion",
    taken_at: at,
    recorded_at: at,
    recorded_by: "u-nurse",
    source: "manual",
    device_id: null,
    heart_rate: 80,
    systolic: 120,
    diastolic: 80,
    spo2: 98,
    respiratory_rate: null,
    temperature_c: null,
    on_oxygen: null,
    consciousness: null,
    sedation_rass: null,
    dissociation_cadss6: null,
    note: null,
    is_baseline: false,
    complete: true,
    amends: null,
    late_reason: null,
    amend_reason: null,
    amended_by: null,
    status: "final",
    error_reason: null,
    validated_at: null,
    validated_by: null,
    validated_by_name: null,
    ...extra,
  };
}

export function makeAlert(id: string, extra: Partial<Alert> = {}): Alert {
  return {
    id,
    session_id: "s1",
    location: "Chair 1",
    patient_name: "Ada Lovelace",
    rule: "sbp_high",
    parameter: "systolic",
    kind: "absolute",
    priority: "high",
    state: "active",
    message: "SBP 186 ≥ 180 (baseline 128)",
    value: 186,
    limit: 180,
    worst_value: 186,
    count: 1,
    raised_at: "2026-03-01T10:10:00Z",
    updated_at: "2026-03-01T10:10:00Z",
    acknowledged_at: null,
    acknowledged_by: null,
    ack_note: null,
    resolved_at: null,
    resolved_reason: null,
    cleared_at: null,
    escalated: false,
    ...extra,
  };
}

export function makeSession(id: string, extra: Partial<Session> = {}): Session {
  return {
    id,
    patient: { id: "p1", mrn: "M1", full_name: "Ada Lovelace", date_of_birth: "1980-01-01" },
    site_id: "site-1",
    chair_id: "chair-1",
    location: "Chair 1",
    drug: "ketamine",
    protocol: "iv-ketamine",
    course_id: null,
    weight_kg: 70,
    dose_mg_per_kg: 0.5,
    total_dose_mg: 35,
    devices: null,
    infusion: null,
    planned_minutes: 40,
    phase: "infusion",
    phase_labels: {},
    phase_started_at: "2026-03-01T09:00:00Z",
    created_at: "2026-03-01T08:50:00Z",
    infusion_started_at: "2026-03-01T09:00:00Z",
    infusion_ended_at: null,
    latest_reading: null,
    last_values: [],
    open_alerts: [],
    news2: null,
    next_reading_due_at: null,
    ...extra,
  };
}

export function makeRule(code: string, extra: Partial<AlertRule> = {}): AlertRule {
  return { code, kind: "absolute", parameter: "systolic", medium: null, high: null, enabled: true, ...extra };
}
