// Admin and physicians: downloads of one session or a date range (each export is audited).

import { useEffect, useState } from "preact/hooks";
import { api, dayRange, exportLinks, type Session } from "../../api";
import { fmtDateTime, phaseLabel } from "../../format";
import { ErrorBox, errText } from "../../widgets";

export function Exports() {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [error, setError] = useState<string | null>(null);
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  useEffect(() => {
    api.sessions().then(setSessions, (e) => setError(errText(e)));
  }, []);
  return (
    <section aria-labelledby="exp-h">
      <h1 id="exp-h">Exports</h1>
      <p class="muted">Every export is audited.</p>
      <ErrorBox error={error} />
      <h2>Date range</h2>
      <div class="stack-form">
        <div class="entry">
          <label for="exp-from">From</label>
          <input id="exp-from" type="date" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="entry">
          <label for="exp-to">To</label>
          <input id="exp-to" type="date" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <p>
          <a class="button" href={exportLinks.rangeCsv(dayRange(from, to).from, dayRange(from, to).to)} data-testid="export-range-csv">
            Download CSV
          </a>{" "}
          <a class="button" href={exportLinks.rangeFhir(dayRange(from, to).from, dayRange(from, to).to)}>
            Download FHIR NDJSON
          </a>
        </p>
      </div>
      <h2>Sessions</h2>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Patient</th>
            <th scope="col">Location</th>
            <th scope="col">Phase</th>
            <th scope="col">Export</th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((s) => {
            const l = exportLinks.session(s.id);
            return (
              <tr key={s.id}>
                <td>{fmtDateTime(s.created_at)}</td>
                <td>
                  <a href={`#/sessions/${s.id}`}>{s.patient.full_name}</a>
                </td>
                <td>{s.location}</td>
                <td>{phaseLabel(s.phase)}</td>
                <td>
                  <a href={l.pdf}>PDF</a> · <a href={l.csv}>CSV</a> · <a href={l.json}>JSON</a> · <a href={l.fhir}>FHIR</a>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {sessions.length === 0 && <p class="muted">No sessions yet.</p>}
    </section>
  );
}
