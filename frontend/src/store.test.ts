import { describe, expect, it } from "vitest";
import type { Alert, Reading, Session } from "./api";
import type { LiveMessage } from "./live";
import { currentReadings, emptyData, LiveStore, reduce } from "./store";

const reading = (id: string, at: string, extra: Partial<Reading> = {}): Reading => ({
  id,
  session_id: "s1",
  phase: "infusion",
  taken_at: at,
  recorded_at: at,
  recorded_by: null,
  is_baseline: false,
  amends: null,
  status: "final",
  heart_rate: 80,
  systolic: 120,
  diastolic: 80,
  spo2: 98,
  ...extra,
});

const session = (id: string, extra: Partial<Session> = {}): Session => ({
  id,
  patient: { id: "p1", mrn: "M1", full_name: "Ada Lovelace", date_of_birth: "1980-01-01" },
  location: "Chair 1",
  drug: "ketamine",
  weight_kg: 70,
  protocol: "iv-ketamine",
  dose_mg_per_kg: 0.5,
  devices: null,
  infusion: null,
  total_dose_mg: 35,
  planned_minutes: 40,
  phase: "infusion",
  phase_started_at: "2026-03-01T09:00:00Z",
  created_at: "2026-03-01T08:50:00Z",
  infusion_started_at: "2026-03-01T09:00:00Z",
  infusion_ended_at: null,
  latest_reading: null,
  open_alerts: [],
  news2: null,
  next_reading_due_at: null,
  ...extra,
});

const alert = (id: string, extra: Partial<Alert> = {}): Alert => ({
  id,
  session_id: "s1",
  rule: "sbp_high",
  priority: "high",
  state: "active",
  message: "SBP 186 ≥ 180",
  value: 186,
  limit: 180,
  raised_at: "2026-03-01T09:10:00Z",
  acknowledged_at: null,
  acknowledged_by: null,
  resolved_at: null,
  escalated: false,
  ...extra,
});

const ev = (seq: number, event: string, data: Record<string, unknown>): LiveMessage => ({
  type: "event",
  seq,
  event,
  session_id: "s1",
  data,
});

describe("reduce", () => {
  it("builds state from a snapshot and applies events", () => {
    let d = reduce(emptyData(), {
      type: "snapshot",
      seq: 10,
      data: { sessions: [session("s1"), session("s2", { location: "Chair 2" })], alerts: [alert("a1")] },
    });
    expect(Object.keys(d.sessions)).toEqual(["s1", "s2"]);
    expect(Object.keys(d.alerts)).toEqual(["a1"]);

    const r = reading("r1", "2026-03-01T09:20:00Z", { systolic: 150 });
    d = reduce(d, ev(11, "reading.created", { reading: r, session: session("s1", { latest_reading: r }) }));
    expect(d.sessions.s1.latest_reading?.systolic).toBe(150);
    expect(d.readings.s1.map((x) => x.id)).toEqual(["r1"]);

    d = reduce(d, ev(12, "alert.acknowledged", { alert: alert("a1", { state: "acknowledged" }) }));
    expect(d.alerts.a1.state).toBe("acknowledged");
    d = reduce(d, ev(13, "alert.resolved", { alert: alert("a1", { state: "resolved" }) }));
    expect(d.alerts.a1).toBeUndefined();

    d = reduce(d, ev(14, "session.phase_changed", { session: session("s2", { phase: "discharged" }) }));
    expect(Object.keys(d.sessions)).toEqual(["s1"]);
    expect(d.seq).toBe(14);
  });

  it("keeps readings in clinical time order and marks amended originals", () => {
    let d = emptyData();
    d = reduce(d, ev(1, "reading.created", { reading: reading("r2", "2026-03-01T09:20:00Z") }));
    d = reduce(d, ev(2, "reading.created", { reading: reading("r1", "2026-03-01T09:10:00Z") }));
    d = reduce(d, ev(3, "reading.amended", { reading: reading("r3", "2026-03-01T09:10:00Z", { amends: "r1", heart_rate: 70 }) }));
    expect(d.readings.s1.map((r) => r.id)).toEqual(["r1", "r3", "r2"]);
    expect(d.readings.s1[0].status).toBe("amended");
    expect(currentReadings(d.readings.s1).map((r) => r.id)).toEqual(["r3", "r2"]);
  });
});

describe("LiveStore", () => {
  it("loads each session's readings once and merges later live readings", async () => {
    let listener: (m: LiveMessage) => void = () => {};
    const client = {
      subscribe: (fn: (m: LiveMessage) => void) => {
        listener = fn;
        return () => {};
      },
    };
    const loads: string[] = [];
    const store = new LiveStore(client, async (id) => {
      loads.push(id);
      return [reading("old", "2026-03-01T09:00:00Z")];
    });
    store.start();
    listener({ type: "snapshot", seq: 1, data: { sessions: [session("s1")], alerts: [] } });
    listener(ev(2, "reading.created", { reading: reading("new", "2026-03-01T09:30:00Z"), session: session("s1") }));
    await new Promise((r) => setTimeout(r, 0));
    expect(loads).toEqual(["s1"]);
    expect(store.data.readings.s1.map((r) => r.id)).toEqual(["old", "new"]);
  });
});
