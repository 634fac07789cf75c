// Nurse/physician actions on a session: phase transitions, checklist, notes and side effects.

import { useState } from "preact/hooks";
import { aldreteFromReadings } from "../aldrete";
import { type AldreteScores, api, type Checklist as ChecklistT, type SessionDetail, type TransitionIn } from "../api";
import { phaseLabel } from "../format";
import { ErrorBox, errText } from "../widgets";

type Target = TransitionIn["to"];

type Action = { to: Target; label: string };

/** The phase changes open from `session`'s phase, named as its protocol names the phases
 * ("Start infusion"; Spravato: "Start dosing", "Stop dosing → observation"). */
export function phaseActions(session: Pick<SessionDetail, "phase" | "phase_labels">): Action[] {
  const name = (p: Target) => phaseLabel(p, session.phase_labels).toLowerCase();
  const stop: Action = { to: "recovery", label: `Stop ${name("infusion")} → ${name("recovery")}` };
  const next: Record<string, Action[]> = {
    pre_infusion: [{ to: "infusion", label: `Start ${name("infusion")}` }],
    infusion: [{ to: "paused", label: `Pause ${name("infusion")}` }, stop],
    paused: [{ to: "infusion", label: `Resume ${name("infusion")}` }, stop],
    recovery: [{ to: "discharged", label: "Discharge" }],
  };
  const open = next[session.phase];
  return open ? [...open, { to: "aborted", label: "Abort session" }] : [];
}

const ALDRETE: { key: keyof AldreteScores; label: string; options: string[] }[] = [
  { key: "activity", label: "Activity", options: ["0 — none", "1 — two limbs", "2 — four limbs"] },
  { key: "respiration", label: "Respiration", options: ["0 — apnoeic", "1 — dyspnoea / limited", "2 — breathes deeply, coughs"] },
  { key: "circulation", label: "Circulation (BP vs baseline)", options: ["0 — ±50 % or more", "1 — ±20–49 %", "2 — within ±20 %"] },
  { key: "consciousness", label: "Consciousness", options: ["0 — not responding", "1 — arousable on calling", "2 — fully awake"] },
  {
    key: "oxygen_saturation",
    label: "Oxygen saturation",
    options: ["0 — < 90 % with O₂", "1 — needs O₂ for > 90 %", "2 — > 92 % on room air"],
  },
];

export function PhaseActions({
  session,
  isPhysician,
  onChanged,
}: {
  session: SessionDetail;
  isPhysician: boolean;
  onChanged: (s: SessionDetail) => void;
}) {
  const [pending, setPending] = useState<Action | null>(null);
  const [reason, setReason] = useState("");
  const [override, setOverride] = useState(false);
  const [aldrete, setAldrete] = useState<Partial<AldreteScores>>({});
  // The Spravato REMS question: ready to leave after how many minutes, were there no 2-hour minimum.
  const [readyAfter, setReadyAfter] = useState("");
  // Items pre-filled from the readings that the nurse has not yet confirmed or changed.
  const [unchecked, setUnchecked] = useState<Set<keyof AldreteScores>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const actions = phaseActions(session);
  if (!actions.length)
    return <p class="muted">Session {phaseLabel(session.phase, session.phase_labels).toLowerCase()}: no further phase changes.</p>;

  const aldreteTotal = ALDRETE.reduce((n, i) => n + (aldrete[i.key] ?? 0), 0);
  const aldreteDone = ALDRETE.every((i) => aldrete[i.key] !== undefined) && unchecked.size === 0;
  const settle = (key: keyof AldreteScores) =>
    setUnchecked((u) => {
      const next = new Set(u);
      next.delete(key);
      return next;
    });

  const choose = (a: Action) => {
    setPending(a);
    setError(null);
    setReason("");
    setOverride(false);
    if (a.to === "discharged") {
      const prefill = aldreteFromReadings(session.latest_reading, session.baseline);
      setAldrete(prefill);
      setUnchecked(new Set(Object.keys(prefill) as (keyof AldreteScores)[]));
    }
  };

  const confirm = async (e: Event) => {
    e.preventDefault();
    if (!pending) return;
    if ((pending.to === "aborted" || override) && !reason.trim()) {
      setError(pending.to === "aborted" ? "A reason is required to abort." : "An override needs a reason.");
      return;
    }
    if (pending.to === "discharged" && !aldreteDone && !override) {
      setError(unchecked.size ? "Confirm the items pre-filled from the readings first." : "Score every modified Aldrete item first.");
      return;
    }
    const body: TransitionIn = { to: pending.to };
    if (reason.trim()) body.reason = reason.trim();
    if (override) body.override = true;
    if (pending.to === "discharged" && aldreteDone) body.aldrete = aldrete as AldreteScores;
    if (pending.to === "discharged" && readyAfter.trim()) body.ready_to_leave_minutes = Number(readyAfter);
    setBusy(true);
    setError(null);
    try {
      const s = await api.transition(session.id, body);
      setPending(null);
      onChanged(s);
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="phase-actions" aria-labelledby="phase-h">
      <h2 id="phase-h">Phase: {phaseLabel(session.phase, session.phase_labels)}</h2>
      <div class="button-row">
        {actions.map((a) => (
          <button
            type="button"
            key={a.to}
            class={`big ${a.to === "aborted" ? "danger" : ""} ${pending?.to === a.to ? "selected" : ""}`}
            aria-pressed={pending?.to === a.to}
            onClick={() => choose(a)}
          >
            {a.label}
          </button>
        ))}
      </div>
      {pending && (
        <form class="transition-form" onSubmit={confirm}>
          {pending.to === "discharged" && session.protocol_rules.min_observation_minutes != null && (
            <div class="entry">
              <label for="ready-after">
                Without the {session.protocol_rules.min_observation_minutes} min minimum, ready to leave after (min from dosing)
              </label>
              <input id="ready-after" inputMode="numeric" value={readyAfter} onInput={(e) => setReadyAfter(e.currentTarget.value)} />
            </div>
          )}
          {pending.to === "discharged" && (
            <fieldset>
              <legend>
                Modified Aldrete score: {aldreteTotal} / 10 {aldreteDone ? (aldreteTotal >= 9 ? "✔ ≥ 9" : "✘ below 9") : ""}
              </legend>
              {ALDRETE.map((i) => (
                <div class="entry" key={i.key}>
                  <label for={`aldrete-${i.key}`}>{i.label}</label>
                  <select
                    id={`aldrete-${i.key}`}
                    value={aldrete[i.key] === undefined ? "" : String(aldrete[i.key])}
                    onChange={(e) => {
                      const v = (e.currentTarget as HTMLSelectElement).value;
                      setAldrete((a) => ({ ...a, [i.key]: v === "" ? undefined : Number(v) }));
                      settle(i.key);
                    }}
                  >
                    <option value="">choose…</option>
                    {i.options.map((o, n) => (
                      <option value={n} key={n}>
                        {o}
                      </option>
                    ))}
                  </select>
                  {unchecked.has(i.key) && (
                    <label class="confirm-value">
                      <input type="checkbox" data-testid={`aldrete-confirm-${i.key}`} onChange={() => settle(i.key)} />
                      From the readings: confirm
                    </label>
                  )}
                </div>
              ))}
            </fieldset>
          )}
          <div class="entry wide">
            <label for="transition-reason">Reason {pending.to === "aborted" || override ? "(required)" : "(optional)"}</label>
            <input
              id="transition-reason"
              type="text"
              value={reason}
              onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          {isPhysician && pending.to !== "aborted" && (
            <div class="entry check">
              <input
                id="transition-override"
                type="checkbox"
                checked={override}
                onChange={(e) => setOverride((e.currentTarget as HTMLInputElement).checked)}
              />
              <label for="transition-override">Physician override of the gate (reason required)</label>
            </div>
          )}
          <div class="button-row">
            <button type="submit" class={`big primary ${pending.to === "aborted" ? "danger" : ""}`} disabled={busy}>
              Confirm: {pending.label}
            </button>
            <button type="button" class="big" onClick={() => setPending(null)}>
              Cancel
            </button>
          </div>
          <ErrorBox error={error} />
        </form>
      )}
    </section>
  );
}

const CHECKLIST: { key: keyof ChecklistT; label: string }[] = [
  { key: "identity_checked", label: "Identity checked (two identifiers)" },
  { key: "consent_signed", label: "Consent signed" },
  { key: "fasting_confirmed", label: "Fasting confirmed" },
  { key: "escort_confirmed", label: "Escort / driver confirmed" },
];

export function ChecklistPanel({ session, onChanged }: { session: SessionDetail; onChanged: () => void }) {
  const [local, setLocal] = useState<Partial<ChecklistT>>({});
  const [error, setError] = useState<string | null>(null);
  const value = (k: keyof ChecklistT) => local[k] ?? session.checklist[k];
  const toggle = async (k: keyof ChecklistT, v: boolean) => {
    setLocal((l) => ({ ...l, [k]: v }));
    setError(null);
    try {
      await api.patchChecklist(session.id, { [k]: v });
      onChanged();
    } catch (e) {
      setLocal((l) => ({ ...l, [k]: !v }));
      setError(errText(e));
    }
  };
  return (
    <section class="checklist" aria-labelledby="checklist-h">
      <h2 id="checklist-h">Pre-infusion checklist</h2>
      <ul>
        {CHECKLIST.map((c) => (
          <li key={c.key} class="entry check">
            <input
              id={`chk-${c.key}`}
              type="checkbox"
              checked={value(c.key)}
              onChange={(e) => void toggle(c.key, (e.currentTarget as HTMLInputElement).checked)}
            />
            <label for={`chk-${c.key}`}>
              {c.label} <span class="sr-visible">{value(c.key) ? "✔" : ""}</span>
            </label>
          </li>
        ))}
      </ul>
      <p>
        <a class="button" href={`#/screening/${session.id}`}>
          Screening form (contraindications, fasting, escort)
        </a>
      </p>
      <p class="muted">Weight today: {session.weight_kg} kg</p>
      <ErrorBox error={error} />
    </section>
  );
}

/** An ended session's record takes addenda (late notes) while the server's window is open. */
export function AddendumPanel({ sessionId, onAdded }: { sessionId: string; onAdded: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (e: Event) => {
    e.preventDefault();
    if (!text.trim()) {
      setError("Write the addendum first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.addNote(sessionId, "addendum", text.trim());
      setOk(`Added ✓ addendum: ${text.trim()}`);
      setText("");
      onAdded();
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="notes" aria-labelledby="addendum-h">
      <h2 id="addendum-h">Addendum to the record</h2>
      <form onSubmit={send}>
        <div class="entry wide">
          <label for="addendum-text">Addendum (marked as entered after the session ended)</label>
          <input id="addendum-text" type="text" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="big" disabled={busy}>
          Add addendum
        </button>
      </form>
      {ok && <p role="status">{ok}</p>}
      <ErrorBox error={error} />
    </section>
  );
}

/** Free-text notes. Side effects, PRN medicines and rate changes have their structured
 * record (the session record page); their old free-text kinds stay readable in the timeline. */
export function NotesPanel({ sessionId, onAdded }: { sessionId: string; onAdded: () => void }) {
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (t: string) => {
    if (!t.trim()) {
      setError("Write the note first.");
      return;
    }
    setBusy(true);
    setError(null);
    setOk(null);
    try {
      await api.addNote(sessionId, "note", t.trim());
      setOk(`Added ✓ note: ${t.trim()}`);
      setText("");
      onAdded();
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="notes" aria-labelledby="notes-h">
      <h2 id="notes-h">Notes</h2>
      <p>
        <a class="button" href={`#/record/${sessionId}`}>
          Side effect, PRN medicine or rate change: on the session record
        </a>
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void send(text);
        }}
      >
        <div class="entry wide">
          <label for="event-text">Note</label>
          <input id="event-text" type="text" value={text} onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="big" disabled={busy}>
          Add to timeline
        </button>
      </form>
      {ok && <p role="status">{ok}</p>}
      <ErrorBox error={error} />
    </section>
  );
}
