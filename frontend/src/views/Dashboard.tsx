// Physician dashboard: a tile per active chair and the open alerts, live.

import { useEffect, useMemo, useState } from "preact/hooks";
import type { Alert, Reading, Session } from "../api";
import { Sparkline } from "../charts";
import {
  fmtDue,
  fmtDuration,
  fmtVital,
  news2Label,
  news2Title,
  parseTime,
  phaseLabel,
  sortAlerts,
  timeSince,
  type VitalKey,
  vitalLabel,
  worstAlert,
} from "../format";
import { canEnter, useLiveData, useLiveStatus, useNow, useServices } from "../services";
import { AlarmSound, MAX_MUTE_MS } from "../sound";
import { currentReadings } from "../store";
import { AlertRow, LiveIndicator, PriorityBadge } from "../widgets";
import { InfusionCell } from "./InfusionCell";

const TILE_VITALS = (["hr", "bp", "spo2", "rr"] as const).map(vitalLabel);

const SPARK_POINTS = 24;

function sparkFor(key: VitalKey, readings: Reading[]) {
  const rs = readings.slice(-SPARK_POINTS);
  const xs = rs.map((r) => (parseTime(r.taken_at) ?? 0) / 1000);
  if (key === "bp")
    return {
      xs,
      series: [
        { values: rs.map((r) => r.systolic), stroke: "#6a1b9a" },
        { values: rs.map((r) => r.diastolic), stroke: "#6a1b9a", dash: [4, 3] },
      ],
    };
  const field = ({ hr: "heart_rate", spo2: "spo2", rr: "respiratory_rate" } as const)[key as "hr" | "spo2" | "rr"];
  return { xs, series: [{ values: rs.map((r) => r[field]), stroke: "#0b5394" }] };
}

function Tile({ s, readings, alerts, now }: { s: Session; readings: Reading[]; alerts: Alert[]; now: number }) {
  const worst = worstAlert(alerts);
  const r = s.latest_reading;
  const due = fmtDue(s.next_reading_due_at, now);
  const current = useMemo(() => currentReadings(readings), [readings]);
  const sparks = useMemo(() => Object.fromEntries(TILE_VITALS.map((v) => [v.key, sparkFor(v.key, current)])), [current]);
  const phaseStart = parseTime(s.phase_started_at);
  return (
    <article
      class={`tile${worst ? ` worst-${worst.priority}` : ""}${worst?.escalated && worst.state === "active" ? " escalated" : ""}`}
      data-testid={`tile-${s.id}`}
      aria-labelledby={`tile-h-${s.id}`}
    >
      <header class="tile-head">
        <h3 id={`tile-h-${s.id}`}>
          <a href={`#/sessions/${s.id}`}>
            <span class="loc">{s.location}</span> <span class="pt">{s.patient.full_name}</span>
          </a>
        </h3>
        <div class="phase" data-testid="phase">
          <span class={`phase-badge phase-${s.phase}`}>{phaseLabel(s.phase)}</span>
          {phaseStart !== null && <span> for {fmtDuration(now - phaseStart)}</span>}
        </div>
      </header>
      <div class="vitals">
        {TILE_VITALS.map((v) => (
          <div class="vital" key={v.key}>
            <div class="vital-label">
              {v.label} <span class="unit">{v.unit}</span>
            </div>
            <div class="vital-value" data-testid={`vital-${v.key}`}>
              {fmtVital(r, v.key)}
            </div>
            <Sparkline xs={sparks[v.key].xs} series={sparks[v.key].series} label={`${v.label} trend, ${current.length} readings`} />
          </div>
        ))}
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
      <InfusionCell s={s} now={now} />
      {worst ? (
        <div class={`tile-alert prio-${worst.priority}`} data-testid="tile-alert">
          <PriorityBadge a={worst} />
          {worst.escalated && worst.state === "active" && <span class="escalated-badge">▲ ESCALATED</span>}
          {worst.state === "acknowledged" && <span class="ack-badge">✓ ack</span>}
          <span class="alert-msg">{worst.message}</span>
          {alerts.length > 1 && <span class="more"> +{alerts.length - 1} more</span>}
        </div>
      ) : (
        <div class="tile-alert none">✓ No open alerts</div>
      )}
    </article>
  );
}

function SoundControl({ alerts }: { alerts: Alert[] }) {
  const { sound } = useServices();
  const [, force] = useState(0);
  const now = useNow(1000);
  useEffect(() => sound.subscribe(() => force((n) => n + 1)), [sound]);
  useEffect(() => sound.setAlerts(alerts), [alerts, sound]);
  const { on, escalated } = AlarmSound.sounding(alerts);
  if (sound.needsUnlock)
    return (
      <button type="button" class="sound-btn warn" onClick={() => sound.unlock()}>
        Enable alarm sound
      </button>
    );
  if (sound.muted && sound.mutedUntil)
    return (
      <span class="sound-state">
        ✕ Silenced for {fmtDuration(sound.mutedUntil - now)}{" "}
        <button type="button" onClick={() => sound.unmute()}>
          Sound on
        </button>
      </span>
    );
  return (
    <span class="sound-state">
      {on ? (escalated ? "♪ Alarm sounding (escalated)" : "♪ Alarm sounding") : "Sound on"}{" "}
      <button type="button" onClick={() => sound.mute()} disabled={!on}>
        Silence {MAX_MUTE_MS / 60_000} min
      </button>
    </span>
  );
}

export function Dashboard() {
  const { user, store } = useServices();
  const data = useLiveData();
  const status = useLiveStatus();
  const now = useNow(10_000);
  const sessions = useMemo(
    () => Object.values(data.sessions).sort((a, b) => a.location.localeCompare(b.location, undefined, { numeric: true })),
    [data.sessions],
  );
  const alerts = useMemo(() => sortAlerts(Object.values(data.alerts)), [data.alerts]);
  const bySession = useMemo(() => {
    const m: Record<string, Alert[]> = {};
    for (const a of alerts) {
      const list = m[a.session_id] ?? [];
      list.push(a);
      m[a.session_id] = list;
    }
    return m;
  }, [alerts]);

  return (
    <div class="dashboard">
      <div class="toolbar">
        <h1>Chairs</h1>
        <LiveIndicator status={status} />
        <SoundControl alerts={alerts} />
        <span class="counts">
          {sessions.length} active · {alerts.filter((a) => a.state === "active").length} unacknowledged alerts
        </span>
      </div>
      <div class="dash-grid">
        <section class="tiles" aria-label="Active chairs">
          {sessions.length === 0 && <p class="empty">{status.state === "live" ? "No active sessions." : "Waiting for live data…"}</p>}
          {sessions.map((s) => (
            <Tile key={s.id} s={s} readings={data.readings[s.id] ?? []} alerts={bySession[s.id] ?? []} now={now} />
          ))}
        </section>
        <section class="alerts-panel" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Open alerts ({alerts.length})</h2>
          {alerts.length === 0 ? (
            <p class="empty">✓ No open alerts</p>
          ) : (
            <ol class="alert-list">
              {alerts.map((a) => (
                <AlertRow
                  key={a.id}
                  alert={a}
                  session={data.sessions[a.session_id]}
                  now={now}
                  canAck={canEnter(user)}
                  onAcked={(x) => store.putAlert(x)}
                />
              ))}
            </ol>
          )}
        </section>
      </div>
    </div>
  );
}
