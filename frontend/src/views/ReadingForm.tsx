// Tablet-first reading entry: big numeric inputs, warnings while typing, saved to the outbox.

import { useRef, useState } from "preact/hooks";
import type { Consciousness, ReadingIn } from "../api";
import { checkEntry, type EntryField, type EntryValues, fmtClock, PLAUSIBLE, parseEntry, VITALS } from "../format";

const FIELDS: { id: EntryField; label: string; unit: string; required?: boolean; mode: "numeric" | "decimal" | "text" }[] = [
  { id: "hr", label: VITALS.heart_rate.name, unit: VITALS.heart_rate.unit, required: true, mode: "numeric" },
  { id: "sbp", label: VITALS.systolic.name, unit: VITALS.systolic.unit, required: true, mode: "numeric" },
  { id: "dbp", label: VITALS.diastolic.name, unit: VITALS.diastolic.unit, required: true, mode: "numeric" },
  { id: "spo2", label: VITALS.spo2.name, unit: VITALS.spo2.unit, required: true, mode: "numeric" },
  { id: "rr", label: VITALS.respiratory_rate.name, unit: VITALS.respiratory_rate.unit, mode: "numeric" },
  { id: "temp", label: VITALS.temperature_c.name, unit: VITALS.temperature_c.unit, mode: "decimal" },
  // RASS is negative as often as not: a numeric keypad has no minus sign on many tablets
  { id: "rass", label: `${VITALS.sedation_rass.name} (RASS −5…+4)`, unit: "", mode: "text" },
  { id: "cadss", label: `${VITALS.dissociation_cadss6.name} (CADSS-6 0…24)`, unit: "", mode: "numeric" },
];

export function toReadingBody(v: EntryValues, extra: { consciousness: string; onOxygen: boolean; note: string }, takenAt: Date): ReadingIn {
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
  return body;
}

export function ReadingForm({ onSave, disabled }: { onSave: (body: ReadingIn) => Promise<void>; disabled?: string | null }) {
  const [values, setValues] = useState<EntryValues>({});
  const [touched, setTouched] = useState<Partial<Record<EntryField, boolean>>>({});
  const [consciousness, setConsciousness] = useState("");
  const [onOxygen, setOnOxygen] = useState(false);
  const [note, setNote] = useState("");
  const [submitted, setSubmitted] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const check = checkEntry(values);

  const set = (f: EntryField, s: string) => {
    setValues((v) => ({ ...v, [f]: s }));
    setSaved(null);
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
    const check = checkEntry(fresh);
    if (!check.ok) {
      setValues(fresh);
      const first = FIELDS.find((f) => check.fields[f.id]?.error || check.missing.includes(f.id));
      if (first) formRef.current?.querySelector<HTMLInputElement>(`#${first.id}`)?.focus();
      return;
    }
    setBusy(true);
    try {
      await onSave(toReadingBody(fresh, { consciousness, onOxygen, note: noteNow }, new Date()));
      setValues({});
      setTouched({});
      setConsciousness("");
      setOnOxygen(false);
      setNote("");
      setSubmitted(false);
      setSaved(`Saved ✓ at ${fmtClock(Date.now())}`);
      formRef.current?.querySelector<HTMLInputElement>("#hr")?.focus();
    } catch (err) {
      setSaved(`✘ Not saved on this device: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="reading-form" ref={formRef} onSubmit={submit} noValidate aria-labelledby="reading-h">
      <h2 id="reading-h">New reading</h2>
      <div class="entry-grid">
        {FIELDS.map((f) => {
          const c = check.fields[f.id];
          const missing = submitted && check.missing.includes(f.id);
          const show = touched[f.id] || submitted || parseEntry(values[f.id]) !== null;
          const msg = missing ? `${f.label} is required` : show ? (c?.error ?? c?.warning) : undefined;
          const level = missing || c?.error ? "error" : c?.warning ? "warning" : "";
          const r = PLAUSIBLE[f.id];
          return (
            <div class={`entry ${level}`} key={f.id}>
              <label for={f.id}>
                {f.label}
                {f.unit && <span class="unit"> {f.unit}</span>}
                {f.required && (
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
                required={f.required}
                aria-required={f.required ? "true" : undefined}
                aria-invalid={level === "error" ? "true" : undefined}
                aria-describedby={msg ? `${f.id}-msg` : undefined}
                placeholder={`${r.min}–${r.max}`}
                value={values[f.id] ?? ""}
                onInput={(e) => set(f.id, (e.currentTarget as HTMLInputElement).value)}
                onBlur={() => setTouched((t) => ({ ...t, [f.id]: true }))}
              />
              {msg && (
                <div id={`${f.id}-msg`} class={`field-msg ${level}`}>
                  <span aria-hidden="true">{level === "error" ? "✘ " : "⚠ "}</span>
                  {msg}
                </div>
              )}
            </div>
          );
        })}
        <div class="entry">
          <label for="acvpu">Consciousness (ACVPU)</label>
          <select id="acvpu" value={consciousness} onChange={(e) => setConsciousness((e.currentTarget as HTMLSelectElement).value)}>
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
        <div class="entry wide">
          <label for="note">Note (optional)</label>
          <input id="note" type="text" value={note} onInput={(e) => setNote((e.currentTarget as HTMLInputElement).value)} />
        </div>
      </div>
      <div class="form-actions">
        <button type="submit" class="primary big" disabled={busy || !!disabled}>
          Save reading
        </button>
        {disabled && <span class="muted">{disabled}</span>}
        {saved && (
          <span class="saved" role="status" data-testid="saved-msg">
            {saved}
          </span>
        )}
        {submitted && !check.ok && (
          <span class="field-msg error" role="alert">
            ✘ Fix the marked fields first.
          </span>
        )}
      </div>
    </form>
  );
}
