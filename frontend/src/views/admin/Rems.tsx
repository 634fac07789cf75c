// Admin: the Spravato REMS Patient Monitoring Forms due (GET /api/rems/due): each discharged
// Spravato session's form is due 7 days after discharge; download it pre-filled, send it, mark it.

import { useEffect, useState } from "preact/hooks";
import { api, exportLinks, type RemsDue } from "../../api";
import { fmtDateTime } from "../../format";
import { isOverdue, sortRems, timeLeftText } from "../../rems";
import { ErrorBox, errText } from "../../widgets";

function MarkSubmitted({ row, onMarked }: { row: RemsDue; onMarked: (r: RemsDue) => void }) {
  const [asking, setAsking] = useState(false);
  const [reference, setReference] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const formId = `rems-mark-${row.session_id}`;
  return (
    <>
      ✘ Not yet{" "}
      <button type="button" aria-expanded={asking} aria-controls={formId} onClick={() => setAsking((x) => !x)}>
        Mark submitted…
      </button>
      {asking && (
        <form
          id={formId}
          class="inline-form"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            try {
              onMarked(await api.remsSubmitted(row.session_id, { reference: reference.trim() || null }));
            } catch (err) {
              setError(errText(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          <div class="entry">
            <label for={`${formId}-ref`}>Portal or fax reference (optional)</label>
            <input
              id={`${formId}-ref`}
              type="text"
              maxLength={120}
              value={reference}
              onInput={(e) => setReference((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
          <button type="submit" class="primary" disabled={busy}>
            Confirm submitted
          </button>
          <ErrorBox error={error} />
        </form>
      )}
    </>
  );
}

export function Rems() {
  const [rows, setRows] = useState<RemsDue[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  useEffect(() => {
    api.remsDue().then(setRows, (e) => setError(errText(e)));
  }, []);
  const now = Date.now();
  const marked = (r: RemsDue) => {
    setRows((rs) => rs?.map((x) => (x.session_id === r.session_id ? r : x)) ?? [r]);
    setMsg(`Marked the form of ${r.patient_name} submitted.`);
  };

  return (
    <section aria-labelledby="rems-h">
      <h1 id="rems-h">Spravato REMS forms</h1>
      <p class="muted">
        Each Spravato session discharged in the last 14 days, with its REMS Patient Monitoring Form, due 7 days after discharge. Download it
        pre-filled, complete what Vigil does not record (the device lot number, for one), submit it on the REMS portal or by fax, then mark
        it submitted here. Downloads and marks are audited.
      </p>
      <ErrorBox error={error} />
      {msg && (
        <p role="status" data-testid="rems-msg">
          ✓ {msg}
        </p>
      )}
      {rows && rows.length === 0 && <p class="empty">No Spravato session was discharged in the last 14 days.</p>}
      {rows && rows.length > 0 && (
        <table class="data rems" data-testid="rems">
          <thead>
            <tr>
              <th scope="col">Patient</th>
              <th scope="col">Discharged</th>
              <th scope="col">Due by</th>
              <th scope="col">Days left</th>
              <th scope="col">Submitted</th>
              <th scope="col">Form</th>
            </tr>
          </thead>
          <tbody>
            {sortRems(rows, now).map((r) => {
              const late = isOverdue(r, now);
              return (
                <tr key={r.session_id} class={late ? "is-overdue" : undefined} data-testid={`rems-${r.session_id}`}>
                  <td>
                    <a href={`#/sessions/${r.session_id}`}>{r.patient_name}</a>
                    <div class="muted">MRN {r.mrn}</div>
                  </td>
                  <td>{fmtDateTime(r.discharged_at)}</td>
                  <td>{fmtDateTime(r.due_at)}</td>
                  <td data-testid="rems-left">
                    {late ? (
                      <strong class="overdue-badge">⚠ {timeLeftText(r, now)}</strong>
                    ) : (
                      (timeLeftText(r, now) ?? <span class="muted">— sent</span>)
                    )}
                  </td>
                  <td data-testid="rems-submitted">
                    {r.submitted_at ? (
                      <>
                        ✓ {fmtDateTime(r.submitted_at)} by {r.submitted_by}
                        {r.reference && <div class="muted">ref. {r.reference}</div>}
                      </>
                    ) : (
                      <MarkSubmitted row={r} onMarked={marked} />
                    )}
                  </td>
                  <td>
                    <a href={exportLinks.remsForm(r.session_id)} download aria-label={`Download PDF: the REMS form of ${r.patient_name}`}>
                      PDF
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
