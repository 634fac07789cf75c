// Central station: every chair of the site in its fixed place (empty ones too), the open alerts,
// and alarms that cannot be silently off (a start gesture, a banner, pause instead of off).

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type Alert, api, type RuleOff, type Site } from "../api";
import { fmtClock, fmtDuration, sortAlerts } from "../format";
import { canEnter, useLiveData, useLiveStatus, useNow, useServices } from "../services";
import { type AlarmSound, alarmLevel, PAUSE_MS } from "../sound";
import { orderPlaces, tileState } from "../tiles";
import { AlertRow, ErrorBox, errText, LiveIndicator } from "../widgets";
import { ChairTile, EmptyChair } from "./ChairTile";

function useSound(alerts: Alert[]): AlarmSound {
  const { sound } = useServices();
  const [, force] = useState(0);
  useEffect(() => sound.subscribe(() => force((n) => n + 1)), [sound]);
  useEffect(() => sound.setAlerts(alerts), [alerts, sound]);
  return sound;
}

/** After sign-in or a reload: one gesture starts monitoring and unlocks the alarm sound. */
function MonitoringGate({ sound }: { sound: AlarmSound }) {
  const button = useRef<HTMLButtonElement>(null);
  // The gate takes the focus, so Enter or Space starts monitoring too.
  useEffect(() => button.current?.focus(), [sound.started]);
  if (sound.started) return null;
  return (
    <div class="monitor-gate" role="dialog" aria-modal="true" aria-labelledby="gate-h" aria-describedby="gate-d" data-testid="monitor-gate">
      <div class="gate-box">
        <h2 id="gate-h">Monitoring is not started</h2>
        <p id="gate-d">Alarms are silent until you start monitoring on this screen.</p>
        <button type="button" class="big primary" ref={button} onClick={() => sound.start()}>
          ▶ Start monitoring
        </button>
      </div>
    </div>
  );
}

function AudioBanner({ sound, now }: { sound: AlarmSound; now: number }) {
  if (!sound.audioOff) return null;
  const reason = !sound.started
    ? "monitoring not started"
    : sound.paused && sound.pausedUntil
      ? `paused, back in ${fmtDuration(sound.pausedUntil - now)}`
      : "this device is not playing sound (check the speaker, then press Start sound)";
  return (
    <div class="audio-banner" role="alert" data-testid="audio-off">
      <strong>🔇 ALARM AUDIO OFF</strong> — {reason}.{" "}
      {sound.started && (
        <button type="button" onClick={() => sound.resume()}>
          {sound.paused ? "Sound now" : "Start sound"}
        </button>
      )}
    </div>
  );
}

function SoundControl({ sound, alerts }: { sound: AlarmSound; alerts: Alert[] }) {
  const { level, escalated } = alarmLevel(alerts);
  if (!sound.started || sound.paused) return null;
  return (
    <span class="sound-state" data-testid="sound-state">
      {level ? `♪ ${level === "high" ? "High" : "Medium"} alarm sounding${escalated ? " (escalated)" : ""}` : "♪ Alarm sound on"}{" "}
      <button type="button" onClick={() => sound.pause()} data-testid="pause-audio">
        Pause audio {PAUSE_MS / 60_000} min
      </button>
    </span>
  );
}

/** Rules switched off, re-read on mount, on every change anywhere and on every reconnect. */
function useRulesOff(): RuleOff[] {
  const { live } = useServices();
  const [off, setOff] = useState<RuleOff[]>([]);
  useEffect(() => {
    let gone = false;
    const load = () =>
      api.rulesOff().then(
        (x) => {
          if (!gone) setOff(x);
        },
        () => undefined,
      );
    load();
    const unsub = live.subscribe((m) => {
      if (m.type === "snapshot" || (m.type === "event" && m.event === "alert_rules.changed")) load();
    });
    return () => {
      gone = true;
      unsub();
    };
  }, [live]);
  return off;
}

function RulesOffBanner({ off }: { off: RuleOff[] }) {
  if (!off.length) return null;
  return (
    <div class="rules-off" role="alert" data-testid="rules-off">
      {off.map((r) => (
        <p key={`${r.scope}-${r.patient_id ?? ""}-${r.code}`}>
          <strong>
            <span aria-hidden="true">⊘ </span>
            {r.scope === "patient" ? `${r.location} · ${r.patient_name}: ` : ""}
            {r.name} alarm OFF
          </strong>
          {r.since ? ` since ${fmtClock(r.since)}` : ""} (by {r.by ?? "unknown"}, reason: {r.reason ?? "none given"})
        </p>
      ))}
    </div>
  );
}

const ORDER_KEY = "vigil.dashboard.attentionFirst";
const SITE_KEY = "vigil.dashboard.site";

function useSites(): { sites: Site[]; error: string | null } {
  const [sites, setSites] = useState<Site[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    const load = () =>
      api.sites().then(
        (x) => {
          if (gone) return;
          setSites(x);
          setError(null);
        },
        (e) => {
          if (!gone) setError(errText(e));
        },
      );
    load();
    // Chairs change rarely (an admin adds or retires one); who sits where comes live.
    const t = setInterval(load, 5 * 60_000);
    return () => {
      gone = true;
      clearInterval(t);
    };
  }, []);
  return { sites, error };
}

export function Dashboard() {
  const { user, store } = useServices();
  const data = useLiveData();
  const status = useLiveStatus();
  const now = useNow(10_000);
  const { sites, error } = useSites();
  const [siteId, setSiteId] = useState<string | null>(localStorage.getItem(SITE_KEY));
  const [attentionFirst, setAttentionFirst] = useState(localStorage.getItem(ORDER_KEY) === "1");
  const site = sites.find((x) => x.id === siteId) ?? sites[0];
  const alerts = useMemo(() => sortAlerts(Object.values(data.alerts)), [data.alerts]);
  const sound = useSound(alerts);
  const off = useRulesOff();
  const places = useMemo(() => {
    if (!site) return [];
    const bySession: Record<string, Alert[]> = {};
    for (const a of alerts) bySession[a.session_id] = [...(bySession[a.session_id] ?? []), a];
    const sessions = Object.values(data.sessions).filter((x) => x.site_id === site.id);
    const byChair = new Map(sessions.map((x) => [x.chair_id, x]));
    const known = new Set(site.chairs.map((c) => c.id));
    // A session in a chair this screen does not know yet (added since it loaded) is never hidden.
    const extra = sessions
      .filter((x) => !known.has(x.chair_id))
      .map((x) => ({ id: x.chair_id, site_id: x.site_id, name: x.location, position: 1e9, retired_at: null, session_id: x.id }));
    return orderPlaces(
      [...site.chairs, ...extra].map((chair) => {
        const session = byChair.get(chair.id);
        const mine = session ? (bySession[session.id] ?? []) : [];
        return { chair, session, alerts: mine, state: tileState(session, mine, now) };
      }),
      attentionFirst,
    );
  }, [site, data.sessions, alerts, attentionFirst, now]);
  const siteAlerts = useMemo(
    () => alerts.filter((a) => site && data.sessions[a.session_id]?.site_id === site.id),
    [alerts, site, data.sessions],
  );

  return (
    <div class="dashboard">
      <MonitoringGate sound={sound} />
      <AudioBanner sound={sound} now={now} />
      <RulesOffBanner off={off} />
      <div class="toolbar">
        <h1>Chairs</h1>
        {site && (
          <span class="site-name" data-testid="site-name">
            {site.name}
          </span>
        )}
        {sites.length > 1 && (
          <label>
            Site{" "}
            <select
              value={site?.id}
              onChange={(e) => {
                const v = (e.currentTarget as HTMLSelectElement).value;
                localStorage.setItem(SITE_KEY, v);
                setSiteId(v);
              }}
            >
              {sites.map((x) => (
                <option key={x.id} value={x.id}>
                  {x.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <LiveIndicator status={status} />
        <SoundControl sound={sound} alerts={alerts} />
        <label class="order-toggle">
          <input
            type="checkbox"
            checked={attentionFirst}
            onChange={(e) => {
              const v = (e.currentTarget as HTMLInputElement).checked;
              localStorage.setItem(ORDER_KEY, v ? "1" : "0");
              setAttentionFirst(v);
            }}
          />{" "}
          Needs attention first
        </label>
        <span class="counts">
          {places.filter((p) => p.session).length} of {places.length} chairs in use ·{" "}
          {siteAlerts.filter((a) => a.state === "active").length} unacknowledged alerts
        </span>
      </div>
      <ErrorBox error={error} />
      <div class="dash-grid">
        <section class="tiles" aria-label="Chairs">
          {!site && <p class="empty">{status.state === "live" ? "No chairs are set up for your sites." : "Waiting for live data…"}</p>}
          {places.map((p) =>
            p.session ? (
              <ChairTile
                key={p.chair.id}
                chair={p.chair}
                s={p.session}
                readings={data.readings[p.session.id] ?? []}
                alerts={p.alerts}
                state={p.state}
                now={now}
              />
            ) : (
              <EmptyChair key={p.chair.id} chair={p.chair} />
            ),
          )}
        </section>
        <section class="alerts-panel" aria-labelledby="alerts-h">
          <h2 id="alerts-h">Open alerts ({siteAlerts.length})</h2>
          {siteAlerts.length === 0 ? (
            <p class="empty">✓ No open alerts</p>
          ) : (
            <ol class="alert-list">
              {siteAlerts.map((a) => (
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
