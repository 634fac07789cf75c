// Dashboard state built from the live stream: active sessions, open alerts, readings per session.
// `reduce` is pure (tested); LiveStore wires it to a LiveClient and loads readings history once.

import type { Alert, Reading, Session } from "./api";
import { isActivePhase, parseTime } from "./format";
import type { LiveClient, LiveMessage } from "./live";

export interface LiveData {
  seq: number | null;
  sessions: Record<string, Session>;
  /** Open (not resolved) alerts by id. */
  alerts: Record<string, Alert>;
  readings: Record<string, Reading[]>;
}

export const emptyData = (): LiveData => ({ seq: null, sessions: {}, alerts: {}, readings: {} });

function byTakenAt(a: Reading, b: Reading): number {
  return (parseTime(a.taken_at) ?? 0) - (parseTime(b.taken_at) ?? 0);
}

/** Merge readings by id (later copy wins), keep taken_at order; mark amended originals. */
export function mergeReadings(list: Reading[] | undefined, incoming: Reading[]): Reading[] {
  const map = new Map((list ?? []).map((r) => [r.id, r]));
  for (const r of incoming) {
    map.set(r.id, r);
    const old = r.amends ? map.get(r.amends) : undefined;
    if (old?.status === "final") map.set(old.id, { ...old, status: "amended" });
  }
  return [...map.values()].sort(byTakenAt);
}

/** Readings that count (not amended away, not entered in error). */
export function currentReadings(list: Reading[] | undefined): Reading[] {
  return (list ?? []).filter((r) => r.status !== "amended" && r.status !== "entered_in_error");
}

function upsertSession(d: LiveData, s: Session): LiveData {
  const sessions = { ...d.sessions };
  let alerts = d.alerts;
  if (isActivePhase(s.phase)) sessions[s.id] = s;
  else delete sessions[s.id];
  if (s.open_alerts.length) {
    alerts = { ...alerts };
    for (const a of s.open_alerts) {
      const have = alerts[a.id];
      // never let an older copy overwrite a newer one
      if (!have || (parseTime(a.updated_at) ?? 0) >= (parseTime(have.updated_at) ?? 0)) if (a.state !== "resolved") alerts[a.id] = a;
    }
  }
  return { ...d, sessions, alerts };
}

function upsertAlert(d: LiveData, a: Alert): LiveData {
  const alerts = { ...d.alerts };
  if (a.state === "resolved") delete alerts[a.id];
  else alerts[a.id] = a;
  return { ...d, alerts };
}

/** Apply one message (already deduplicated and ordered by the live client). */
export function reduce(d: LiveData, m: LiveMessage): LiveData {
  if (m.type === "snapshot") {
    const next: LiveData = { seq: m.seq, sessions: {}, alerts: {}, readings: d.readings };
    let out = next;
    for (const s of m.data.sessions) out = upsertSession(out, s);
    for (const a of m.data.alerts) out = upsertAlert(out, a);
    // keep the readings we already hold, and add each session's latest
    const readings = { ...out.readings };
    for (const s of Object.values(out.sessions)) if (s.latest_reading) readings[s.id] = mergeReadings(readings[s.id], [s.latest_reading]);
    return { ...out, readings };
  }
  let out: LiveData = { ...d, seq: m.seq };
  const { session, reading, readings, alert } = m.data;
  const changed = [...(reading ? [reading] : []), ...(readings ?? [])];
  if (changed.length) {
    const sid = changed[0].session_id;
    out = { ...out, readings: { ...out.readings, [sid]: mergeReadings(out.readings[sid], changed) } };
  }
  if (session) out = upsertSession(out, session);
  if (alert) out = upsertAlert(out, alert);
  return out;
}

export function alertsForSession(d: LiveData, sessionId: string): Alert[] {
  return Object.values(d.alerts).filter((a) => a.session_id === sessionId);
}

/** Owns the dashboard state for the app; views subscribe and render. */
export class LiveStore {
  data: LiveData = emptyData();
  private listeners = new Set<(d: LiveData) => void>();
  private loaded = new Set<string>();
  private unsub: (() => void) | null = null;

  constructor(
    private readonly client: Pick<LiveClient, "subscribe">,
    private readonly loadReadings: (sessionId: string) => Promise<Reading[]>,
  ) {}

  start(): void {
    if (this.unsub) return;
    this.unsub = this.client.subscribe((m) => this.apply(m));
  }

  stop(): void {
    this.unsub?.();
    this.unsub = null;
  }

  subscribe(fn: (d: LiveData) => void): () => void {
    this.listeners.add(fn);
    fn(this.data);
    return () => this.listeners.delete(fn);
  }

  apply(m: LiveMessage): void {
    this.set(reduce(this.data, m));
    for (const id of Object.keys(this.data.sessions)) this.ensureReadings(id);
  }

  /** Replace an alert after an HTTP answer (e.g. acknowledge) without waiting for the event. */
  putAlert(a: Alert): void {
    this.set(upsertAlert(this.data, a));
  }

  /** GET /api/sessions/{id}/readings once per session; later readings come from live events. */
  ensureReadings(sessionId: string): void {
    if (this.loaded.has(sessionId)) return;
    this.loaded.add(sessionId);
    this.loadReadings(sessionId).then(
      (list) => {
        const readings = { ...this.data.readings, [sessionId]: mergeReadings(this.data.readings[sessionId], list) };
        this.set({ ...this.data, readings });
      },
      () => this.loaded.delete(sessionId),
    );
  }

  private set(d: LiveData): void {
    this.data = d;
    for (const fn of [...this.listeners]) fn(d);
  }
}
