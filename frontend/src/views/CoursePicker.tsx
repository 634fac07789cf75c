// Which treatment course a new session belongs to: none, one of the patient's, or a new one.

import { useEffect, useState } from "preact/hooks";
import { api, type Id } from "../api";
import type { components } from "../api-schema";
import { errText } from "../widgets";

type Course = components["schemas"]["CourseOut"];
export type NewCourse = components["schemas"]["CourseCreate"];
/** null: no course; a course id; or the course to start with the session. */
export type CourseChoice = null | { id: Id } | { create: NewCourse };

const INDICATIONS: NewCourse["indication"][] = ["depression", "ptsd", "anxiety", "chronic_pain", "other"];
const today = () => new Date().toISOString().slice(0, 10);

export function CoursePicker({ patientId, onChange }: { patientId: Id; onChange: (c: CourseChoice) => void }) {
  const [courses, setCourses] = useState<Course[]>([]);
  const [pick, setPick] = useState("none");
  const [draft, setDraft] = useState<NewCourse>({ indication: "depression", planned_sessions: 6, started_on: today() });
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    api.patientCourses(patientId).then(
      (cs) => {
        setCourses(cs);
        // The latest course by default, unless the nurse chose already while this loaded.
        setPick((p) => (p === "none" && cs[0] ? cs[0].id : p));
      },
      (e) => setErr(errText(e)),
    );
  }, [patientId]);
  useEffect(() => {
    onChange(pick === "none" ? null : pick === "new" ? { create: draft } : { id: pick });
  }, [pick, draft]);
  return (
    <fieldset class="course-picker">
      <legend>Treatment course</legend>
      <div class="entry wide">
        <label for="course">Course</label>
        <select id="course" value={pick} onChange={(e) => setPick((e.currentTarget as HTMLSelectElement).value)}>
          <option value="none">Not part of a course</option>
          {courses.map((c) => (
            <option key={c.id} value={c.id}>
              {c.indication} · {c.protocol} · started {c.started_on} · {c.planned_sessions} planned
            </option>
          ))}
          <option value="new">Start a new course…</option>
        </select>
      </div>
      {pick === "new" && (
        <>
          <div class="entry">
            <label for="course-indication">Indication</label>
            <select
              id="course-indication"
              value={draft.indication}
              onChange={(e) => setDraft({ ...draft, indication: (e.currentTarget as HTMLSelectElement).value as NewCourse["indication"] })}
            >
              {INDICATIONS.map((i) => (
                <option key={i} value={i}>
                  {i.replace("_", " ")}
                </option>
              ))}
            </select>
          </div>
          <div class="entry">
            <label for="course-planned">Infusions planned</label>
            <input
              id="course-planned"
              type="number"
              min={1}
              max={50}
              value={draft.planned_sessions}
              onInput={(e) => setDraft({ ...draft, planned_sessions: Number((e.currentTarget as HTMLInputElement).value) })}
            />
          </div>
          <div class="entry">
            <label for="course-start">Course start</label>
            <input
              id="course-start"
              type="date"
              value={draft.started_on}
              onInput={(e) => setDraft({ ...draft, started_on: (e.currentTarget as HTMLInputElement).value })}
            />
          </div>
        </>
      )}
      {err && <p class="muted">{err}</p>}
    </fieldset>
  );
}
