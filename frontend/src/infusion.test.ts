import { describe, expect, it } from "vitest";
import type { InfusionTile } from "./api";
import { infusionAt } from "./infusion";

const tile: InfusionTile = {
  status: "running",
  verified: true,
  planned_dose_mg: 40,
  rate_mg_per_kg_h: 0.75,
  rate_mg_per_h: 60,
  rate_ml_per_h: 60,
  delivered_mg: 10,
  running_seconds: 600,
  started_at: "2026-12-01T09:00:00Z",
  stopped_at: null,
  as_of: "2026-12-01T09:15:00Z",
};

describe("infusionAt", () => {
  it("extrapolates a running pump from its last log entry", () => {
    const at = infusionAt(tile, Date.parse("2026-12-01T09:25:00Z"));
    expect(at.deliveredMg).toBeCloseTo(20);
    expect(at.remainingMg).toBeCloseTo(20);
    expect(at.elapsedMs).toBe(20 * 60_000);
  });
  it("does not move a paused or stopped pump", () => {
    const paused = infusionAt({ ...tile, status: "paused" }, Date.parse("2026-12-01T10:00:00Z"));
    expect(paused.deliveredMg).toBe(10);
    expect(paused.elapsedMs).toBe(600_000);
  });
  it("never shows a negative remainder", () => {
    expect(infusionAt({ ...tile, delivered_mg: 45 }, Date.parse("2026-12-01T09:15:00Z")).remainingMg).toBe(0);
  });
});
