import { describe, expect, it } from "vitest";
import type { Alert, EventData } from "./api";
import { makeAlert, makeReading, makeSession } from "./fixtures";
import type { LiveMessage } from "./live";
import { currentReadings, emptyData, LiveStore, reduce } from "./store";

const reading = makeReading;
const session = makeSession;
const alert = (id: string, extra: Partial<Alert> = {}) =>
  makeAlert(id, { raised_at: "2026-03-01T09:10:00Z", updated_at: "2026-03-01T09:10:00Z", ...extra });

const ev = (seq: number, event: string, data: EventData): LiveMessage => ({
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

  it("takes a review's readings as they now stand", () => {
    const monitor = { source: "device" as const, device_id: "00A0" };
    let d = reduce(emptyData(), ev(1, "reading.created", { reading: reading("d1", "2026-03-01T09:10:00Z", monitor) }));
    d = reduce(d, ev(2, "reading.created", { reading: reading("d2", "2026-03-01T09:11:00Z", monitor) }));
    const checked = { ...monitor, validated_at: "2026-03-01T09:12:00Z", validated_by_name: "Grace" };
    const rejected = { ...monitor, status: "entered_in_error" as const, error_reason: "probe off" };
    d = reduce(d, ev(3, "readings.validated", { readings: [reading("d1", "2026-03-01T09:10:00Z", checked)] }));
    d = reduce(d, ev(4, "readings.rejected", { readings: [reading("d2", "2026-03-01T09:11:00Z", rejected)] }));
    expect(d.readings.s1.map((r) => [r.id, r.validated_by_name, r.status])).toEqual([
      ["d1", "Grace", "final"],
      ["d2", null, "entered_in_error"],
    ]);
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
