// Tablet-first reading entry: big numeric inputs, warnings while typing, saved to the outbox.
// It never says "Saved" before the server has stored the reading: a refusal keeps the values on
// screen with the server's message, and an implausible value needs an explicit confirmation.

import { useEffect, useRef, useState } from "preact/hooks";
import type { AlertRule, Consciousness, ReadingIn } from "../api";
import {
  checkEntry,
  checkLateReason,
  checkLateTime,
  checkNote,
  ENTRY_FIELD,
  type EntryField,
  type EntryValues,
  fmtClock,
  fmtDateTime,
  lateTakenAt,
  PLAUSIBLE,
  parseEntry,
  VITALS,
} from "../format";

const FIELDS: { id: EntryField; label: string; unit: string; mode: "numeric" | "decimal" | "text" }[] = [
  { id: "hr", label: VITALS.heart_rate.name, unit: VITALS.heart_rate.unit, mode: "numeric" },
  { id: "sbp", label: VITALS.systolic.name, unit: VITALS.systolic.unit, mode: "numeric" },
  { id: "dbp", label: VITALS.diastolic.name, unit: VITALS.diastolic.unit, mode: "numeric" },
  { id: "spo2", label: VITALS.spo2.name, unit: VITALS.spo2.unit, mode: "numeric" },
  { id: "rr", label: VITALS.respiratory_rate.name, unit: VITALS.respiratory_rate.unit, mode: "numeric" },
  { id: "temp", label: VITALS.temperature_c.name, unit: VITALS.temperature_c.unit, mode: "decimal" },
  // RASS is negative as often as not: a numeric keypad has no minus sign on many tablets
  { id: "rass", label: `${VITALS.sedation_rass.name} (RASS −5…+4)`, unit: "", mode: "text" },
  { id: "cadss", label: `${VITALS.dissociation_cadss6.name} (CADSS-6 0…24)`, unit: "", mode: "numeric" },
];

export function toReadingBody(
  v: EntryValues,
  extra: { consciousness: string; onOxygen: boolean; note: string; lateReason?: string },
  takenAt: Date,
): ReadingIn {
  const num = (f: EntryField) => {
    const x = parseEntry(v[f]);
    return x === null || Number.isNaN(x) ? null : x;
  };
  // The form only submits once checkEntry has passed, so a missing required value is a bug here.
  const required = (f: EntryField) => {
    const x = num(f);
    if (x === null) throw new Error(`${PLAUSIBLE[f].label} is required`);
    return x;
  };
  const body: ReadingIn = {
    taken_at: takenAt.toISOString(),
    heart_rate: required("hr"),
    systolic: required("sbp"),
    diastolic: required("dbp"),
    spo2: required("spo2"),
  };
  const opt: [keyof ReadingIn, number | null][] = [
    ["respiratory_rate", num("rr")],
    ["temperature_c", num("temp")],
    ["sedation_rass", num("rass")],
    ["dissociation_cadss6", num("cadss")],
  ];
  for (const [k, x] of opt) if (x !== null) (body as unknown as Record<string, unknown>)[k] = x;
  if (extra.consciousness) body.consciousness = extra.consciousness as Consciousness;
  if (extra.onOxygen) body.on_oxygen = true;
  if (extra.note.trim()) body.note = extra.note.trim();
  if (extra.lateReason?.trim()) body.late_reason = extra.lateReason.trim();
  // The form submits an implausible value only once the nurse has ticked its confirmation
  // (which the alert limits have no part in).
  if (Object.values(checkEntry(v, []).fields).some((c) => c?.confirm)) body.confirm_value = true;
  return body;
}

/** What became of a save: stored on the server, queued on this tablet, or refused. */
export type SaveResult =
  | { kind: "stored" }
  | { kind: "queued"; reason: string }
  | { kind: "failed"; message: string; fields: Record<string, string> | null };

/** A reading the server refused, loaded back into the form to be fixed. */
export interface Draft {
  id: string;
  body: ReadingIn;
  message: string;
  fields: Record<string, string> | null;
}

const OPTIONAL_NUMBERS: [EntryField, keyof ReadingIn][] = [
  ["rr", "respiratory_rate"],
  ["temp", "temperature_c"],
  ["rass", "sedation_rass"],
  ["cadss", "dissociation_cadss6"],
];

// A monitor's reading may lack any vital: its blanks stay blank in the correction form.
type Body = Omit<ReadingIn, "heart_rate" | "systolic" | "diastolic" | "spo2"> &
  Record<"heart_rate" | "systolic" | "diastolic" | "spo2", number | null>;

export function bodyToValues(b: Body): EntryValues {
  const text = (x: number | null) => (x === null ? "" : String(x));
  const v: EntryValues = { hr: text(b.heart_rate), sbp: text(b.systolic), dbp: text(b.diastolic), spo2: text(b.spo2) };
  for (const [f, k] of OPTIONAL_NUMBERS) {
    const x = b[k];
    if (typeof x === "number") v[f] = String(x);
  }
  return v;
}

/** The server's field messages, by entry box (`heart_rate` → `hr`). */
function serverMessages(fields: Record<string, string> | null): Partial<Record<EntryField | "note", string>> {
  const out: Partial<Record<EntryField | "note", string>> = {};
  for (const [name, msg] of Object.entries(fields ?? {})) {
    const f = (Object.keys(ENTRY_FIELD) as EntryField[]).find((k) => ENTRY_FIELD[k] === name);
    if (f) out[f] = msg;
    else if (name === "note") out.note = msg;
  }
  return out;
}

/** News from outside the form about a reading it queued: stored, or refused after all. */
export interface Notice {
  kind: "stored" | "failed";
  text: string;
}

type Status = { kind: "stored" | "queued" | "failed"; text: string } | null;

export function ReadingForm({
  onSave,
  disabled,
  late,
  draft,
  notice,
  rules,
}: {
  onSave: (body: ReadingIn, replaces: string | null) => Promise<SaveResult>;
  /** The patient's effective alert rules: a value that would alarm is flagged while typed. */
  rules: AlertRule[];
  disabled?: string | null;
  /** The session has ended: a reading now is a late entry, saved only with the reason it is late. */
  late?: string | null;
  /** A refused reading to fix (from the outbox list); a new draft id reloads the form. */
  draft?: Draft | null;
  notice?: Notice | null;
}) {
  const [values, setValues] = useState<EntryValues>({});
  const [touched, setTouched] = useState<Partial<Record<EntryField, boolean>>>({});
  const [consciousness, setConsciousness] = useState("");
  const [onOxygen, setOnOxygen] = useState(false);
  const [note, setNote] = useState("");
  const [lateReason, setLateReason] = useState("");
  const [lateTime, setLateTime] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState(false);
  const [confirmed, setConfirmed] = useState<Partial<Record<EntryField, string>>>({});
  // The refused reading this form now holds: saving sends the fix in its place, at its time.
  const [fixing, setFixing] = useState<{ id: string; takenAt: string; server: ReturnType<typeof serverMessages> } | null>(null);
  const formRef = useRef<HTMLFormElement>(null);
  const check = checkEntry(values, rules);
  const noteError = checkNote(note);
  const unconfirmed = (Object.keys(check.fields) as EntryField[]).filter((f) => check.fields[f]?.confirm && confirmed[f] !== values[f]);

  const load = (d: Draft) => {
    setValues(bodyToValues(d.body));
    setConsciousness(d.body.consciousness ?? "");
    setOnOxygen(!!d.body.on_oxygen);
    setNote(d.body.note ?? "");
    setLateReason(d.body.late_reason ?? "");
    setFixing({ id: d.id, takenAt: d.body.taken_at, server: serverMessages(d.fields) });
    setStatus({ kind: "failed", text: `✘ Not saved: the server refused this reading — ${d.message}` });
    setSubmitted(true);
  };
  useEffect(() => {
    if (draft) load(draft);
  }, [draft?.id]);
  useEffect(() => {
    if (notice) setStatus(notice);
  }, [notice]);

  const clear = () => {
    setValues({});
    setTouched({});
    setConsciousness("");
    setOnOxygen(false);
    setNote("");
    setLateReason("");
    setLateTime("");
    setSubmitted(false);
    setConfirmed({});
    setFixing(null);
  };

  const set = (f: EntryField, s: string) => {
    setValues((v) => ({ ...v, [f]: s }));
    setFixing((x) => (x ? { ...x, server: { ...x.server, [f]: undefined } } : x));
    if (status?.kind !== "failed") setStatus(null);
  };

  /** Enter moves on to the next box, as the keypad's "next" key says; the last one goes to Save. */
  const next = (e: KeyboardEvent) => {
    if (e.key !== "Enter") return;
    e.preventDefault();
    const form = formRef.current;
    if (!form) return;
    const order = [...form.querySelectorAll<HTMLElement>("input:not([type=checkbox]), select, button[type=submit]")];
    const i = order.indexOf(e.currentTarget as HTMLElement);
    order[i + 1]?.focus();
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setSubmitted(true);
    // read what is on screen now (a render may still be pending after fast input)
    const form = formRef.current;
    const fresh: EntryValues = { ...values };
    for (const f of FIELDS) {
      const el = form?.querySelector<HTMLInputElement>(`#${f.id}`);
      if (el) fresh[f.id] = el.value;
    }
    const noteNow = form?.querySelector<HTMLInputElement>("#note")?.value ?? note;
    const lateNow = form?.querySelector<HTMLInputElement>("#late-reason")?.value ?? lateReason;
    const check = checkEntry(fresh, rules);
    const waiting = (Object.keys(check.fields) as EntryField[]).filter((f) => check.fields[f]?.confirm && confirmed[f] !== fresh[f]);
    const lateTimeNow = form?.querySelector<HTMLInputElement>("#late-time")?.value ?? lateTime;
    const noReason = !!late && checkLateReason(lateNow) !== undefined;
    const noTime = !!late && !fixing && checkLateTime(lateTimeNow) !== undefined;
    if (!check.ok || checkNote(noteNow) || waiting.length || noReason || noTime) {
      setValues(fresh);
      setNote(noteNow);
      setLateReason(lateNow);
      setLateTime(lateTimeNow);
      const first = FIELDS.find((f) => check.fields[f.id]?.error || check.missing.includes(f.id) || waiting.includes(f.id));
      form?.querySelector<HTMLInputElement>(first ? `#${first.id}` : noTime ? "#late-time" : noReason ? "#late-reason" : "#note")?.focus();
      return;
    }
    setBusy(true);
    setStatus({ kind: "queued", text: "Sending…" });
    try {
      // A late entry is charted at the time on the paper record, not when it is typed in.
      const takenAt = fixing ? new Date(fixing.takenAt) : late ? (lateTakenAt(lateTimeNow, new Date()) ?? new Date()) : new Date();
      const result = await onSave(
        toReadingBody(fresh, { consciousness, onOxygen, note: noteNow, lateReason: late ? lateNow : "" }, takenAt),
        fixing?.id ?? null,
      );
      if (result.kind === "failed") {
        // Keep every value on screen: nothing was stored, and the nurse fixes what the server named.
        setValues(fresh);
        setNote(noteNow);
        setStatus({ kind: "failed", text: `✘ Not saved: the server refused this reading — ${result.message}` });
        return;
      }
      clear();
      setStatus(
        result.kind === "stored"
          ? { kind: "stored", text: `Saved ✓ at ${fmtClock(Date.now())}` }
          : {
              kind: "queued",
              text: `Queued (offline) on this tablet at ${fmtClock(Date.now())}: not yet on the server — ${result.reason}`,
            },
      );
      formRef.current?.querySelector<HTMLInputElement>("#hr")?.focus();
    } catch (err) {
      setStatus({ kind: "failed", text: `✘ Not saved on this device: ${err instanceof Error ? err.message : String(err)}` });
    } finally {
      setBusy(false);
    }
  };

  const lateError = late ? checkLateReason(lateReason) : undefined;
  const lateTimeError = late && !fixing ? checkLateTime(lateTime) : undefined;
  const lateAt = late ? lateTakenAt(lateTime, new Date()) : undefined;
  const blocked = submitted && (!check.ok || !!noteError || unconfirmed.length > 0 || !!lateError || !!lateTimeError);
  return (
    <form class={`reading-form ${late ? "late" : ""}`} ref={formRef} onSubmit={submit} noValidate aria-labelledby="reading-h">
      <h2 id="reading-h">{fixing ? "Fix the refused reading" : late ? "Late entry" : "New reading"}</h2>
      {fixing && <p class="muted">Taken at {fmtClock(fixing.takenAt)}; saving sends the corrected values in its place.</p>}
      {late && (
        <div class="late-entry">
          <p class="late-note" data-testid="late-banner">
            {late} A reading entered now is charted as a <strong>LATE ENTRY</strong>: it raises no alert and does not change the session.
          </p>
          {!fixing && (
            <div class={`entry wide ${submitted && lateTimeError ? "error" : ""}`}>
              <label for="late-time">
                Time taken (from the paper record) <span aria-hidden="true">*</span>
              </label>
              <input
                id="late-time"
                type="time"
                required
                aria-invalid={submitted && lateTimeError ? "true" : undefined}
                aria-describedby={submitted && lateTimeError ? "late-time-msg" : lateAt ? "late-time-at" : undefined}
                value={lateTime}
                onInput={(e) => setLateTime((e.currentTarget as HTMLInputElement).value)}
                onKeyDown={next}
              />
              {submitted && lateTimeError ? (
                <div id="late-time-msg" class="field-msg error">
                  <span aria-hidden="true">✘ </span>
                  {lateTimeError}
                </div>
              ) : (
                lateAt && (
                  <div id="late-time-at" class="field-msg" data-testid="late-time-at">
                    Charted at {fmtDateTime(lateAt.getTime())}
                  </div>
                )
              )}
            </div>
          )}
          <div class={`entry wide ${submitted && lateError ? "error" : ""}`}>
            <label for="late-reason">
              Why is it entered late? <span aria-hidden="true">*</span>
            </label>
            <input
              id="late-reason"
              type="text"
              autoComplete="off"
              enterKeyHint="next"
              aria-required="true"
              aria-invalid={submitted && lateError ? "true" : undefined}
              aria-describedby={submitted && lateError ? "late-reason-msg" : undefined}
              value={lateReason}
              onInput={(e) => setLateReason((e.currentTarget as HTMLInputElement).value)}
              onKeyDown={next}
            />
            {submitted && lateError && (
              <div id="late-reason-msg" class="field-msg error">
                <span aria-hidden="true">✘ </span>
                {lateError}
              </div>
            )}
          </div>
        </div>
      )}
      <div class="entry-grid">
        {FIELDS.map((f) => {
          const c = check.fields[f.id];
          const missing = submitted && check.missing.includes(f.id);
          const show = touched[f.id] || submitted || parseEntry(values[f.id]) !== null;
          const server = fixing?.server[f.id];
          const msg = missing ? `${f.label} is required` : (server ?? (show ? (c?.error ?? c?.confirm ?? c?.warning) : undefined));
          const level = missing || c?.error || server ? "error" : c?.confirm || c?.warning ? "warning" : "";
          const r = PLAUSIBLE[f.id];
          return (
            <div class={`entry ${level}`} key={f.id}>
              <label for={f.id}>
                {f.label}
                {f.unit && <span class="unit"> {f.unit}</span>}
                {r.required && (
                  <span class="req" aria-hidden="true">
                    {" "}
                    *
                  </span>
                )}
              </label>
              <input
                id={f.id}
                name={f.id}
                type="text"
                inputMode={f.mode}
                autoComplete="off"
                enterKeyHint="next"
                required={r.required}
                aria-required={r.required ? "true" : undefined}
                aria-invalid={level === "error" ? "true" : undefined}
                aria-describedby={msg ? `${f.id}-msg` : undefined}
                placeholder={`${r.min}–${r.max}`}
                value={values[f.id] ?? ""}
                onInput={(e) => set(f.id, (e.currentTarget as HTMLInputElement).value)}
                onBlur={() => setTouched((t) => ({ ...t, [f.id]: true }))}
                onKeyDown={next}
              />
              {msg && (
                <div id={`${f.id}-msg`} class={`field-msg ${level}`}>
                  <span aria-hidden="true">{level === "error" ? "✘ " : "⚠ "}</span>
                  {msg}
                </div>
              )}
              {c?.confirm && (
                <label class="confirm-value">
                  <input
                    type="checkbox"
                    data-testid={`confirm-${f.id}`}
                    checked={confirmed[f.id] === values[f.id]}
                    onChange={(e) =>
                      setConfirmed((x) => ({ ...x, [f.id]: (e.currentTarget as HTMLInputElement).checked ? values[f.id] : undefined }))
                    }
                  />
                  Confirm value {values[f.id]}
                </label>
              )}
            </div>
          );
        })}
        <div class="entry">
          <label for="acvpu">Consciousness (ACVPU)</label>
          <select
            id="acvpu"
            value={consciousness}
            onChange={(e) => setConsciousness((e.currentTarget as HTMLSelectElement).value)}
            onKeyDown={next}
          >
            <option value="">not assessed</option>
            <option value="A">A — alert</option>
            <option value="C">C — new confusion</option>
            <option value="V">V — responds to voice</option>
            <option value="P">P — responds to pain</option>
            <option value="U">U — unresponsive</option>
          </select>
        </div>
        <div class="entry check">
          <input
            id="on_oxygen"
            type="checkbox"
            checked={onOxygen}
            onChange={(e) => setOnOxygen((e.currentTarget as HTMLInputElement).checked)}
          />
          <label for="on_oxygen">On supplemental oxygen</label>
        </div>
        <div class={`entry wide ${noteError || fixing?.server.note ? "error" : ""}`}>
          <label for="note">Note (optional)</label>
          <input
            id="note"
            type="text"
            enterKeyHint="done"
            aria-invalid={noteError ? "true" : undefined}
            aria-describedby={noteError ? "note-msg" : undefined}
            value={note}
            onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={next}
          />
          {(noteError ?? fixing?.server.note) && (
            <div id="note-msg" class="field-msg error">
              <span aria-hidden="true">✘ </span>
              {noteError ?? fixing?.server.note}
            </div>
          )}
        </div>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary big" disabled={busy || !!disabled}>
          {fixing ? "Save the fixed reading" : late ? "Save late entry" : "Save reading"}
        </button>
        {disabled && <span class="muted">{disabled}</span>}
        {status && (
          <span class={`save-status ${status.kind}`} role={status.kind === "failed" ? "alert" : "status"} data-testid="saved-msg">
            {status.text}
          </span>
        )}
        {blocked && (
          <span class="field-msg error" role="alert">
            {unconfirmed.length && check.ok && !noteError
              ? "✘ Confirm or re-measure the implausible value first."
              : "✘ Fix the marked fields first."}
          </span>
        )}
      </div>
    </form>
  );
}
