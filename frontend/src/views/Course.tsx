// A treatment course: outcome per scale, its trend with the infusions marked, the infusions,
// every questionnaire, staff entry of a scale, and handing the tablet to the patient.

import { useEffect, useState } from "preact/hooks";
import { api, exportLinks } from "../api";
import { TrendChart } from "../charts";
import { type CourseDetail, collectAnswers, PATIENT_MODE_KEY, type ScaleCode, type ScaleOut, trendOf } from "../courses";
import { fmtDateTime, phaseLabel } from "../format";
import { canEnter, canExport, useServices } from "../services";
import { ErrorBox, errText } from "../widgets";

const SHORT: Record<ScaleCode, string> = { phq9: "PHQ-9", gad7: "GAD-7", pcl5: "PCL-5" };

function yesNo(flag: boolean | null | undefined): string {
  return flag ? "✓ yes" : "✗ no";
}

export function ScaleForm({
  scale,
  picked,
  onPick,
}: {
  scale: ScaleOut;
  picked: Record<number, number>;
  onPick: (item: number, value: number) => void;
}) {
  return (
    <fieldset class="scale-form" data-testid={`scale-${scale.code}`}>
      <legend>{scale.title}</legend>
      <p class="scale-stem">{scale.stem}</p>
      <ol class="scale-items">
        {scale.items.map((item) => (
          <li key={item.number} class="scale-item">
            <span class="item-text" id={`${scale.code}-q${item.number}`}>
              {item.text}
            </span>
            <span class="options" role="radiogroup" aria-labelledby={`${scale.code}-q${item.number}`}>
              {scale.options.map((label, value) => (
                <label key={label} class={`option${picked[item.number] === value ? " picked" : ""}`}>
                  <input
                    type="radio"
                    name={`${scale.code}-${item.number}`}
                    checked={picked[item.number] === value}
                    onChange={() => onPick(item.number, value)}
                  />
                  {label}
                </label>
              ))}
            </span>
          </li>
        ))}
      </ol>
    </fieldset>
  );
}

function StaffEntry({ course, scales, onSaved }: { course: CourseDetail; scales: ScaleOut[]; onSaved: () => void }) {
  const visits = course.sessions;
  const [sessionId, setSessionId] = useState(visits[visits.length - 1]?.id ?? "");
  const [code, setCode] = useState<ScaleCode>("phq9");
  const [picked, setPicked] = useState<Record<number, number>>({});
  const [err, setErr] = useState<string | null>(null);
  const scale = scales.find((s) => s.code === code);
  if (!scale || visits.length === 0) return <p class="muted">A questionnaire is taken at a visit: start a session of this course first.</p>;
  const save = async () => {
    const answers = collectAnswers(scale, picked);
    if (!Array.isArray(answers)) {
      setErr(`Answer every item; still open: ${answers.missing.join(", ")}.`);
      return;
    }
    try {
      await api.respond(course.id, { scale: code, session_id: sessionId, answers });
      setPicked({});
      setErr(null);
      onSaved();
    } catch (e) {
      setErr(errText(e));
    }
  };
  return (
    <section class="staff-entry" aria-labelledby="entry-h">
      <h2 id="entry-h">Enter a questionnaire</h2>
      <label>
        Visit{" "}
        <select value={sessionId} onChange={(e) => setSessionId((e.currentTarget as HTMLSelectElement).value)}>
          {visits.map((s) => (
            <option key={s.id} value={s.id}>
              #{s.number} · {fmtDateTime(s.created_at)}
            </option>
          ))}
        </select>
      </label>{" "}
      <label>
        Scale{" "}
        <select
          value={code}
          onChange={(e) => {
            setCode((e.currentTarget as HTMLSelectElement).value as ScaleCode);
            setPicked({});
          }}
        >
          {scales.map((s) => (
            <option key={s.code} value={s.code}>
              {s.title}
            </option>
          ))}
        </select>
      </label>
      <ScaleForm scale={scale} picked={picked} onPick={(n, v) => setPicked({ ...picked, [n]: v })} />
      <ErrorBox error={err} />
      <button type="button" class="primary" onClick={save}>
        Save {SHORT[code]}
      </button>
    </section>
  );
}

function HandOver({ course }: { course: CourseDetail }) {
  const visits = course.sessions;
  const [chosen, setChosen] = useState<ScaleCode[]>(course.indication === "ptsd" ? ["phq9", "pcl5"] : ["phq9", "gad7"]);
  const [err, setErr] = useState<string | null>(null);
  const visit = visits[visits.length - 1];
  if (!visit) return null;
  const start = async () => {
    try {
      const link = await api.openQuestionnaireLink(course.id, { session_id: visit.id, scales: chosen });
      sessionStorage.setItem(PATIENT_MODE_KEY, link.token);
      // The staff login ends here: leaving patient mode takes a staff sign-in.
      await api.logout().catch(() => undefined);
      location.replace("#/");
      location.reload();
    } catch (e) {
      setErr(errText(e));
    }
  };
  return (
    <section class="hand-over" aria-labelledby="hand-h">
      <h2 id="hand-h">Patient mode</h2>
      <p>The tablet shows only the questionnaires, for visit #{visit.number}; you are signed out and sign in again to leave it.</p>
      {(Object.keys(SHORT) as ScaleCode[]).map((c) => (
        <label key={c} class="check">
          <input
            type="checkbox"
            checked={chosen.includes(c)}
            onChange={(e) => setChosen((e.currentTarget as HTMLInputElement).checked ? [...chosen, c] : chosen.filter((x) => x !== c))}
          />{" "}
          {SHORT[c]}
        </label>
      ))}
      <ErrorBox error={err} />
      <button type="button" class="primary" disabled={chosen.length === 0} onClick={start}>
        Hand tablet to patient
      </button>
    </section>
  );
}

export function CourseView({ id }: { id: string }) {
  const { user } = useServices();
  const [course, setCourse] = useState<CourseDetail | null>(null);
  const [scales, setScales] = useState<ScaleOut[]>([]);
  const [err, setErr] = useState<string | null>(null);
  const load = () =>
    api.course(id).then(
      (c) => setCourse(c),
      (e) => setErr(errText(e)),
    );
  useEffect(() => {
    void load();
    api.scales().then(setScales, (e) => setErr(errText(e)));
  }, [id]);
  if (!course) return err ? <ErrorBox error={err} /> : <p class="loading">Loading…</p>;
  const p = course.patient;
  const links = exportLinks.course(course.id);
  const maxOf = (code: ScaleCode) => scales.find((s) => s.code === code)?.max_total ?? 80;
  return (
    <div class="course">
      <div class="detail-head">
        <h1>
          Treatment course · {p.full_name}{" "}
          <span class="muted">
            MRN {p.mrn} · born {p.date_of_birth}
          </span>
        </h1>
      </div>
      <ErrorBox error={err} />
      <p class="session-facts">
        {course.indication} · protocol {course.protocol} · started {course.started_on} · {course.sessions.length} of{" "}
        {course.planned_sessions} planned infusions
      </p>
      <section class="outcomes" aria-labelledby="outcome-h">
        <h2 id="outcome-h">Outcome</h2>
        {course.outcomes.length === 0 && <p class="muted">Fewer than two responses of any scale yet.</p>}
        <ul>
          {course.outcomes.map((o) => (
            <li key={o.scale} data-testid={`outcome-${o.scale}`}>
              <strong>{SHORT[o.scale]}</strong> {o.baseline} → {o.latest} ({o.change > 0 ? "+" : ""}
              {o.change})
              {o.response !== null && (
                <>
                  {" "}
                  · response {yesNo(o.response)} · remission {yesNo(o.remission)}
                </>
              )}
            </li>
          ))}
        </ul>
      </section>
      <section class="trends" aria-label="Trends">
        {(Object.keys(SHORT) as ScaleCode[])
          .filter((code) => course.responses.some((r) => r.scale === code))
          .map((code) => {
            const t = trendOf(course, code);
            return (
              <figure key={code} class="trend">
                <figcaption>{SHORT[code]} total (dashed: infusions)</figcaption>
                <TrendChart xs={t.xs} totals={t.totals} infusions={t.infusions} max={maxOf(code)} label={SHORT[code]} />
              </figure>
            );
          })}
      </section>
      <section aria-labelledby="inf-h">
        <h2 id="inf-h">Infusions</h2>
        <table class="grid" data-testid="course-sessions">
          <thead>
            <tr>
              <th>#</th>
              <th>Date</th>
              <th>Phase</th>
              <th>Dose</th>
              <th>Peak BP</th>
              <th>Lowest SpO₂</th>
              <th>Alerts</th>
              <th>Side effects</th>
            </tr>
          </thead>
          <tbody>
            {course.sessions.map((s) => (
              <tr key={s.id}>
                <td>
                  <a href={`#/sessions/${s.id}`}>#{s.number}</a>
                </td>
                <td>{fmtDateTime(s.infusion_started_at ?? s.created_at)}</td>
                <td>{phaseLabel(s.phase)}</td>
                <td>
                  {s.drug} {s.planned_dose_mg} mg planned
                  {s.delivered_mg !== null && `, ${s.delivered_mg} mg given`}
                </td>
                <td>{s.peak_bp ? `${s.peak_bp.systolic}/${s.peak_bp.diastolic}` : "—"}</td>
                <td>{s.lowest_spo2 ?? "—"}</td>
                <td>{s.alert_count}</td>
                <td>{s.side_effects.join("; ") || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="q-h">
        <h2 id="q-h">Questionnaires</h2>
        <table class="grid" data-testid="course-responses">
          <thead>
            <tr>
              <th>Taken</th>
              <th>Scale</th>
              <th>Total</th>
              <th>Band</th>
              <th>Item 9</th>
              <th>By</th>
            </tr>
          </thead>
          <tbody>
            {course.responses.map((r) => (
              <tr key={r.id} class={r.self_harm ? "self-harm" : ""}>
                <td>{fmtDateTime(r.taken_at)}</td>
                <td>{SHORT[r.scale]}</td>
                <td>
                  {r.total} / {r.max_total}
                </td>
                <td>{r.band}</td>
                <td>{r.scale === "phq9" ? (r.self_harm ? `⚠ ${r.answers[8]} — alert raised` : r.answers[8]) : "—"}</td>
                <td>{r.source === "patient" ? "patient (tablet)" : "staff"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {canExport(user) && (
        <p class="exports">
          Export: <a href={links.pdf}>Course report (PDF)</a> · <a href={links.csv}>Scores (CSV)</a> · <a href={links.fhir}>FHIR</a>
        </p>
      )}
      {canEnter(user) && scales.length > 0 && (
        <>
          <HandOver course={course} />
          <StaffEntry course={course} scales={scales} onSaved={() => void load()} />
        </>
      )}
    </div>
  );
}
