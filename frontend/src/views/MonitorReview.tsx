// The nurse's check of what the bedside monitor sent: each reading is charted and alarms at once,
// and counts for the reading schedule once she validates it. One tap validates every ticked
// reading; a reading that is an artefact (probe off, cuff moved) is unticked, or rejected with a
// reason. Nothing is shown as done before the server says so.

import { useState } from "preact/hooks";
import { api, type Reading } from "../api";
import { fmtClock, fmtClockSeconds, fmtVital } from "../format";
import { pendingReview, readingCount } from "../review";
import { ErrorBox, errText } from "../widgets";

export function MonitorReview({ sessionId, readings, onChanged }: { sessionId: string; readings: Reading[]; onChanged: () => void }) {
  const pending = pendingReview(readings);
  // Unticked by the nurse; a reading that arrives later is ticked, and in the count she taps.
  const [skipped, setSkipped] = useState<Set<string>>(new Set());
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const chosen = pending.filter((r) => !skipped.has(r.id));

  if (!readings.some((r) => r.source === "device")) return null;

  const submit = async (outcome: "validated" | "rejected") => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const body = { reading_ids: chosen.map((r) => r.id), outcome, reason: outcome === "rejected" ? reason.trim() : null };
      const answer = await api.reviewReadings(sessionId, body);
      const n = answer.readings.length;
      setDone(
        outcome === "validated"
          ? `✓ Validated ${readingCount(n)} at ${fmtClock(Date.now())}`
          : `✘ Rejected ${readingCount(n)}: ${reason.trim()}`,
      );
      setSkipped(new Set());
      setRejecting(false);
      setReason("");
      onChanged();
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  const toggle = (id: string) =>
    setSkipped((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <section class="monitor-review" aria-labelledby="review-h" data-testid="monitor-review">
      <h2 id="review-h">Monitor readings to validate ({pending.length})</h2>
      {done && (
        <p class="review-done" role="status">
          {done}
        </p>
      )}
      {pending.length === 0 ? (
        <p class="muted">✓ Every monitor reading is validated.</p>
      ) : (
        <>
          <p class="muted">Charted and alarming already; they count for the reading schedule once you validate them.</p>
          <ol class="review-list">
            {[...pending].reverse().map((r) => (
              <li key={r.id}>
                <label>
                  <input type="checkbox" checked={!skipped.has(r.id)} onChange={() => toggle(r.id)} />
                  <span class="when">{fmtClockSeconds(r.taken_at)}</span>
                  <span>HR {fmtVital(r, "hr")}</span>
                  <span>BP {fmtVital(r, "bp")}</span>
                  <span>SpO₂ {fmtVital(r, "spo2")}</span>
                  <span>RR {fmtVital(r, "rr")}</span>
                </label>
              </li>
            ))}
          </ol>
          <div class="button-row">
            <button type="button" class="big primary" disabled={busy || chosen.length === 0} onClick={() => void submit("validated")}>
              ✓ Validate {readingCount(chosen.length)}
            </button>
            <button
              type="button"
              class="big"
              disabled={busy || chosen.length === 0}
              aria-expanded={rejecting}
              onClick={() => setRejecting((x) => !x)}
            >
              ✘ Reject {chosen.length}…
            </button>
          </div>
          {rejecting && (
            <form
              class="correction"
              aria-label="Reject monitor readings"
              onSubmit={(e) => {
                e.preventDefault();
                void submit("rejected");
              }}
            >
              <label>
                Why are these values not the patient's? (recorded in the audit log)
                <input
                  value={reason}
                  placeholder="e.g. probe off the finger"
                  onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
                />
              </label>
              <div class="button-row">
                <button type="submit" class="primary" disabled={busy || reason.trim().length < 3}>
                  Reject {readingCount(chosen.length)}
                </button>
                <button type="button" onClick={() => setRejecting(false)}>
                  Cancel
                </button>
              </div>
            </form>
          )}
        </>
      )}
      <ErrorBox error={error} />
    </section>
  );
}
