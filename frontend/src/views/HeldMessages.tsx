// Monitor messages no session was found for (docs/devices.md, "Which session"): a nurse assigns
// each to the session it belongs to, or discards it with a reason. Nothing is guessed for her.

import { useEffect, useState } from "preact/hooks";
import { api, type HeldMessage, type Session } from "../api";
import { fmtDateTime } from "../format";
import { ErrorBox, errText } from "../widgets";

function sessionLabel(s: Session): string {
  return `${s.location} · ${s.patient.full_name} (${s.patient.mrn})`;
}

function Held({ m, sessions, onDone }: { m: HeldMessage; sessions: Session[]; onDone: (said: string) => void }) {
  const [target, setTarget] = useState("");
  const [discarding, setDiscarding] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = (work: () => Promise<unknown>, said: string) => {
    setBusy(true);
    setError(null);
    work().then(
      () => onDone(said),
      (e) => {
        setError(errText(e));
        setBusy(false);
      },
    );
  };
  const chosen = sessions.find((s) => s.id === target);
  return (
    <li class="held" data-testid={`held-${m.control_id}`}>
      <div class="held-head">
        <strong>Monitor {m.device_id}</strong>
        <span class="muted">received {fmtDateTime(m.received_at)}</span>
        <span>{m.mrn ? `Patient id sent: ${m.mrn}` : "No patient id sent"}</span>
      </div>
      <ul class="held-values" aria-label="Readings in the message">
        {m.values.map((v) => (
          <li key={v}>{v}</li>
        ))}
      </ul>
      <p class="held-why">
        <span class="muted">Held because:</span> {m.reasons.join("; ") || "no session was found"}
      </p>
      <ErrorBox error={error} />
      <div class="held-actions">
        <label for={`to-${m.id}`}>Chart into</label>
        <select id={`to-${m.id}`} value={target} onChange={(e) => setTarget((e.currentTarget as HTMLSelectElement).value)}>
          <option value="">Choose the patient's session…</option>
          {sessions.map((s) => (
            <option key={s.id} value={s.id}>
              {sessionLabel(s)}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!chosen || busy}
          onClick={() => chosen && act(() => api.assignHeld(m.id, chosen.id), `Charted into ${sessionLabel(chosen)}`)}
        >
          Assign
        </button>
        <button type="button" disabled={busy} onClick={() => setDiscarding(!discarding)}>
          Discard…
        </button>
      </div>
      {discarding && (
        <div class="held-actions">
          <label for={`why-${m.id}`}>Reason</label>
          <input
            id={`why-${m.id}`}
            value={reason}
            maxLength={2000}
            onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
            placeholder="e.g. monitor tested at the bench, no patient"
          />
          <button
            type="button"
            disabled={reason.trim().length < 3 || busy}
            onClick={() => act(() => api.discardHeld(m.id, reason.trim()), `Discarded the message from ${m.device_id}`)}
          >
            Discard with reason
          </button>
        </div>
      )}
    </li>
  );
}

export function HeldMessages() {
  const [held, setHeld] = useState<HeldMessage[] | null>(null);
  const [sessions, setSessions] = useState<Session[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const [loads, setLoads] = useState(0);
  useEffect(() => {
    api.unmatched().then(setHeld, (e) => setError(errText(e)));
    api.sessions(true).then(setSessions, (e) => setError(errText(e)));
  }, [loads]);
  return (
    <section class="held-messages" aria-labelledby="held-h">
      <h1 id="held-h">Monitor messages held for a nurse</h1>
      <p class="muted">
        A monitor's message is held here when it names no patient with one active session and its monitor is at no chair with one. Chart it
        into the right session, or discard it with a reason; both are audited.
      </p>
      <ErrorBox error={error} />
      {said && (
        <p role="status" class="ok">
          {said}
        </p>
      )}
      {held?.length === 0 && <p data-testid="held-none">No messages are waiting.</p>}
      <ol class="held-list">
        {(held ?? []).map((m) => (
          <Held
            key={m.id}
            m={m}
            sessions={sessions}
            onDone={(text) => {
              setSaid(text);
              setLoads((n) => n + 1);
            }}
          />
        ))}
      </ol>
    </section>
  );
}
