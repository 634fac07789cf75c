// New patient and new session forms (nurse entry).

import { useEffect, useState } from "preact/hooks";
import { api, type Patient, type Site } from "../api";
import { ErrorBox, errText } from "../widgets";
import { type CourseChoice, CoursePicker } from "./CoursePicker";

export function PatientForm({ onCreated }: { onCreated: (p: Patient) => void }) {
  const [f, setF] = useState({ mrn: "", full_name: "", date_of_birth: "", notes: "" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setF((old) => ({ ...old, [k]: v }));
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!f.mrn.trim() || !f.full_name.trim() || !f.date_of_birth) {
      setError("MRN, name and date of birth are required.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const p = await api.createPatient({
        mrn: f.mrn.trim(),
        full_name: f.full_name.trim(),
        date_of_birth: f.date_of_birth,
        ...(f.notes.trim() ? { notes: f.notes.trim() } : {}),
      });
      setF({ mrn: "", full_name: "", date_of_birth: "", notes: "" });
      onCreated(p);
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="stack-form" onSubmit={submit} aria-label="New patient">
      <div class="entry">
        <label for="pt-mrn">MRN</label>
        <input id="pt-mrn" type="text" autoComplete="off" value={f.mrn} onInput={set("mrn")} />
      </div>
      <div class="entry">
        <label for="pt-name">Full name</label>
        <input id="pt-name" type="text" autoComplete="off" value={f.full_name} onInput={set("full_name")} />
      </div>
      <div class="entry">
        <label for="pt-dob">Date of birth</label>
        <input id="pt-dob" type="date" value={f.date_of_birth} onInput={set("date_of_birth")} />
      </div>
      <div class="entry wide">
        <label for="pt-notes">Notes (optional)</label>
        <input id="pt-notes" type="text" value={f.notes} onInput={set("notes")} />
      </div>
      <button type="submit" class="big" disabled={busy}>
        Create patient
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

export function SessionForm({ onCreated }: { onCreated: (id: string) => void }) {
  const [q, setQ] = useState("");
  const [results, setResults] = useState<Patient[]>([]);
  const [patient, setPatient] = useState<Patient | null>(null);
  const [f, setF] = useState({ chair: "", weight: "", dose: "", planned: "40", drug: "ketamine" });
  const [sites, setSites] = useState<Site[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [showNewPatient, setShowNewPatient] = useState(false);
  const [course, setCourse] = useState<CourseChoice>(null);

  useEffect(() => {
    api.sites().then(setSites, (e) => setError(errText(e)));
  }, []);

  useEffect(() => {
    if (q.trim().length < 2) {
      setResults([]);
      return;
    }
    const t = setTimeout(() => {
      api.patients(q.trim()).then(setResults, (e) => setError(errText(e)));
    }, 250);
    return () => clearTimeout(t);
  }, [q]);

  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setF((old) => ({ ...old, [k]: v }));
  };
  const weight = Number(f.weight.replace(",", "."));
  const dose = Number(f.dose.replace(",", "."));
  const total = weight > 0 && dose > 0 ? Math.round(weight * dose * 10) / 10 : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!patient) return setError("Choose or create the patient first.");
    if (!f.chair) return setError("Choose the chair.");
    if (!(weight > 20 && weight <= 350)) return setError("Weight must be in kg (measured today), above 20 and at most 350.");
    if (!(dose > 0 && dose <= 2)) return setError("Dose must be in mg/kg, above 0 and at most 2.");
    const planned = Number(f.planned);
    if (f.planned.trim() && !(Number.isInteger(planned) && planned >= 5 && planned <= 240))
      return setError("Planned duration must be 5–240 minutes.");
    setBusy(true);
    setError(null);
    try {
      // A new course is created first; if the session is then refused, the course stays for the next try.
      let courseId = course === null ? null : "id" in course ? course.id : null;
      if (course !== null && "create" in course) {
        courseId = (await api.createCourse(patient.id, course.create)).id;
        setCourse({ id: courseId });
      }
      const s = await api.createSession({
        patient_id: patient.id,
        ...(courseId ? { course_id: courseId } : {}),
        chair_id: f.chair,
        weight_kg: weight,
        dose_mg_per_kg: dose,
        ...(planned > 0 ? { planned_minutes: planned } : {}),
        ...(f.drug.trim() ? { drug: f.drug.trim() } : {}),
      });
      onCreated(s.id);
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="new-session">
      <fieldset>
        <legend>Patient</legend>
        {patient ? (
          <p>
            <strong>{patient.full_name}</strong> · MRN {patient.mrn} · born {patient.date_of_birth}{" "}
            <button type="button" onClick={() => setPatient(null)}>
              Change
            </button>
          </p>
        ) : (
          <>
            <div class="entry wide">
              <label for="patient-q">Find patient (MRN or name)</label>
              <input
                id="patient-q"
                type="search"
                autoComplete="off"
                value={q}
                onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)}
              />
            </div>
            {results.length > 0 && (
              <ul class="pick-list">
                {results.map((p) => (
                  <li key={p.id}>
                    <button type="button" class="big" onClick={() => setPatient(p)}>
                      {p.full_name} · MRN {p.mrn} · {p.date_of_birth}
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {q.trim().length >= 2 && results.length === 0 && <p class="muted">No patient found.</p>}
            <button type="button" onClick={() => setShowNewPatient((x) => !x)} aria-expanded={showNewPatient}>
              {showNewPatient ? "Hide new patient form" : "New patient…"}
            </button>
            {showNewPatient && (
              <PatientForm
                onCreated={(p) => {
                  setPatient(p);
                  setShowNewPatient(false);
                }}
              />
            )}
          </>
        )}
      </fieldset>
      {patient && <CoursePicker patientId={patient.id} onChange={setCourse} />}
      <form class="stack-form" onSubmit={submit} aria-label="New session">
        <div class="entry">
          <label for="chair">Chair</label>
          <select id="chair" value={f.chair} onChange={set("chair")}>
            <option value="">Choose a free chair…</option>
            {sites.map((site) => (
              <optgroup key={site.id} label={site.name}>
                {site.chairs.map((c) => (
                  <option key={c.id} value={c.id} disabled={c.session_id !== null}>
                    {c.name}
                    {c.session_id !== null ? " (in use)" : ""}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {sites.length > 0 && sites.every((site) => site.chairs.length === 0) && (
            <p class="muted">No chairs are set up yet: ask an admin to add them.</p>
          )}
        </div>
        <div class="entry">
          <label for="weight">Weight today (kg)</label>
          <input id="weight" type="text" inputMode="decimal" value={f.weight} onInput={set("weight")} />
        </div>
        <div class="entry">
          <label for="dose">Dose (mg/kg)</label>
          <input id="dose" type="text" inputMode="decimal" value={f.dose} onInput={set("dose")} />
        </div>
        <div class="entry">
          <label for="planned">Planned duration (min)</label>
          <input id="planned" type="text" inputMode="numeric" value={f.planned} onInput={set("planned")} />
        </div>
        <div class="entry">
          <label for="drug">Drug</label>
          <input id="drug" type="text" value={f.drug} onInput={set("drug")} />
        </div>
        <p aria-live="polite">Total dose: {total !== null ? `${total} mg` : "—"}</p>
        <button type="submit" class="big primary" disabled={busy}>
          Create session
        </button>
        <ErrorBox error={error} />
      </form>
    </div>
  );
}
