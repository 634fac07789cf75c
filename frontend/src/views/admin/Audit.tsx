// Admin: the audit log (filtered by day, user, action) and the hash chain's check.

import { useEffect, useState } from "preact/hooks";
import { type AuditEntry, api, type ChainCheck, dayRange } from "../../api";
import { fmtDateTime } from "../../format";
import { ErrorBox, errText } from "../../widgets";

export function chainText(c: ChainCheck): string {
  const anchored = c.anchored_id !== null ? `; anchored up to entry ${c.anchored_id} at ${fmtDateTime(c.anchored_at)}` : "";
  if (c.ok) return `✔ Hash chain intact (${c.checked} entries${anchored})`;
  return `✘ Hash chain BROKEN${c.first_bad_id !== null ? ` at entry ${c.first_bad_id}` : ""} — ${c.message}`;
}

function details(d: AuditEntry["details"]): string {
  return Object.keys(d).length ? JSON.stringify(d) : "";
}

export function Audit() {
  const [f, setF] = useState({ from: "", to: "", user: "", action: "" });
  const [rows, setRows] = useState<AuditEntry[]>([]);
  const [chain, setChain] = useState<ChainCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    setError(null);
    try {
      setRows(await api.audit({ ...dayRange(f.from, f.to), user: f.user, action: f.action }));
    } catch (e) {
      setError(errText(e));
    } finally {
      setBusy(false);
    }
  };
  const verify = () => api.auditVerify().then(setChain, (e) => setError(errText(e)));
  useEffect(() => {
    void load();
    void verify();
  }, []);
  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setF((old) => ({ ...old, [k]: v }));
  };
  return (
    <section aria-labelledby="audit-h">
      <h1 id="audit-h">Audit log</h1>
      <div class={`verify ${chain === null ? "" : chain.ok ? "met" : "unmet"}`} data-testid="audit-verify" role="status">
        {chain === null ? "Checking the hash chain…" : chainText(chain)}{" "}
        <button type="button" onClick={() => void verify()}>
          Verify again
        </button>
      </div>
      <form
        class="stack-form filters"
        onSubmit={(e) => {
          e.preventDefault();
          void load();
        }}
      >
        <div class="entry">
          <label for="au-from">From</label>
          <input id="au-from" type="date" value={f.from} onInput={set("from")} />
        </div>
        <div class="entry">
          <label for="au-to">To</label>
          <input id="au-to" type="date" value={f.to} onInput={set("to")} />
        </div>
        <div class="entry">
          <label for="au-user">User</label>
          <input id="au-user" type="text" value={f.user} onInput={set("user")} />
        </div>
        <div class="entry">
          <label for="au-action">Action</label>
          <input id="au-action" type="text" value={f.action} onInput={set("action")} />
        </div>
        <button type="submit" disabled={busy}>
          Filter
        </button>
      </form>
      <ErrorBox error={error} />
      <div class="table-scroll">
        <table class="data audit">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">At</th>
              <th scope="col">User</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Address</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <td>{r.id}</td>
                <td>{fmtDateTime(r.at)}</td>
                <td>{r.username ?? "—"}</td>
                <td>{r.action}</td>
                <td>{r.target_type ? `${r.target_type} ${r.target_id ?? ""}` : "—"}</td>
                <td>{r.outcome}</td>
                <td>{r.client_addr ?? "—"}</td>
                <td class="details">{details(r.details)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && !busy && <p class="muted">No entries.</p>}
    </section>
  );
}
