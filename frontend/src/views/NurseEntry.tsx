// Nurse entry (tablet first): pick a chair, enter readings through the outbox, act on the session.

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type Alert, api, type Reading, type ReadingIn, type SessionDetail } from "../api";
import {
  fmtClock,
  fmtDue,
  fmtDuration,
  fmtVital,
  isActivePhase,
  news2Label,
  parseTime,
  phaseLabel,
  sortAlerts,
  timeSince,
  type VitalKey,
  vitalLabel,
  worstAlert,
} from "../format";
import { concernsSession } from "../live";
import type { OutboxItem } from "../outbox";
import { useLiveData, useLiveStatus, useNow, useOutboxState, useServices } from "../services";
import { AlertRow, ErrorBox, errText, LiveIndicator, OutboxStatus, PriorityBadge } from "../widgets";
import { MonitorReview } from "./MonitorReview";
import { SessionForm } from "./NewSession";
import { type Draft, type Notice, ReadingForm, type SaveResult } from "./ReadingForm";
import { ReadingHistory } from "./ReadingHistory";
import { AddendumPanel, ChecklistPanel, NotesPanel, PhaseActions } from "./SessionActions";
import { usePatientRules } from "./usePatientRules";

function OutboxBar({ onFix }: { onFix?: (item: OutboxItem) => void }) {
  const { outbox } = useServices();
  const state = useOutboxState();
  return <OutboxStatus state={state} onDiscard={(id, reason) => outbox.discard(id, reason)} onFix={onFix} />;
}

/** "3:05" from milliseconds. */
export function fmtCountdown(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

/** The next reading's countdown, by the second: after an alert it is due sooner, and says so. */
function DueCountdown({ due, sooner }: { due: string | null; sooner: boolean }) {
  const now = useNow(1_000);
  const at = parseTime(due);
  if (at === null) return <span data-testid="due-countdown">No reading due</span>;
  const left = at - now;
  const why = sooner ? " (sooner after the alert)" : "";
  return (
    <span class={left < 0 ? "overdue" : ""} data-testid="due-countdown">
      {left < 0 ? `⚠ Reading overdue by ${fmtCountdown(-left)}${why}` : `Next reading due in ${fmtCountdown(left)}${why}`}
    </span>
  );
}

export function NursePicker() {
  const data = useLiveData();
  const status = useLiveStatus();
  const now = useNow(15_000);
  const [showNew, setShowNew] = useState(false);
  const sessions = useMemo(
    () => Object.values(data.sessions).sort((a, b) => a.location.localeCompare(b.location, undefined, { numeric: true })),
    [data.sessions],
  );
  return (
    <div class="nurse">
      <div class="toolbar">
        <h1>Choose a chair</h1>
        <LiveIndicator status={status} />
      </div>
      <OutboxBar />
      {sessions.length === 0 && <p class="empty">{status.state === "live" ? "No active sessions." : "Waiting for live data…"}</p>}
      <ul class="chair-list">
        {sessions.map((s) => {
          const due = fmtDue(s.next_reading_due_at, now);
          const w = worstAlert(Object.values(data.alerts).filter((a) => a.session_id === s.id));
          return (
            <li key={s.id}>
              <a class="chair" href={`#/nurse/${s.id}`} data-testid={`chair-${s.id}`}>
                <span class="loc">{s.location}</span>
                <span class="pt">{s.patient.full_name}</span>
                <span class={`phase-badge phase-${s.phase}`}>{phaseLabel(s.phase, s.phase_labels)}</span>
                <span class={due.overdue ? "overdue" : ""}>
                  {due.overdue && "⚠ "}
                  {due.none ? "No reading due" : `Next ${due.text}`}
                </span>
                {w && <PriorityBadge a={w} />}
              </a>
            </li>
          );
        })}
      </ul>
      <button type="button" class="big" aria-expanded={showNew} onClick={() => setShowNew((x) => !x)}>
        {showNew ? "Close new session" : "＋ New session"}
      </button>
      {showNew && (
        <section aria-label="New session">
          <SessionForm onCreated={(id) => (location.hash = `#/nurse/${id}`)} />
        </section>
      )}
    </div>
  );
}

const COMPARE: VitalKey[] = ["hr", "bp", "spo2", "rr", "temp", "rass", "cadss"];

export function NurseSession({ id }: { id: string }) {
  const { outbox, live, user, store, config } = useServices();
  const data = useLiveData();
  const now = useNow(10_000);
  const [session, setSession] = useState<SessionDetail | null>(null);
  const [readings, setReadings] = useState<Reading[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const { rules, error: rulesError } = usePatientRules(session?.patient.id);
  const outboxState = useOutboxState();
  // Readings this screen saw queued: when the outbox delivers one, the nurse is told it is stored.
  const queuedHere = useRef(new Set<string>());
  const [recheck, setRecheck] = useState<Alert[] | null>(null);
  const debounce = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = () =>
    Promise.all([api.session(id), api.readings(id)]).then(
      ([s, rs]) => {
        setSession(s);
        setReadings(rs);
        setError(null);
      },
      (e) => setError(errText(e)),
    );

  useEffect(() => {
    setSession(null);
    setReadings(null);
    setRecheck(null);
    setDraft(null);
    setNotice(null);
    void load();
    const unsub = live.subscribe((m) => {
      if (m.type === "event" && !concernsSession(m, id)) return;
      if (debounce.current) clearTimeout(debounce.current);
      debounce.current = setTimeout(() => void load(), 300);
    });
    const unsynced = outbox.onSynced((item, answer) => {
      if (item.sessionId !== id) return;
      const high = (answer?.alerts ?? []).filter((a) => a.priority === "high" && a.state !== "resolved");
      if (high.length) setRecheck(high);
      if (queuedHere.current.delete(item.id))
        setNotice({
          kind: "stored",
          text: `Saved ✓ at ${fmtClock(Date.now())}: the queued reading of ${fmtClock(item.body.taken_at)} is stored`,
        });
      void load();
    });
    return () => {
      unsub();
      unsynced();
      if (debounce.current) clearTimeout(debounce.current);
    };
  }, [id]);

  // A reading queued here and refused once it got through: the form must not go on saying "queued".
  useEffect(() => {
    for (const f of outboxState.failed) {
      if (!queuedHere.current.delete(f.id)) continue;
      setNotice({
        kind: "failed",
        text: `✘ Not saved: the queued reading of ${fmtClock(f.body.taken_at)} was refused — ${(f.error ?? "").replace(/\.$/, "")}. Fix it or discard it above.`,
      });
    }
  }, [outboxState.failed]);

  const alerts = useMemo(() => sortAlerts(Object.values(data.alerts).filter((a) => a.session_id === id)), [data.alerts, id]);

  const save = async (body: ReadingIn, replaces: string | null): Promise<SaveResult> => {
    const rid = crypto.randomUUID();
    const settled = outbox.settled(rid);
    await outbox.add(id, body, rid, replaces ?? undefined);
    setRecheck(null);
    setNotice(null);
    const o = await settled;
    if (o.kind === "queued") queuedHere.current.add(rid);
    if (o.kind === "failed") return { kind: "failed", message: o.item.error ?? "refused", fields: o.item.fields ?? null };
    // "Saved" and "Last reading" agree: the screen shows the stored reading before the form says so.
    if (o.kind === "stored") await load();
    return o.kind === "stored" ? { kind: "stored" } : { kind: "queued", reason: o.reason };
  };
  const fix = (item: OutboxItem) => {
    if (item.sessionId !== id) {
      location.hash = `#/nurse/${item.sessionId}`;
      return;
    }
    setDraft({ id: item.id, body: item.body, message: item.error ?? "refused", fields: item.fields ?? null });
    document.getElementById("hr")?.scrollIntoView({ block: "center" });
  };

  if (!session)
    return (
      <div class="nurse">
        <p>
          <a href="#/nurse">← Chairs</a>
        </p>
        <OutboxBar />
        {error ? <ErrorBox error={error} /> : <p>Loading session…</p>}
      </div>
    );

  // Only what the server stored: a reading still in the outbox is not yet on the record.
  const last = session.latest_reading;
  const phaseStart = parseTime(session.phase_started_at);
  const active = isActivePhase(session.phase);
  // An ended session's record takes late entries for a while (the server's window, not a copy).
  const ended = phaseLabel(session.phase, session.phase_labels).toLowerCase();
  const lateOpen = !active && phaseStart !== null && now < phaseStart + config.late_entry_seconds * 1000;
  const isPhysician = user.role === "physician";

  return (
    <div class="nurse">
      <div class="toolbar">
        <a href="#/nurse">← Chairs</a>
        <h1>
          {session.location} · {session.patient.full_name}
        </h1>
        <span class={`phase-badge phase-${session.phase}`}>{phaseLabel(session.phase, session.phase_labels)}</span>
        {phaseStart !== null && <span>for {fmtDuration(now - phaseStart)}</span>}
        <a href={`#/sessions/${session.id}`}>Chart &amp; timeline</a>
      </div>
      <OutboxBar onFix={fix} />
      <ErrorBox error={error ?? rulesError} />

      {recheck && (
        <div class="recheck" role="alert" data-testid="recheck-prompt">
          <strong>⚠ High alert — recheck now.</strong>
          <ul>
            {recheck.map((a) => (
              <li key={a.id}>
                <PriorityBadge a={a} /> {a.message}
              </li>
            ))}
          </ul>
          <p>The alert has been raised. Re-measure now and enter the new reading.</p>
          <div class="button-row">
            <button
              type="button"
              class="big primary"
              onClick={() => {
                setRecheck(null);
                const hr = document.getElementById("hr") as HTMLInputElement | null;
                hr?.scrollIntoView({ block: "center" });
                hr?.focus();
              }}
            >
              Recheck now
            </button>
            <button type="button" class="big" onClick={() => setRecheck(null)}>
              Dismiss
            </button>
          </div>
        </div>
      )}

      <div class="nurse-cols">
        <div>
          <section class="last-reading" aria-labelledby="last-h">
            <h2 id="last-h">
              Last reading{" "}
              {last ? (
                <span class="muted">
                  {fmtClock(last.taken_at)} ({timeSince(last.taken_at, now)})
                </span>
              ) : null}
            </h2>
            {last ? (
              <dl class="compare">
                {COMPARE.map((k) => (
                  <div key={k}>
                    <dt>{vitalLabel(k).label}</dt>
                    <dd data-testid={`last-${k}`}>{fmtVital(last, k)}</dd>
                  </div>
                ))}
              </dl>
            ) : (
              <p class="muted">No reading yet — the first pre-infusion reading is the baseline.</p>
            )}
            <p>
              <DueCountdown due={session.next_reading_due_at} sooner={alerts.some((a) => a.kind !== "overdue" && a.priority !== "low")} /> ·{" "}
              {news2Label(session.news2)}
              {session.baseline && (
                <>
                  {" "}
                  · baseline BP {session.baseline.systolic}/{session.baseline.diastolic}
                </>
              )}
            </p>
          </section>
          {readings && <MonitorReview sessionId={session.id} readings={readings} onChanged={() => void load()} />}
          <ReadingForm
            onSave={save}
            rules={rules}
            draft={draft}
            notice={notice}
            late={lateOpen ? `Session ${ended} at ${fmtClock(session.phase_started_at)}.` : null}
            disabled={
              active || lateOpen
                ? null
                : `Session ${ended} more than ${fmtDuration(config.late_entry_seconds * 1000)} ago: its record is closed.`
            }
          />
          <ReadingHistory session={session} readings={readings} rules={rules} onChanged={() => void load()} />
        </div>
        <div>
          <section aria-labelledby="nalerts-h">
            <h2 id="nalerts-h">Open alerts ({alerts.length})</h2>
            {alerts.length === 0 ? (
              <p class="empty">✓ None</p>
            ) : (
              <ol class="alert-list">
                {alerts.map((a) => (
                  <AlertRow key={a.id} alert={a} session={session} now={now} canAck onAcked={(x) => store.putAlert(x)} />
                ))}
              </ol>
            )}
          </section>
          <PhaseActions session={session} isPhysician={isPhysician} onChanged={(s) => setSession(s)} />
          {session.phase === "pre_infusion" && <ChecklistPanel session={session} onChanged={() => void load()} />}
          {active && <NotesPanel sessionId={session.id} onAdded={() => void load()} />}
          {lateOpen && <AddendumPanel sessionId={session.id} onAdded={() => void load()} />}
        </div>
      </div>
    </div>
  );
}
