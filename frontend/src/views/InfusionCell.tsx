import type { Session } from "../api";
import { fmtDuration } from "../format";
import { infusionAt } from "../infusion";

const STATUS = { not_started: "pump not started", running: "running", paused: "PAUSED", stopped: "stopped" };

/** The pump on a dashboard tile: elapsed, delivered and remaining of the planned dose. */
export function InfusionCell({ s, now }: { s: Session; now: number }) {
  const t = s.infusion;
  if (!t) return null;
  const at = infusionAt(t, now);
  return (
    <div class={`tile-infusion pump-${t.status}`} data-testid="tile-infusion">
      <span>
        {t.status === "paused" && <span aria-hidden="true">⏸ </span>}
        Pump {STATUS[t.status]}
        {!t.verified && " · not checked"}
      </span>
      {t.status !== "not_started" && (
        <>
          <span data-testid="infusion-elapsed">{fmtDuration(at.elapsedMs)}</span>
          <span data-testid="infusion-delivered">
            {at.deliveredMg.toFixed(1)} of {t.planned_dose_mg} mg
          </span>
          <span data-testid="infusion-remaining">{at.remainingMg.toFixed(1)} mg left</span>
          {t.status !== "stopped" && <span>{t.rate_ml_per_h} mL/h</span>}
        </>
      )}
    </div>
  );
}
