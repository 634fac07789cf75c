// What a chair tile shows, decided without the DOM: its state, which vitals are abnormal,
// the infusion clock, and the "needs attention first" order.

import type { Alert, Chair, Reading, Session } from "./api";
import { fmtDuration, PRIORITY, parseTime, priorityRank } from "./format";

export type TileState = "high" | "medium" | "overdue" | "nodata" | "normal" | "empty";

/** Said in words on the tile, so the border colour is never the only signal. */
export const TILE_STATE_TEXT: Record<TileState, string> = {
  high: "HIGH ALERT",
  medium: "MEDIUM ALERT",
  overdue: "READING OVERDUE",
  nodata: "NO READING YET",
  normal: "Within limits",
  empty: "Empty",
};

const STATE_RANK: Record<TileState, number> = { high: 5, medium: 4, overdue: 3, nodata: 2, normal: 1, empty: 0 };

/** A vital's value as the tile shows it: the session's last value of it (a monitor's reading
 * may hold only some vitals), with its time when it is older than the latest reading. */
export function lastValue(s: Session, field: string): { value: number; at: string | null; device: boolean } | null {
  const last = s.last_values.find((v) => v.field === field);
  if (!last) return null;
  const latest = s.latest_reading;
  const earlier = latest !== null && last.reading_id !== latest.id ? last.taken_at : null;
  return { value: last.value, at: earlier, device: last.source === "device" };
}

/** One cell per number: never two values side by side ("123/9497"). */
export const TILE_CELLS: { key: keyof Reading & string; label: string; unit: string }[] = [
  { key: "heart_rate", label: "HR", unit: "/min" },
  { key: "systolic", label: "SBP", unit: "mmHg" },
  { key: "diastolic", label: "DBP", unit: "mmHg" },
  { key: "spo2", label: "SpO₂", unit: "%" },
  { key: "respiratory_rate", label: "RR", unit: "/min" },
];

export function tileState(s: Session | undefined, alerts: Alert[], now: number): TileState {
  if (!s) return "empty";
  const open = alerts.filter((a) => a.state !== "resolved");
  const clinical = open.filter((a) => a.kind !== "overdue");
  const worst = Math.max(0, ...clinical.map((a) => priorityRank(a.priority)));
  if (worst >= 3) return "high";
  if (worst === 2) return "medium";
  const due = parseTime(s.next_reading_due_at);
  if (open.some((a) => a.kind === "overdue") || (due !== null && due < now)) return "overdue";
  if (!s.latest_reading) return "nodata";
  return "normal";
}

export interface CellFlag {
  priority: "high" | "medium" | "low";
  symbol: "▲" | "▼";
  text: string;
}

/** The worst open alert on this vital, as colour class, arrow and priority word. A latched alert
 * whose condition has cleared marks the tile and its alert row, not the value now in the cell:
 * "96 ▼ HIGH" would misstate a normal SpO₂. */
export function cellFlag(key: string, alerts: Alert[]): CellFlag | null {
  const mine = alerts.filter((a) => a.state !== "resolved" && a.cleared_at === null && a.parameter === key);
  if (!mine.length) return null;
  const worst = mine.reduce((a, b) => (priorityRank(b.priority) > priorityRank(a.priority) ? b : a));
  const up = worst.value !== null && worst.limit !== null ? worst.value > worst.limit : !/_low$/.test(worst.rule);
  return { priority: worst.priority, symbol: up ? "▲" : "▼", text: PRIORITY[worst.priority].label };
}

/** "Infusion 23 min of 40", "Recovery 12 min · infused 40 min", "Pre-infusion 5 min". */
export function infusionClock(s: Session, now: number): { elapsed: string; detail: string } {
  const started = parseTime(s.infusion_started_at);
  const ended = parseTime(s.infusion_ended_at);
  const phaseStart = parseTime(s.phase_started_at);
  const inPhase = phaseStart !== null ? fmtDuration(now - phaseStart) : "—";
  if (started === null) return { elapsed: inPhase, detail: "infusion not started" };
  const infused = fmtDuration((ended ?? now) - started);
  if (ended === null) return { elapsed: infused, detail: `of ${s.planned_minutes} min planned` };
  return { elapsed: inPhase, detail: `infused ${infused}` };
}

export interface Place {
  chair: Chair;
  session: Session | undefined;
  alerts: Alert[];
  state: TileState;
}

/** Every chair in its fixed order, or (attention first) worst state first, ties in chair order. */
export function orderPlaces(places: Place[], attentionFirst: boolean): Place[] {
  if (!attentionFirst) return places;
  return places
    .map((p, i) => ({ p, i }))
    .sort((a, b) => STATE_RANK[b.p.state] - STATE_RANK[a.p.state] || a.i - b.i)
    .map(({ p }) => p);
}
