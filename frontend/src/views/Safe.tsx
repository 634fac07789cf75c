// The controlled-substance log of a site (issue 19): the safe's stock with each container's
// running balance, and every act on it witnessed by a colleague who types their own password
// on this device. What a role may do is the server's answer (GET /api/controlled/acts).

import { useEffect, useState } from "preact/hooks";
import { api, type CtlAct, type CtlContainer, type CtlDiscrepancy, type CtlEntry, type CtlWitness, type Session, type Site } from "../api";
import { fmtDateTime } from "../format";
import { useServices } from "../services";
import { ErrorBox, errText } from "../widgets";
import { CountForm, DestroyForm, DrawForm, LossForm, ReceiveForm, ResolveForm, WasteForm } from "./controlled/forms";
import { Reports } from "./controlled/Reports";
import { Roles } from "./controlled/Roles";

export interface Desk {
  siteId: string;
  containers: CtlContainer[];
  log: CtlEntry[];
  discrepancies: CtlDiscrepancy[];
  witnesses: CtlWitness[];
  sessions: Session[];
}

/** A draw with something left to give or waste (the server folds corrections into left_ml). */
export function openDraws(log: CtlEntry[]): CtlEntry[] {
  return log.filter((e) => e.kind === "draw" && (e.left_ml ?? 0) > 0.005);
}

export const mlText = (ml: number) => `${ml.toLocaleString("en-US", { maximumFractionDigits: 2 })} mL`;
export const mgText = (mg: number) => `${mg.toLocaleString("en-US", { maximumFractionDigits: 1 })} mg`;

async function loadDesk(siteId: string): Promise<Desk> {
  const [containers, log, discrepancies, witnesses, sessions] = await Promise.all([
    api.ctlContainers(siteId),
    api.ctlLog(siteId),
    api.ctlDiscrepancies(siteId),
    api.ctlWitnesses(siteId),
    api.sessions(true),
  ]);
  return { siteId, containers, log, discrepancies, witnesses, sessions: sessions.filter((s) => s.site_id === siteId) };
}

export function Safe() {
  const { user } = useServices();
  const [sites, setSites] = useState<Site[]>([]);
  const [siteId, setSiteId] = useState("");
  const [acts, setActs] = useState<CtlAct[]>([]);
  const [desk, setDesk] = useState<Desk | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  useEffect(() => {
    Promise.all([api.sites(), api.ctlActs()]).then(
      ([s, a]) => {
        setSites(s);
        setActs(a);
        setSiteId((current) => current || s[0]?.id || "");
      },
      (e) => setError(errText(e)),
    );
  }, []);
  const reload = () => (siteId ? loadDesk(siteId).then(setDesk, (e) => setError(errText(e))) : Promise.resolve());
  useEffect(() => {
    reload();
  }, [siteId]);
  const after = (message: string) => {
    setDone(message);
    return reload();
  };
  const may = (a: CtlAct) => acts.includes(a);
  const site = sites.find((s) => s.id === siteId);
  return (
    <section class="safe" aria-labelledby="safe-h">
      <div class="toolbar">
        <h1 id="safe-h">Controlled substances{site ? ` · ${site.name}` : ""}</h1>
        {sites.length > 1 && (
          <label>
            Site{" "}
            <select value={siteId} onChange={(e) => setSiteId((e.currentTarget as HTMLSelectElement).value)}>
              {sites.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <p class="muted">
        Schedule III log: every entry is kept as written and audited; a witness signs with their own password on this device.
      </p>
      <ErrorBox error={error} />
      {done && (
        <p class="notice" role="status" data-testid="ctl-done">
          {done}
        </p>
      )}
      {desk && (
        <>
          <Discrepancies desk={desk} mayResolve={may("resolve")} after={after} />
          <Inventory desk={desk} may={may} after={after} />
          <OpenDraws desk={desk} mayWaste={may("waste")} after={after} />
          {may("count") && <CountForm desk={desk} after={after} />}
          {may("receive") && <ReceiveForm desk={desk} after={after} />}
          {may("report") && <Reports desk={desk} />}
          {user.role === "admin" && <Roles onSaved={() => api.ctlActs().then(setActs)} />}
        </>
      )}
    </section>
  );
}

function Discrepancies({ desk, mayResolve, after }: { desk: Desk; mayResolve: boolean; after: (m: string) => Promise<void> }) {
  if (!desk.discrepancies.length) return null;
  return (
    <div class="error-box ctl-discrepancies" role="alert" data-testid="ctl-discrepancies">
      <h2>Open discrepancies ({desk.discrepancies.length})</h2>
      <ul>
        {desk.discrepancies.map((d) => (
          <li key={d.count_entry_id} data-testid={`discrepancy-${d.count_entry_id}`}>
            <strong>{d.container_label}</strong>: counted {mlText(d.counted_ml)}, the log says {mlText(d.expected_ml)} (
            {d.difference_ml > 0 ? "+" : ""}
            {mlText(d.difference_ml)}, {d.difference_mg > 0 ? "+" : ""}
            {mgText(d.difference_mg)}) · counted {fmtDateTime(d.counted_at)}
            {mayResolve && <ResolveForm d={d} after={after} />}
          </li>
        ))}
      </ul>
      {!mayResolve && <p>An admin resolves it with a reason.</p>}
    </div>
  );
}

type Open = { id: string; form: "draw" | "loss" | "destroy" } | null;

function Inventory({ desk, may, after }: { desk: Desk; may: (a: CtlAct) => boolean; after: (m: string) => Promise<void> }) {
  const [open, setOpen] = useState<Open>(null);
  const [showEmpty, setShowEmpty] = useState(false);
  const shown = desk.containers.filter((c) => showEmpty || c.balance_ml > 0.005);
  const toggle = (id: string, form: NonNullable<Open>["form"]) => setOpen((o) => (o?.id === id && o.form === form ? null : { id, form }));
  const done = (m: string) => {
    setOpen(null);
    return after(m);
  };
  return (
    <>
      <h2>In the safe</h2>
      <label class="muted">
        <input type="checkbox" checked={showEmpty} onChange={(e) => setShowEmpty((e.currentTarget as HTMLInputElement).checked)} /> Show
        empty and destroyed containers
      </label>
      <div class="table-scroll">
        <table class="data ctl-stock" data-testid="ctl-stock">
          <thead>
            <tr>
              <th scope="col">Container</th>
              <th scope="col">Strength</th>
              <th scope="col">Expires</th>
              <th scope="col" class="num">
                Balance
              </th>
              <th scope="col">Act</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => {
              const expired = new Date(`${c.expiry}T23:59:59`).getTime() < Date.now();
              const has = c.balance_ml > 0.005;
              return [
                <tr key={c.id} data-testid={`container-${c.label}`}>
                  <th scope="row">
                    {c.label}
                    <div class="muted">
                      {c.drug} · NDC {c.ndc}
                    </div>
                  </th>
                  <td>
                    {c.concentration_mg_per_ml} mg/mL × {c.volume_ml} mL
                  </td>
                  <td class={expired ? "overdue" : ""}>{expired ? `EXPIRED ${c.expiry}` : c.expiry}</td>
                  <td class="num" data-testid="balance">
                    <strong>{mlText(c.balance_ml)}</strong>
                    <div class="muted">{mgText(c.balance_mg)}</div>
                  </td>
                  <td>
                    <div class="row-actions">
                      {may("draw") && has && !expired && (
                        <button
                          type="button"
                          aria-expanded={open?.id === c.id && open.form === "draw"}
                          onClick={() => toggle(c.id, "draw")}
                        >
                          Draw
                        </button>
                      )}
                      {may("loss") && has && (
                        <button
                          type="button"
                          aria-expanded={open?.id === c.id && open.form === "loss"}
                          onClick={() => toggle(c.id, "loss")}
                        >
                          Broken / lost…
                        </button>
                      )}
                      {may("destroy") && has && (
                        <button
                          type="button"
                          aria-expanded={open?.id === c.id && open.form === "destroy"}
                          onClick={() => toggle(c.id, "destroy")}
                        >
                          Destroy…
                        </button>
                      )}
                    </div>
                  </td>
                </tr>,
                open?.id === c.id && (
                  <tr key={`${c.id}-form`} class="ctl-form-row">
                    <td colSpan={5}>
                      {open.form === "draw" && <DrawForm desk={desk} c={c} after={done} />}
                      {open.form === "loss" && <LossForm desk={desk} c={c} after={done} />}
                      {open.form === "destroy" && <DestroyForm desk={desk} c={c} after={done} />}
                    </td>
                  </tr>
                ),
              ];
            })}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && <p class="muted">Nothing in the safe: receive stock first.</p>}
    </>
  );
}

function OpenDraws({ desk, mayWaste, after }: { desk: Desk; mayWaste: boolean; after: (m: string) => Promise<void> }) {
  const [open, setOpen] = useState<number | null>(null);
  const draws = openDraws(desk.log);
  const patient = (id: string | null) => desk.sessions.find((s) => s.id === id)?.patient.full_name ?? "a session";
  return (
    <>
      <h2>Drawn, not yet given or wasted</h2>
      {draws.length === 0 ? (
        <p class="muted">No draw is waiting to be wasted.</p>
      ) : (
        <ul class="pick-list" data-testid="ctl-draws">
          {draws.map((d) => (
            <li key={d.id} data-testid={`draw-${d.id}`}>
              <span>
                #{d.id} · {fmtDateTime(d.at)} · {d.container_label} for {patient(d.session_id)} by {d.by_name}:{" "}
                <strong>{mlText(d.left_ml ?? 0)} left</strong>
              </span>{" "}
              {mayWaste && (
                <button type="button" aria-expanded={open === d.id} onClick={() => setOpen(open === d.id ? null : d.id)}>
                  Waste…
                </button>
              )}
              {open === d.id && (
                <WasteForm
                  desk={desk}
                  d={d}
                  after={(m) => {
                    setOpen(null);
                    return after(m);
                  }}
                />
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
