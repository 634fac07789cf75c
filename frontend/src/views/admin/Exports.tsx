// Admin and physicians: downloads of one session or a date range, of one site or all the user's
// (the server keeps each user to their own sites; each export is audited).

import { useEffect, useState } from "preact/hooks";
import { api, dayRange, exportLinks, type Session, type Site } from "../../api";
import { fmtDateTime, phaseLabel } from "../../format";
import { ErrorBox, errText } from "../../widgets";

export function Exports() {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [error, setError] = useState<string | null>(null);
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [sites, setSites] = useState<Site[]>([]);
  const [site, setSite] = useState("");
  useEffect(() => {
    api.sites().then(setSites, (e) => setError(errText(e)));
  }, []);
  useEffect(() => {
    api.sessions(undefined, site || undefined).then(setSessions, (e) => setError(errText(e)));
  }, [site]);
  const days = dayRange(from, to);
  const siteName = sites.find((s) => s.id === site)?.name;
  return (
    <section aria-labelledby="exp-h">
      <h1 id="exp-h">Exports</h1>
      <p class="muted">Every export is audited.</p>
      <ErrorBox error={error} />
      {sites.length > 1 && (
        <div class="entry site-filter">
          <label for="exp-site">Site</label>
          <select id="exp-site" value={site} onChange={(e) => setSite((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">All my sites ({sites.length})</option>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <h2>Date range{siteName ? ` · ${siteName}` : ""}</h2>
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
          <a class="button" href={exportLinks.rangeCsv(days.from, days.to, site || undefined)} data-testid="export-range-csv">
            Download CSV
          </a>{" "}
          <a class="button" href={exportLinks.rangeFhir(days.from, days.to, site || undefined)} data-testid="export-range-fhir">
            Download FHIR NDJSON
          </a>
        </p>
      </div>
      <h2>Sessions{siteName ? ` · ${siteName}` : ""}</h2>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Created</th>
            <th scope="col">Patient</th>
            <th scope="col">Chair</th>
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
                <td>
                  {s.location}
                  {sites.length > 1 && <span class="muted"> · {sites.find((x) => x.id === s.site_id)?.name}</span>}
                </td>
                <td>{phaseLabel(s.phase, s.phase_labels)}</td>
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
