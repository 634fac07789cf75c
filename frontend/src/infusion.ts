import type { InfusionTile } from "./api";

export interface InfusionNow {
  deliveredMg: number;
  remainingMg: number;
  elapsedMs: number;
}

/** Delivered, remaining and infusing time at `now`: a running pump keeps delivering at its
 * rate from the tile's `as_of`, so the tile moves without the server sending ticks. */
export function infusionAt(t: InfusionTile, now: number): InfusionNow {
  const since = t.status === "running" && t.as_of ? Math.max(0, now - Date.parse(t.as_of)) : 0;
  const deliveredMg = t.delivered_mg + (t.rate_mg_per_h * since) / 3_600_000;
  return {
    deliveredMg,
    remainingMg: Math.max(0, t.planned_dose_mg - deliveredMg),
    elapsedMs: t.running_seconds * 1000 + since,
  };
}
