// Admin pages: users, clinic alert limits, exports, audit log.

import { useEffect, useMemo, useState } from "preact/hooks";
import { api, dayRange, exportLinks, type Role, type Session, type User } from "../api";
import { fmtDateTime, phaseLabel } from "../format";
import { canExport, useServices } from "../services";
import { ErrorBox, errText } from "../widgets";

const TABS = [
  { key: "users", label: "Users", admin: true },
  { key: "rules", label: "Alert limits", admin: true },
  { key: "exports", label: "Exports", admin: false },
  { key: "audit", label: "Audit log", admin: true },
] as const;

export function Admin({ tab }: { tab: string }) {
  const { user } = useServices();
  const tabs = TABS.filter((t) => (t.admin ? user.role === "admin" : canExport(user)));
  const current = tabs.find((t) => t.key === tab) ?? tabs[0];
  return (
    <div class="admin">
      <nav class="tabs" aria-label="Administration">
        {tabs.map((t) => (
          <a key={t.key} href={`#/admin/${t.key}`} aria-current={t.key === current?.key ? "page" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {current?.key === "users" && <Users />}
      {current?.key === "rules" && <AlertRules />}
      {current?.key === "exports" && <Exports />}
      {current?.key === "audit" && <Audit />}
    </div>
  );
}

const ROLES: Role[] = ["nurse", "physician", "admin"];

function Users() {
  const { user: me } = useServices();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [f, setF] = useState({ username: "", display_name: "", role: "nurse" as Role, password: "" });
  const [msg, setMsg] = useState<string | null>(null);
  const load = () => api.users().then(setUsers, (e) => setError(errText(e)));
  useEffect(() => void load(), []);

  const patch = async (u: User, p: Partial<{ role: Role; active: boolean; password: string }>) => {
    setError(null);
    setMsg(null);
    try {
      await api.updateUser(u.id, p);
      setMsg(`Updated ${u.username}.`);
      await load();
    } catch (e) {
      setError(errText(e));
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMsg(null);
    try {
      const u = await api.createUser(f);
      setMsg(`Created ${u.username}.`);
      setF({ username: "", display_name: "", role: "nurse", password: "" });
      await load();
    } catch (err) {
      setError(errText(err));
    }
  };
  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setF((old) => ({ ...old, [k]: v }));
  };

  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h">Users</h1>
      <ErrorBox error={error} />
      {msg && <p role="status">✓ {msg}</p>}
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={String(u.id)} data-testid={`user-${u.username}`}>
              <td>{u.username}</td>
              <td>{u.display_name}</td>
              <td>
                <label class="sr-only" for={`role-${u.id}`}>
                  Role of {u.username}
                </label>
                <select
                  id={`role-${u.id}`}
                  value={u.role}
                  disabled={String(u.id) === String(me.id)}
                  onChange={(e) => void patch(u, { role: (e.currentTarget as HTMLSelectElement).value as Role })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>{u.active ? "✔ active" : "✘ deactivated"}</td>
              <td>
                {String(u.id) !== String(me.id) && (
                  <button type="button" onClick={() => void patch(u, { active: !u.active })}>
                    {u.active ? "Deactivate" : "Reactivate"}
                  </button>
                )}{" "}
                <button
                  type="button"
                  onClick={() => {
                    const p = prompt(`New password for ${u.username} (at least 12 characters)`);
                    if (p) void patch(u, { password: p });
                  }}
                >
                  Set password
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New user</h2>
      <form class="stack-form" onSubmit={create}>
        <div class="entry">
          <label for="nu-username">Username</label>
          <input id="nu-username" type="text" autoComplete="off" required value={f.username} onInput={set("username")} />
        </div>
        <div class="entry">
          <label for="nu-name">Display name</label>
          <input id="nu-name" type="text" required value={f.display_name} onInput={set("display_name")} />
        </div>
        <div class="entry">
          <label for="nu-role">Role</label>
          <select id="nu-role" value={f.role} onChange={set("role")}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div class="entry">
          <label for="nu-password">Password</label>
          <input
            id="nu-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            aria-describedby="nu-password-hint"
            value={f.password}
            onInput={set("password")}
          />
          <span id="nu-password-hint" class="muted">
            at least 12 characters
          </span>
        </div>
        <button type="submit" class="primary">
          Create user
        </button>
      </form>
    </section>
  );
}

type Row = Record<string, unknown>;
type Shape = { kind: "array" } | { kind: "wrapped"; key: string; rest: Row } | { kind: "map"; keyName: string };

const READ_ONLY = new Set(["id", "code", "rule", "key", "name", "label", "description", "kind", "parameter", "updated_at", "updated_by"]);
const OPS = [">", ">=", "<", "<="];

type Threshold = { op: string; value: number | string | null };
function isThreshold(v: unknown): v is Threshold {
  return !!v && typeof v === "object" && "op" in v && "value" in v;
}

/** Accept the rules as a list, `{rules: [...]}`, or a map keyed by rule name. */
export function rulesToRows(x: unknown): { rows: Row[]; shape: Shape } {
  if (Array.isArray(x)) return { rows: x as Row[], shape: { kind: "array" } };
  if (x && typeof x === "object") {
    const o = x as Row;
    for (const [k, v] of Object.entries(o))
      if (Array.isArray(v)) {
        const rest = { ...o };
        delete rest[k];
        return { rows: v as Row[], shape: { kind: "wrapped", key: k, rest } };
      }
    return {
      rows: Object.entries(o).map(([k, v]) => ({ rule: k, ...(v && typeof v === "object" ? (v as Row) : { value: v }) })),
      shape: { kind: "map", keyName: "rule" },
    };
  }
  return { rows: [], shape: { kind: "array" } };
}

export function rowsToRules(rows: Row[], shape: Shape): unknown {
  if (shape.kind === "array") return rows;
  if (shape.kind === "wrapped") return { ...shape.rest, [shape.key]: rows };
  return Object.fromEntries(
    rows.map((r) => {
      const { [shape.keyName]: k, ...rest } = r;
      return [String(k), "value" in rest && Object.keys(rest).length === 1 ? rest.value : rest];
    }),
  );
}

function AlertRules() {
  const [rows, setRows] = useState<Row[]>([]);
  const [shape, setShape] = useState<Shape>({ kind: "array" });
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const load = () =>
    api.alertRules().then(
      (x) => {
        const r = rulesToRows(x);
        setRows(r.rows);
        setShape(r.shape);
        setDirty(false);
      },
      (e) => setError(errText(e)),
    );
  useEffect(() => void load(), []);

  const columns = useMemo(() => {
    const cols: string[] = [];
    for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
    return cols;
  }, [rows]);
  const numericCols = useMemo(() => new Set(columns.filter((c) => rows.some((r) => typeof r[c] === "number"))), [columns, rows]);
  const thresholdCols = useMemo(() => new Set(columns.filter((c) => rows.some((r) => isThreshold(r[c])))), [columns, rows]);

  const edit = (i: number, c: string, v: unknown) => {
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [c]: v } : r)));
    setDirty(true);
    setMsg(null);
  };
  const save = async () => {
    setError(null);
    try {
      const x = await api.putAlertRules(rowsToRules(rows, shape));
      if (x !== undefined && x !== null) {
        const r = rulesToRows(x);
        setRows(r.rows);
        setShape(r.shape);
      }
      setDirty(false);
      setMsg("Saved ✓ (the change is audited)");
    } catch (e) {
      setError(errText(e));
    }
  };

  const cell = (r: Row, i: number, c: string) => {
    const v = r[c];
    const id = `rule-${i}-${c}`;
    const label = `${String(r.code ?? r.rule ?? r.key ?? r.name ?? r.id ?? i)} ${c}`;
    if (thresholdCols.has(c) && (v === null || isThreshold(v))) {
      // {op, value} or null (no threshold at this priority): op select + number; empty number = none
      const t = v as Threshold | null;
      const fallbackOp = (rows.map((x) => x[c]).find(isThreshold) as Threshold | undefined)?.op ?? ">=";
      return (
        <span class="threshold">
          <select
            id={`${id}-op`}
            aria-label={`${label} comparison`}
            value={t?.op ?? fallbackOp}
            onChange={(e) => {
              const op = (e.currentTarget as HTMLSelectElement).value;
              if (t) edit(i, c, { ...t, op });
            }}
            disabled={!t}
          >
            {OPS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
          <input
            id={id}
            class="num"
            type="text"
            inputMode="decimal"
            aria-label={`${label} limit`}
            value={t?.value === null || t?.value === undefined ? "" : String(t.value)}
            placeholder="none"
            onInput={(e) => {
              const s = (e.currentTarget as HTMLInputElement).value.trim().replace(",", ".");
              if (s === "") edit(i, c, null);
              else edit(i, c, { op: t?.op ?? fallbackOp, value: Number.isNaN(Number(s)) ? s : Number(s) });
            }}
          />
        </span>
      );
    }
    if (READ_ONLY.has(c) || (v !== null && typeof v === "object"))
      return <span>{typeof v === "object" && v !== null ? JSON.stringify(v) : String(v ?? "")}</span>;
    if (typeof v === "boolean")
      return (
        <input
          id={id}
          type="checkbox"
          aria-label={label}
          checked={v}
          onChange={(e) => edit(i, c, (e.currentTarget as HTMLInputElement).checked)}
        />
      );
    if (numericCols.has(c) || v === null)
      return (
        <input
          id={id}
          class="num"
          type="text"
          inputMode="decimal"
          aria-label={label}
          value={v === null || v === undefined ? "" : String(v)}
          onInput={(e) => {
            const s = (e.currentTarget as HTMLInputElement).value.trim().replace(",", ".");
            edit(i, c, s === "" ? null : Number.isNaN(Number(s)) ? s : Number(s));
          }}
        />
      );
    return (
      <input
        id={id}
        type="text"
        aria-label={label}
        value={String(v ?? "")}
        onInput={(e) => edit(i, c, (e.currentTarget as HTMLInputElement).value)}
      />
    );
  };

  return (
    <section aria-labelledby="rules-h">
      <h1 id="rules-h">Clinic alert limits</h1>
      <p class="muted">Clinic-wide defaults. Empty = no limit. Per-patient overrides are set by a physician.</p>
      <ErrorBox error={error} />
      {msg && <p role="status">{msg}</p>}
      <div class="table-scroll">
        <table class="data rules">
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {c.replace(/_/g, " ")}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                {columns.map((c) => (
                  <td key={c}>{cell(r, i, c)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div class="button-row">
        <button type="button" class="primary" disabled={!dirty} onClick={() => void save()}>
          Save limits
        </button>
        <button type="button" disabled={!dirty} onClick={() => void load()}>
          Discard changes
        </button>
      </div>
    </section>
  );
}

function Exports() {
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
                  <a href={`#/sessions/${s.id}`}>{s.patient?.full_name}</a>
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
    </section>
  );
}

function show(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return JSON.stringify(v);
  if (typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v)) return fmtDateTime(v);
  return String(v);
}

function Audit() {
  const [f, setF] = useState({ from: "", to: "", user: "", action: "" });
  const [rows, setRows] = useState<Record<string, unknown>[]>([]);
  const [verify, setVerify] = useState<Record<string, unknown> | null>(null);
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
  useEffect(() => {
    void load();
    api.auditVerify().then(setVerify, (e) => setError(errText(e)));
  }, []);
  const cols = useMemo(() => {
    const c: string[] = [];
    for (const r of rows.slice(0, 50)) for (const k of Object.keys(r)) if (!c.includes(k)) c.push(k);
    return c.filter((k) => !/hash$/.test(k) || c.length <= 8);
  }, [rows]);
  const ok = verify ? (verify.ok ?? verify.valid ?? verify.intact ?? verify.verified) : undefined;
  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setF((old) => ({ ...old, [k]: v }));
  };
  return (
    <section aria-labelledby="audit-h">
      <h1 id="audit-h">Audit log</h1>
      <div class={`verify ${ok === true ? "met" : ok === false ? "unmet" : ""}`} data-testid="audit-verify" role="status">
        {verify === null
          ? "Checking the hash chain…"
          : ok === true
            ? `✔ Hash chain intact${verify.count !== undefined ? ` (${String(verify.count)} entries)` : verify.checked !== undefined ? ` (${String(verify.checked)} entries)` : ""}`
            : ok === false
              ? `✘ Hash chain BROKEN${(verify.first_bad_id ?? verify.broken_at ?? verify.first_invalid) ? ` at ${String(verify.first_bad_id ?? verify.broken_at ?? verify.first_invalid)}` : ""}${verify.detail || verify.message ? ` — ${String(verify.detail ?? verify.message)}` : ""}`
              : `Verification: ${JSON.stringify(verify)}`}{" "}
        <button type="button" onClick={() => api.auditVerify().then(setVerify, (e) => setError(errText(e)))}>
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
              {cols.map((c) => (
                <th key={c} scope="col">
                  {c.replace(/_/g, " ")}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={String(r.id ?? i)}>
                {cols.map((c) => (
                  <td key={c}>{show(r[c])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && !busy && <p class="muted">No entries.</p>}
    </section>
  );
}
