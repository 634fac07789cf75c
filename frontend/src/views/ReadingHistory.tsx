// The session's readings, newest first, with their history (corrected, entered in error) and the
// nurse's corrections: amend with a reason, entered in error with a reason, and before the
// infusion, another pre-infusion reading as the baseline. Nothing is edited in place.

import { useMemo, useState } from "preact/hooks";
import { type AlertRule, api, type Reading, type ReadingAmend, type SessionDetail } from "../api";
import { checkEntry, type EntryField, type EntryValues, fmtClock, fmtClockSeconds, fmtVital, PLAUSIBLE, sourceText } from "../format";
import { ErrorBox, errText } from "../widgets";
import { bodyToValues } from "./ReadingForm";

type Action = "amend" | "error" | "baseline";

const AMEND_FIELDS: [EntryField, keyof ReadingAmend][] = [
  ["hr", "heart_rate"],
  ["sbp", "systolic"],
  ["dbp", "diastolic"],
  ["spo2", "spo2"],
  ["rr", "respiratory_rate"],
  ["temp", "temperature_c"],
];

function statusText(r: Reading, byId: Map<string, Reading>): string {
  if (r.status === "entered_in_error") return `Entered in error: ${r.error_reason ?? ""}`;
  if (r.status === "amended") {
    const by = r.amended_by ? byId.get(r.amended_by) : undefined;
    return `Corrected${by ? ` at ${fmtClock(by.recorded_at)}: ${by.amend_reason ?? ""}` : ""}`;
  }
  return r.amends ? `Correction: ${r.amend_reason ?? ""}` : "";
}

function CorrectionForm({
  session,
  reading,
  action,
  rules,
  onDone,
}: {
  session: SessionDetail;
  reading: Reading;
  action: Action;
  rules: AlertRule[];
  onDone: () => void;
}) {
  const [values, setValues] = useState<EntryValues>(bodyToValues(reading));
  const [reason, setReason] = useState("");
  const [confirmValue, setConfirmValue] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = checkEntry(values, rules);
  // The boxes this correction changes: only those are sent, and only those the server asks to confirm.
  const changed = AMEND_FIELDS.filter(([f, k]) => {
    const v = values[f]?.trim() ? Number(values[f]?.replace(",", ".")) : null;
    return v !== (reading[k as keyof Reading] ?? null);
  });
  const implausible =
    action === "amend" ? changed.some(([f]) => check.fields[f]?.confirm) : Object.values(check.fields).some((c) => c?.confirm);
  const ready = reason.trim().length >= 3 && (action !== "amend" || (check.ok && (!implausible || confirmValue)));

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      if (action === "amend") {
        const body: ReadingAmend = { reason: reason.trim(), id: crypto.randomUUID() };
        for (const [f, k] of changed)
          (body as Record<string, unknown>)[k] = values[f]?.trim() ? Number(values[f]?.replace(",", ".")) : null;
        if (implausible && confirmValue) body.confirm_value = true;
        await api.amendReading(session.id, reading.id, body);
      } else if (action === "error") {
        await api.enteredInError(session.id, reading.id, reason.trim());
      } else {
        await api.chooseBaseline(session.id, reading.id, reason.trim(), confirmValue);
      }
      onDone();
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };

  const title = { amend: "Correct this reading", error: "Mark as entered in error", baseline: "Use as the baseline" }[action];
  return (
    <form class="correction" onSubmit={submit} aria-label={title} data-testid={`correction-${action}`}>
      <strong>{title}</strong>
      {action === "amend" && (
        <div class="entry-grid compact">
          {AMEND_FIELDS.map(([f]) => {
            const c = check.fields[f];
            return (
              <div class={`entry ${c?.error ? "error" : ""}`} key={f}>
                <label for={`amend-${f}`}>{PLAUSIBLE[f].label}</label>
                <input
                  id={`amend-${f}`}
                  type="text"
                  inputMode={f === "temp" ? "decimal" : "numeric"}
                  value={values[f] ?? ""}
                  onInput={(e) => setValues((v) => ({ ...v, [f]: (e.currentTarget as HTMLInputElement).value }))}
                />
                {(c?.error ?? c?.confirm) && <div class="field-msg error">{c?.error ?? c?.confirm}</div>}
              </div>
            );
          })}
        </div>
      )}
      {action !== "error" && implausible && (
        <label class="confirm-value">
          <input type="checkbox" checked={confirmValue} onChange={(e) => setConfirmValue((e.currentTarget as HTMLInputElement).checked)} />
          {action === "baseline"
            ? "Confirm the implausible value: use it as the baseline all the same"
            : "Confirm the implausible value: it is what was measured"}
        </label>
      )}
      <label>
        Reason (recorded in the audit log)
        <input value={reason} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
      </label>
      <div class="button-row">
        <button type="submit" class="primary" disabled={busy || !ready}>
          {title}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

/** `readings`: the session's readings as the server stored them (every status), in any order. */
export function ReadingHistory({
  session,
  readings,
  rules,
  onChanged,
}: {
  session: SessionDetail;
  readings: Reading[] | null;
  /** The patient's effective alert rules: a corrected value that would alarm is flagged. */
  rules: AlertRule[];
  onChanged: () => void;
}) {
  const [open, setOpen] = useState<{ id: string; action: Action } | null>(null);
  const newest = useMemo(
    () =>
      readings ? [...readings].sort((a, b) => b.taken_at.localeCompare(a.taken_at) || b.recorded_at.localeCompare(a.recorded_at)) : null,
    [readings],
  );

  const byId = new Map((newest ?? []).map((r) => [r.id, r]));
  const canPickBaseline = session.phase === "pre_infusion";
  return (
    <section class="reading-history" aria-labelledby="history-h">
      <h2 id="history-h">Readings ({newest?.length ?? "…"})</h2>
      {newest?.length === 0 && <p class="muted">None stored yet.</p>}
      <ol>
        {(newest ?? []).map((r) => {
          const current = r.status === "final";
          const note = statusText(r, byId);
          return (
            <li key={r.id} class={`reading-row ${current ? "" : "superseded"}`} data-testid={`reading-${r.id}`}>
              <div class="reading-line">
                <span class="when">{r.source === "device" ? fmtClockSeconds(r.taken_at) : fmtClock(r.taken_at)}</span>
                <span>HR {fmtVital(r, "hr")}</span>
                <span>BP {fmtVital(r, "bp")}</span>
                <span>SpO₂ {fmtVital(r, "spo2")}</span>
                <span>RR {fmtVital(r, "rr")}</span>
                {r.is_baseline && <span class="badge">★ Baseline</span>}
                {r.late_reason && (
                  <span class="badge late" data-testid="late-marker" title={`Entered after the session ended: ${r.late_reason}`}>
                    LATE ENTRY: {r.late_reason}
                  </span>
                )}
                {r.source === "device" && (
                  <span class={`badge device ${r.validated_at ? "validated" : ""}`} data-testid="device-mark">
                    {sourceText(r)}
                  </span>
                )}
                {note && <span class="muted">{note}</span>}
              </div>
              {current && (
                <div class="row-actions">
                  <button type="button" onClick={() => setOpen({ id: r.id, action: "amend" })}>
                    Correct…
                  </button>
                  <button type="button" onClick={() => setOpen({ id: r.id, action: "error" })}>
                    Entered in error…
                  </button>
                  {canPickBaseline && r.phase === "pre_infusion" && r.complete && !r.is_baseline && (
                    <button type="button" onClick={() => setOpen({ id: r.id, action: "baseline" })}>
                      Use as baseline…
                    </button>
                  )}
                </div>
              )}
              {open?.id === r.id && (
                <CorrectionForm
                  session={session}
                  reading={r}
                  action={open.action}
                  rules={rules}
                  onDone={() => {
                    setOpen(null);
                    onChanged();
                  }}
                />
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
