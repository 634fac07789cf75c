// One session: chart of all vitals with phase bands, baseline/limit lines and alert markers,
// the timeline, discharge criteria, and a replay slider scrubbing chart and tiles through time.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, exportLinks, type Reading, type SessionDetail as SessionT, type TimelineEvent } from "../api";
import { limitsFromRules, SessionChart } from "../charts";
import {
  fmtClock,
  fmtDateTime,
  fmtDue,
  fmtVital,
  isActivePhase,
  news2Label,
  news2Title,
  parseTime,
  phaseLabel,
  sortAlerts,
  vitalLabel,
} from "../format";
import { concernsSession } from "../live";
import { canEnter, canExport, useLiveStatus, useNow, useServices } from "../services";
import { currentReadings, mergeReadings } from "../store";
import { alertHistory, alertsOpenAt, describeEvent, dischargeRows, eventTime, phaseAt, phaseBands, readingAt } from "../timeline";
import { AlertRow, ErrorBox, errText, LiveIndicator } from "../widgets";
import { AlarmHistory } from "./AlarmHistory";
import { MonitorReview } from "./MonitorReview";
import { PatientLimits } from "./PatientLimits";
import { ReadingHistory } from "./ReadingHistory";
import { usePatientRules } from "./usePatientRules";

const VITALS = (["hr", "bp", "spo2", "rr", "temp", "rass", "cadss"] as const).map(vitalLabel);

export function SessionDetail({ id }: { id: string }) {
  const { live, user, store } = useServices();
  const status = useLiveStatus();
  const now = useNow(10_000);
  const [session, setSession] = useState<SessionT | null>(null);
  const [readings, setReadings] = useState<Reading[]>([]);
  const [events, setEvents] = useState<TimelineEvent[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [until, setUntil] = useState<number | null>(null);
  const refetch = useRef<ReturnType<typeof setTimeout> | null>(null);
  const { rules, error: rulesError } = usePatientRules(session?.patient.id);
  const limits = useMemo(() => limitsFromRules(rules), [rules]);

  const load = async (withReadings: boolean) => {
    try {
      const [s, tl, rs] = await Promise.all([api.session(id), api.timeline(id), withReadings ? api.readings(id) : Promise.resolve(null)]);
      setSession(s);
      setEvents(tl);
      if (rs) setReadings((old) => mergeReadings(old, rs));
      setError(null);
    } catch (e) {
      setError(errText(e));
    }
  };

  useEffect(() => {
    setSession(null);
    setReadings([]);
    setEvents([]);
    setUntil(null);
    void load(true);
    const unsub = live.subscribe((m) => {
      if (m.type === "snapshot") {
        void load(true); // after a reconnect: catch up
        return;
      }
      if (!concernsSession(m, id)) return;
      const changed = [...(m.data.reading ? [m.data.reading] : []), ...(m.data.readings ?? [])];
      if (changed.length) setReadings((old) => mergeReadings(old, changed));
      if (refetch.current) clearTimeout(refetch.current);
      refetch.current = setTimeout(() => void load(false), 300);
    });
    return () => {
      unsub();
      if (refetch.current) clearTimeout(refetch.current);
    };
  }, [id]);

  const current = useMemo(() => currentReadings(readings), [readings]);
  const start = useMemo(() => {
    const ts = [parseTime(session?.created_at), ...current.map((r) => parseTime(r.taken_at)), ...events.map(eventTime)].filter(
      (x): x is number => x !== null,
    );
    return ts.length ? Math.min(...ts) : now - 3600_000;
  }, [session, current, events]);
  const active = session ? isActivePhase(session.phase) : true;
  const end = useMemo(() => {
    if (active) return Math.max(now, start + 60_000);
    const ts = [...current.map((r) => parseTime(r.taken_at)), ...events.map(eventTime)].filter((x): x is number => x !== null);
    return Math.max(start + 60_000, ...ts);
  }, [active, now, start, current, events]);
  const bands = useMemo(() => (session ? phaseBands(session, end) : []), [session, end]);
  const allAlerts = useMemo(() => alertHistory(events, session?.open_alerts ?? []), [events, session]);
  const t = until ?? end;
  const replaying = until !== null;
  const shownReading = replaying ? readingAt(current, t) : (session?.latest_reading ?? current[current.length - 1] ?? null);
  const shownAlerts = replaying ? sortAlerts(alertsOpenAt(allAlerts, t)) : sortAlerts(allAlerts.filter((a) => a.state !== "resolved"));
  const shownPhase = replaying ? phaseAt(bands, t) : session?.phase;
  const rows = useMemo(() => events.map((e) => describeEvent(e, session?.phase_history ?? [])), [events, session]);
  const criteria = dischargeRows(session?.discharge ?? null);

  if (!session)
    return (
      <div class="session-detail">
        <p>
          <a href="#/dashboard">← Dashboard</a>
        </p>
        {error ? <ErrorBox error={error} /> : <p>Loading session…</p>}
      </div>
    );

  const due = fmtDue(session.next_reading_due_at, now);
  const links = exportLinks.session(session.id);
  return (
    <div class="session-detail">
      <div class="toolbar">
        <a href="#/dashboard">← Dashboard</a>
        <h1>
          {session.location} · {session.patient.full_name}{" "}
          <span class="muted">
            MRN {session.patient.mrn} · born {session.patient.date_of_birth}
          </span>
        </h1>
        <LiveIndicator status={status} />
        {session.course_id && (
          <a class="button" href={`#/courses/${session.course_id}`}>
            Treatment course
          </a>
        )}
        {canEnter(user) && isActivePhase(session.phase) && (
          <a class="button" href={`#/nurse/${session.id}`}>
            Enter readings
          </a>
        )}
        {canEnter(user) && isActivePhase(session.phase) && (
          <a class="button" href={`#/record/${session.id}`}>
            Pump, side effects, scales
          </a>
        )}
      </div>
      <ErrorBox error={error ?? rulesError} />
      <p class="session-facts">
        {session.drug}{" "}
        {session.dose_mg_per_kg !== null
          ? `${session.dose_mg_per_kg} mg/kg × ${session.weight_kg} kg = ${session.total_dose_mg} mg`
          : `${session.total_dose_mg} mg in ${session.devices ?? "?"} devices`}{" "}
        · planned {session.planned_minutes} min · phase <strong>{phaseLabel(session.phase, session.phase_labels)}</strong> since{" "}
        {fmtClock(session.phase_started_at)}
        {active && !due.none && <> · next reading {due.text}</>}
      </p>

      <section class="replay" aria-labelledby="replay-h">
        <h2 id="replay-h" class="sr-only">
          Replay
        </h2>
        <label for="replay">{replaying ? `Replay at ${fmtDateTime(t)}` : "Showing now — drag to replay"}</label>
        <input
          id="replay"
          type="range"
          min={start}
          max={end}
          step={15_000}
          value={t}
          aria-valuetext={fmtDateTime(t)}
          onInput={(e) => {
            const v = Number((e.currentTarget as HTMLInputElement).value);
            setUntil(v >= end - 15_000 ? null : v);
          }}
        />
        {replaying && (
          <button type="button" onClick={() => setUntil(null)}>
            Back to now
          </button>
        )}
      </section>

      <section class={`detail-tiles${replaying ? " replaying" : ""}`} aria-label={replaying ? `State at ${fmtClock(t)}` : "Current state"}>
        <div class="vital">
          <div class="vital-label">Phase</div>
          <div class="vital-value small">{shownPhase ? phaseLabel(shownPhase, session.phase_labels) : "—"}</div>
        </div>
        {VITALS.map((v) => (
          <div class="vital" key={v.key}>
            <div class="vital-label">
              {v.label} <span class="unit">{v.unit}</span>
            </div>
            <div class="vital-value" data-testid={`detail-vital-${v.key}`}>
              {fmtVital(shownReading, v.key)}
            </div>
          </div>
        ))}
        <div class="vital">
          <div class="vital-label">Reading</div>
          <div class="vital-value small">{shownReading ? fmtClock(shownReading.taken_at) : "—"}</div>
        </div>
        {!replaying && (
          <div class="vital" title={news2Title(session.news2)}>
            <div class="vital-label">NEWS2</div>
            <div class="vital-value small" data-testid="news2">
              {news2Label(session.news2).replace("NEWS2 ", "")}
            </div>
          </div>
        )}
      </section>

      <SessionChart
        readings={current}
        bands={bands}
        baseline={session.baseline}
        alerts={allAlerts}
        range={[start, end]}
        until={until}
        limits={limits}
      />
      <p class="legend-note">
        Shaded bands: phases (named at the top). Dashed grey: baseline. Dotted red: high alert limits. Marks at the top: alerts (!!! high,
        !! medium, ! low). Hatched amber strip at the bottom: monitor readings no nurse has validated yet.
      </p>
      {canEnter(user) && (
        <>
          <MonitorReview sessionId={session.id} readings={readings} onChanged={() => void load(true)} />
          <ReadingHistory session={session} readings={readings} rules={rules} onChanged={() => void load(true)} />
        </>
      )}

      <div class="detail-cols">
        <section aria-labelledby="alerts-h">
          <h2 id="alerts-h">{replaying ? `Alerts open at ${fmtClock(t)}` : "Open alerts"}</h2>
          {shownAlerts.length === 0 ? (
            <p class="empty">✓ None</p>
          ) : (
            <ol class="alert-list">
              {shownAlerts.map((a) => (
                <AlertRow
                  key={a.id}
                  alert={a}
                  session={session}
                  now={now}
                  canAck={!replaying && canEnter(user)}
                  onAcked={(x) => {
                    store.putAlert(x);
                    void load(false);
                  }}
                />
              ))}
            </ol>
          )}

          <h2>Discharge criteria</h2>
          {criteria.length === 0 ? (
            <p class="muted">Not evaluated yet.</p>
          ) : (
            <ul class="criteria" data-testid="discharge-criteria">
              {criteria.map((c) => (
                <li key={c.key} class={c.met ? "met" : "unmet"}>
                  <span aria-hidden="true">{c.met ? "✔" : "✘"}</span> {c.label}: <strong>{c.met ? "met" : "not met"}</strong>
                  {c.detail && <span class="muted"> — {c.detail}</span>}
                </li>
              ))}
            </ul>
          )}
          {session.discharge && (
            <p>
              <strong>{session.discharge.met ? "✔ Discharge criteria met" : "✘ Discharge criteria not met"}</strong>
            </p>
          )}

          <h2>Checklist</h2>
          <ul class="criteria">
            {Object.entries(session.checklist).map(([k, v]) => (
              <li key={k} class={v ? "met" : "unmet"}>
                <span aria-hidden="true">{v ? "✔" : "✘"}</span> {k.replace(/_/g, " ")}: {v ? "yes" : "no"}
              </li>
            ))}
          </ul>

          {canExport(user) && (
            <>
              <h2>Export</h2>
              <p class="exports">
                <a href={links.pdf}>PDF report</a> · <a href={links.csv}>CSV</a> · <a href={links.json}>JSON</a> ·{" "}
                <a href={links.fhir}>FHIR R4</a>
              </p>
            </>
          )}
        </section>

        <section aria-labelledby="tl-h">
          <h2 id="tl-h">Timeline</h2>
          {rows.length === 0 ? (
            <p class="muted">No events yet.</p>
          ) : (
            <ol class="timeline" data-testid="timeline">
              {rows.map((r) => (
                <li key={r.key} class={`${r.cls}${replaying && r.at !== null && r.at > t ? " future" : ""}`}>
                  <time>{fmtClock(r.at)}</time>
                  <span class="ev-icon" aria-hidden="true">
                    {r.icon}
                  </span>
                  <span>{r.text}</span>
                </li>
              ))}
            </ol>
          )}
        </section>
      </div>
      <div class="detail-cols">
        <AlarmHistory sessionId={session.id} version={events.length} />
        <PatientLimits patientId={session.patient.id} />
      </div>
    </div>
  );
}
