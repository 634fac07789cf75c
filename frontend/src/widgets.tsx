// Small shared pieces: connection indicator, outbox status, alert row, error box.

import { useState } from "preact/hooks";
import { type Alert, ApiError, api, type Session } from "./api";
import { alertLabel, fmtClock, PRIORITY, timeSince } from "./format";
import type { LiveStatus } from "./live";
import type { OutboxItem, OutboxState } from "./outbox";

export function liveStatusText(s: LiveStatus): { icon: string; text: string; cls: string } {
  if (s.state === "live") return { icon: "●", text: "Live", cls: "ok" };
  if (s.state === "stale")
    return { icon: "⚠", text: `Stale since ${fmtClock(s.staleSince ?? s.lastMessageAt)} · reconnecting…`, cls: "bad" };
  if (s.state === "connecting")
    return s.lastSeq === null && s.attempts === 0
      ? { icon: "↻", text: "Connecting…", cls: "warn" }
      : { icon: "↻", text: "Reconnecting…", cls: "warn" };
  return { icon: "■", text: s.unauthorized ? "Signed out" : "Offline", cls: "bad" };
}

export function LiveIndicator({ status }: { status: LiveStatus }) {
  const t = liveStatusText(status);
  return (
    <span class={`live-status ${t.cls}`} data-testid="live-status" role="status" aria-live="polite">
      <span aria-hidden="true">{t.icon}</span> {t.text}
    </span>
  );
}

export function outboxText(s: OutboxState): string {
  const parts: string[] = [];
  if (!s.ready) parts.push("Outbox opening…");
  else if (s.failed.length) parts.push(`✘ ${s.failed.length} reading${s.failed.length > 1 ? "s" : ""} NOT saved: fix or discard below`);
  else if (s.pending === 0) parts.push("All readings synced ✓");
  if (s.pending) {
    const offline = s.retryReason === "Network unavailable";
    parts.push(
      `${offline ? "Queued (offline)" : "Queued"}: ${s.pending} waiting to sync${s.retryReason && !offline ? ` (${s.retryReason})` : ""}`,
    );
  }
  if (s.lastSyncedAt) parts.push(`last synced ${fmtClock(s.lastSyncedAt)}`);
  return parts.join(" · ");
}

function FailedReading({
  item,
  onFix,
  onDiscard,
}: {
  item: OutboxItem;
  onFix?: (item: OutboxItem) => void;
  onDiscard: (id: string, reason: string) => Promise<void>;
}) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const b = item.body;
  return (
    <li data-testid={`outbox-failed-${item.id}`}>
      <strong>✘ Not saved on the server:</strong> reading of {fmtClock(b.taken_at)} (HR {b.heart_rate}, BP {b.systolic}/{b.diastolic}, SpO₂{" "}
      {b.spo2}) — {item.error}
      <span class="row-actions">
        {onFix && (
          <button type="button" onClick={() => onFix(item)}>
            Fix in the form
          </button>
        )}
        <button type="button" aria-expanded={asking} onClick={() => setAsking((x) => !x)}>
          Discard…
        </button>
      </span>
      {asking && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            onDiscard(item.id, reason.trim()).then(
              () => setAsking(false),
              (err) => setError(errText(err)),
            );
          }}
        >
          <label>
            Why discard it? (recorded in the audit log)
            <input value={reason} minLength={3} onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <button type="submit" disabled={reason.trim().length < 3}>
            Discard with this reason
          </button>
          <ErrorBox error={error} />
        </form>
      )}
    </li>
  );
}

export function OutboxStatus({
  state,
  onDiscard,
  onFix,
}: {
  state: OutboxState;
  onDiscard: (id: string, reason: string) => Promise<void>;
  /** Load a refused reading back into the entry form (the nurse screen). */
  onFix?: (item: OutboxItem) => void;
}) {
  return (
    <div
      class={`outbox ${state.failed.length ? "has-failed" : state.pending ? "has-pending" : ""}`}
      data-testid="outbox-status"
      role="status"
      aria-live="polite"
    >
      <span>{outboxText(state)}</span>
      {state.failed.length > 0 && (
        <ul class="outbox-failed">
          {state.failed.map((f) => (
            <FailedReading key={f.id} item={f} onFix={onFix} onDiscard={onDiscard} />
          ))}
        </ul>
      )}
    </div>
  );
}

export function ErrorBox({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div class="error-box" role="alert">
      <span aria-hidden="true">✘ </span>
      {error}
    </div>
  );
}

export function errText(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message.includes("fetch") ? "Network unavailable; please try again." : e.message;
  return String(e);
}

export function PriorityBadge({ a }: { a: Pick<Alert, "priority"> }) {
  const p = PRIORITY[a.priority];
  return (
    <span class={`prio-badge prio-${a.priority}`} role="img" aria-label={p.aria}>
      <span aria-hidden="true">{p.icon}</span> {p.label}
    </span>
  );
}

export function AlertRow({
  alert,
  session,
  now,
  canAck,
  onAcked,
}: {
  alert: Alert;
  session?: Session;
  now: number;
  canAck: boolean;
  onAcked: (a: Alert) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState<string | null>(null);
  const [note, setNote] = useState("");
  // A safety alert (PHQ-9 item 9) is acknowledged only with a note of what was done.
  const needsNote = alert.kind === "safety";
  const ack = async () => {
    if (needsNote && !note.trim()) {
      setErr("Write what was done (who spoke to the patient, the plan) before acknowledging.");
      return;
    }
    setBusy(true);
    setErr(null);
    try {
      onAcked(await api.acknowledge(alert.id, needsNote ? note.trim() : undefined));
    } catch (e) {
      setErr(errText(e));
    } finally {
      setBusy(false);
    }
  };
  const escalated = alert.escalated && alert.state === "active";
  return (
    <li
      class={`alert-row prio-${alert.priority} state-${alert.state}${escalated ? " escalated" : ""}`}
      data-testid={`alert-${alert.id}`}
      data-priority={alert.priority}
      data-state={alert.state}
    >
      <div class="alert-main">
        <PriorityBadge a={alert} />
        {escalated && <span class="escalated-badge">▲ ESCALATED</span>}
        {alert.state === "acknowledged" && <span class="ack-badge">✓ Acknowledged</span>}
        <span class="alert-msg">{alert.message}</span>
        {alert.cleared_at && alert.state === "active" && (
          <span class="cleared-badge" data-testid="cleared">
            condition cleared — awaiting acknowledgement
          </span>
        )}
      </div>
      <div class="alert-meta">
        <a href={`#/sessions/${alert.session_id}`}>
          {session?.location ?? alert.location} · {session?.patient.full_name ?? alert.patient_name}
        </a>{" "}
        · raised {fmtClock(alert.raised_at)} ({timeSince(alert.raised_at, now)}){alert.count > 1 ? ` · ${alert.count} breaches` : ""}
      </div>
      <span class="sr-only">{alertLabel(alert)}</span>
      {canAck && alert.state === "active" && needsNote && (
        <label class="ack-note">
          Note (required)
          <textarea
            data-testid={`ack-note-${alert.id}`}
            rows={2}
            maxLength={2000}
            value={note}
            onInput={(e) => setNote((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
      )}
      {canAck && alert.state === "active" && (
        <button type="button" class="ack-btn" data-testid={`ack-${alert.id}`} disabled={busy} onClick={ack}>
          {busy ? "Acknowledging…" : "Acknowledge"}
        </button>
      )}
      <ErrorBox error={err} />
    </li>
  );
}
