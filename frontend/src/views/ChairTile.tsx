// One chair on the central station: empty, or its session's vitals, each in its own cell.

import { useMemo } from "preact/hooks";
import type { Alert, Chair, Reading, Session } from "../api";
import { Sparkline } from "../charts";
import { fmtClock, fmtDue, fmtNum, news2Label, news2Title, parseTime, phaseLabel, timeSince, worstAlert } from "../format";
import { currentReadings } from "../store";
import { cellFlag, infusionClock, lastValue, TILE_CELLS, TILE_STATE_TEXT, type TileState } from "../tiles";
import { PriorityBadge } from "../widgets";
import { InfusionCell } from "./InfusionCell";

const SPARK_POINTS = 24;

function spark(key: keyof Reading, readings: Reading[]) {
  const rs = readings.slice(-SPARK_POINTS);
  return {
    xs: rs.map((r) => (parseTime(r.taken_at) ?? 0) / 1000),
    series: [{ values: rs.map((r) => (r[key] as number | null | undefined) ?? null), stroke: "#0b5394" }],
  };
}

export function EmptyChair({ chair }: { chair: Chair }) {
  return (
    <article class="tile state-empty" data-testid={`chair-${chair.name}`} data-state="empty" aria-label={`${chair.name}: empty`}>
      <header class="tile-head">
        <h3>
          <span class="loc">{chair.name}</span>
        </h3>
        <span class="tile-state">{TILE_STATE_TEXT.empty}</span>
      </header>
      <p class="empty-chair">No active session</p>
    </article>
  );
}

export function ChairTile({
  chair,
  s,
  readings,
  alerts,
  state,
  now,
}: {
  chair: Chair;
  s: Session;
  readings: Reading[];
  alerts: Alert[];
  state: TileState;
  now: number;
}) {
  const worst = worstAlert(alerts);
  const r = s.latest_reading;
  const due = fmtDue(s.next_reading_due_at, now);
  const current = useMemo(() => currentReadings(readings), [readings]);
  const clock = infusionClock(s, now);
  const escalated = alerts.some((a) => a.escalated && a.state !== "resolved");
  return (
    <article
      class={`tile state-${state}${escalated ? " escalated" : ""}`}
      data-testid={`chair-${chair.name}`}
      data-session={s.id}
      data-state={state}
      aria-labelledby={`tile-h-${s.id}`}
    >
      <header class="tile-head">
        <h3 id={`tile-h-${s.id}`}>
          <a href={`#/sessions/${s.id}`}>
            <span class="loc">{chair.name}</span> <span class="pt">{s.patient?.full_name}</span>
          </a>
        </h3>
        <span class="tile-state" data-testid="tile-state">
          {state === "high" || state === "medium" ? <PriorityBadge a={{ priority: state }} /> : null}
          {state === "overdue" && <span aria-hidden="true">⏱ </span>}
          {state === "high" || state === "medium" ? " ALERT" : TILE_STATE_TEXT[state]}
          {escalated && <span class="escalated-badge"> ▲ ESCALATED</span>}
        </span>
      </header>
      <div class="tile-phase" data-testid="phase">
        <span class={`phase-badge phase-${s.phase}`}>{phaseLabel(s.phase, s.phase_labels)}</span>
        <span class="clock" data-testid="infusion-clock">
          <strong>{clock.elapsed}</strong> {clock.detail}
        </span>
      </div>
      <InfusionCell s={s} now={now} />
      <div class="vitals">
        {TILE_CELLS.map((c) => {
          const flag = cellFlag(c.key, alerts);
          const last = lastValue(s, c.key);
          const sp = spark(c.key, current);
          return (
            <div
              class={`vital${flag ? ` abn abn-${flag.priority}` : ""}`}
              key={c.key}
              data-testid={`cell-${c.key}`}
              data-abnormal={flag ? flag.priority : undefined}
            >
              <div class="vital-label">
                {c.label} <span class="unit">{c.unit}</span>
              </div>
              <div class="vital-value" data-testid={`value-${c.key}`}>
                {fmtNum(last?.value)}
              </div>
              {last?.at && (
                <div class="vital-at" data-testid={`at-${c.key}`}>
                  at {fmtClock(last.at)}
                </div>
              )}
              {flag ? (
                <div class="vital-flag" data-testid={`flag-${c.key}`}>
                  <span aria-hidden="true">{flag.symbol}</span> {flag.text}
                </div>
              ) : (
                <div class="vital-flag none" aria-hidden="true">
                  {" "}
                </div>
              )}
              <Sparkline xs={sp.xs} series={sp.series} label={`${c.label} trend, ${current.length} readings`} />
            </div>
          );
        })}
      </div>
      <div class="tile-foot">
        <span data-testid="reading-age">{r ? `Reading ${timeSince(r.taken_at, now)}` : "No reading yet"}</span>
        <span class={due.overdue ? "overdue" : ""} data-testid="next-due">
          {due.overdue && <span aria-hidden="true">⚠ </span>}
          {due.none ? "No reading due" : `Next ${due.text}`}
        </span>
        <span class={`news2 band-${s.news2?.band ?? "none"}`} data-testid="news2" title={news2Title(s.news2)}>
          {news2Label(s.news2)}
        </span>
      </div>
      {worst ? (
        <div class={`tile-alert prio-${worst.priority}`} data-testid="tile-alert">
          <PriorityBadge a={worst} />
          {worst.state === "acknowledged" && <span class="ack-badge">✓ ack</span>}
          <span class="alert-msg">{worst.message}</span>
          {worst.cleared_at && worst.state === "active" && <span class="cleared-badge">condition cleared — awaiting acknowledgement</span>}
          {alerts.length > 1 && <span class="more"> +{alerts.length - 1} more</span>}
        </div>
      ) : (
        <div class="tile-alert none">✓ No open alerts</div>
      )}
    </article>
  );
}
