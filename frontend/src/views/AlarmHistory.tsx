// The chair's alarm history for one session, from GET /api/alerts?session_id: every alert with
// when it was raised, escalated, acknowledged (by whom), cleared and resolved (why).

import { useEffect, useState } from "preact/hooks";
import { type Alert, api } from "../api";
import { fmtClock } from "../format";
import { ErrorBox, errText, PriorityBadge } from "../widgets";

function When({ at, children }: { at: string | null | undefined; children?: preact.ComponentChildren }) {
  if (!at) return <span class="muted">—</span>;
  return (
    <>
      <time dateTime={at}>{fmtClock(at)}</time>
      {children}
    </>
  );
}

/** `version`: re-read whenever the session's timeline changes. */
export function AlarmHistory({ sessionId, version }: { sessionId: string; version: number }) {
  const [alerts, setAlerts] = useState<Alert[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let gone = false;
    api.sessionAlerts(sessionId).then(
      (xs) => {
        if (!gone) setAlerts(xs);
      },
      (e) => setError(`Alarm history could not be loaded: ${errText(e)}`),
    );
    return () => {
      gone = true;
    };
  }, [sessionId, version]);
  return (
    <section aria-labelledby="alarms-h" class="alarm-history">
      <h2 id="alarms-h">Alarm history</h2>
      <ErrorBox error={error} />
      {alerts === null ? (
        !error && <p class="muted">Loading…</p>
      ) : alerts.length === 0 ? (
        <p class="empty">✓ No alarms in this session</p>
      ) : (
        <div class="table-scroll">
          <table class="data alarm-table" data-testid="alarm-history">
            <thead>
              <tr>
                <th scope="col">Alarm</th>
                <th scope="col">Raised</th>
                <th scope="col">Escalated</th>
                <th scope="col">Acknowledged</th>
                <th scope="col">Cleared</th>
                <th scope="col">Resolved</th>
              </tr>
            </thead>
            <tbody>
              {alerts.map((a) => {
                return (
                  <tr key={a.id} class={`prio-${a.priority}`} data-testid={`alarm-${a.id}`} data-state={a.state}>
                    <td>
                      <PriorityBadge a={a} /> {a.message}
                      {a.count > 1 && <span class="muted"> · {a.count} readings</span>}
                    </td>
                    <td>
                      <When at={a.raised_at} />
                    </td>
                    <td>
                      <When at={a.escalated ? (a.escalated_at ?? a.updated_at) : null}> to the physician</When>
                    </td>
                    <td>
                      <When at={a.acknowledged_at}>
                        {" "}
                        by {a.acknowledged_by_name ?? "—"}
                        {a.ack_note && <span class="muted"> — “{a.ack_note}”</span>}
                      </When>
                    </td>
                    <td>
                      <When at={a.cleared_at} />
                    </td>
                    <td>
                      {a.state === "resolved" ? (
                        <When at={a.resolved_at}>{a.resolved_reason && <> — {a.resolved_reason}</>}</When>
                      ) : (
                        <strong>{a.state === "acknowledged" ? "open (acknowledged)" : "OPEN"}</strong>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
