// The log's forms. Each witnessed one asks the witness to pick their own name and type their own
// password here (the list never offers the signed-in user: nobody witnesses their own entry).

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, type CtlContainer, type CtlDiscrepancy, type CtlEntry, type CtlWitnessIn } from "../../api";
import { ErrorBox, errText } from "../../widgets";
import { type Desk, mlText } from "../Safe";

type After = (message: string) => Promise<void>;
const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;
const blank: CtlWitnessIn = { username: "", password: "" };
const noPassword = (w: CtlWitnessIn): CtlWitnessIn => ({ ...w, password: "" });

/** Busy and error state of one form; `run` shows the server's sentence when it refuses. */
function useSubmit(after: After) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  /** `forget` runs either way: a witness's password is never left in a form. */
  const run = (e: Event, act: () => Promise<string>, forget?: () => void) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    act()
      .then(
        (message) => {
          setBusy(false);
          return after(message);
        },
        (err) => {
          setBusy(false);
          setError(errText(err));
        },
      )
      .finally(forget);
  };
  return { busy, error, run };
}

function Field({ id, label, children }: { id: string; label: string; children: ComponentChildren }) {
  return (
    <div class="entry">
      <label for={id}>{label}</label>
      {children}
    </div>
  );
}

function Witness({
  id,
  desk,
  w,
  set,
  label = "Witness",
}: {
  id: string;
  desk: Desk;
  w: CtlWitnessIn;
  set: (w: CtlWitnessIn) => void;
  label?: string;
}) {
  return (
    <fieldset class="ctl-witness">
      <legend>{label}: their own name and password</legend>
      <Field id={`${id}-who`} label="Witness">
        <select id={`${id}-who`} required value={w.username} onChange={(e) => set({ ...w, username: value(e) })}>
          <option value="">Choose who witnesses…</option>
          {desk.witnesses.map((p) => (
            <option key={p.username} value={p.username}>
              {p.display_name} ({p.role})
            </option>
          ))}
        </select>
      </Field>
      <Field id={`${id}-pw`} label="Witness's password">
        <input
          id={`${id}-pw`}
          type="password"
          required
          autocomplete="off"
          value={w.password}
          onInput={(e) => set({ ...w, password: value(e) })}
        />
      </Field>
    </fieldset>
  );
}

/** An amount taken from a container, in mL to the hundredth; at most what it holds, where known. */
function Millilitres({ id, label, max, ml, set }: { id: string; label: string; max?: number; ml: string; set: (v: string) => void }) {
  return (
    <Field id={`${id}-ml`} label={label}>
      <input id={`${id}-ml`} type="number" step="0.01" min="0.01" max={max} required value={ml} onInput={(e) => set(value(e))} />
    </Field>
  );
}

function Submit({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  return (
    <button type="submit" class="primary" disabled={busy}>
      {busy ? "Saving…" : children}
    </button>
  );
}

export function DrawForm({ desk, c, after }: { desk: Desk; c: CtlContainer; after: After }) {
  const [session, setSession] = useState(desk.sessions[0]?.id ?? "");
  const [ml, setMl] = useState("");
  const { busy, error, run } = useSubmit(after);
  const id = `draw-${c.id}`;
  return (
    <form
      class="stack-form"
      aria-label={`Draw from ${c.label}`}
      onSubmit={(e) =>
        run(e, async () => {
          const d = await api.ctlDraw({ container_id: c.id, session_id: session, amount_ml: Number(ml) });
          return `Drew ${mlText(d.amount_ml)} from ${c.label}; ${mlText(d.balance_ml)} left in it.`;
        })
      }
    >
      <Field id={`${id}-s`} label="For the session">
        <select id={`${id}-s`} required value={session} onChange={(e) => setSession(value(e))}>
          {desk.sessions.length === 0 && <option value="">No session open at this site</option>}
          {desk.sessions.map((s) => (
            <option key={s.id} value={s.id}>
              {s.patient.full_name} · {s.location}
            </option>
          ))}
        </select>
      </Field>
      <Millilitres id={id} label="Amount (mL)" max={c.balance_ml} ml={ml} set={setMl} />
      <Submit busy={busy}>Record the draw</Submit>
      <ErrorBox error={error} />
    </form>
  );
}

export function WasteForm({ desk, d, after }: { desk: Desk; d: CtlEntry; after: After }) {
  const [ml, setMl] = useState(String(d.left_ml ?? ""));
  const [reason, setReason] = useState("");
  const [w, setW] = useState(blank);
  const { busy, error, run } = useSubmit(after);
  const id = `waste-${d.id}`;
  return (
    <form
      class="stack-form"
      aria-label={`Waste of draw ${d.id}`}
      onSubmit={(e) =>
        run(
          e,
          async () => {
            const x = await api.ctlWaste(d.id, { amount_ml: Number(ml), witness: w, reason: reason.trim() || null });
            return `Wasted ${mlText(x.amount_ml)} of draw #${d.id}, witnessed by ${x.witness_name}.`;
          },
          () => setW(noPassword),
        )
      }
    >
      <Millilitres id={id} label="Wasted (mL)" ml={ml} set={setMl} />
      <Field id={`${id}-r`} label="Note (optional)">
        <input id={`${id}-r`} maxLength={500} value={reason} onInput={(e) => setReason(value(e))} />
      </Field>
      <Witness id={id} desk={desk} w={w} set={setW} />
      <Submit busy={busy}>Record the waste</Submit>
      <ErrorBox error={error} />
    </form>
  );
}

const CAUSES = [
  ["breakage", "Broken"],
  ["spill", "Spilt"],
  ["theft", "Stolen"],
  ["lost_in_transit", "Lost in transit"],
  ["unexplained", "Unexplained loss"],
] as const;

export function LossForm({ desk, c, after }: { desk: Desk; c: CtlContainer; after: After }) {
  const [cause, setCause] = useState<(typeof CAUSES)[number][0]>("breakage");
  const [ml, setMl] = useState(String(c.balance_ml));
  const [reason, setReason] = useState("");
  const [w, setW] = useState(blank);
  const { busy, error, run } = useSubmit(after);
  const id = `loss-${c.id}`;
  return (
    <form
      class="stack-form"
      aria-label={`Loss from ${c.label}`}
      onSubmit={(e) =>
        run(
          e,
          async () => {
            const x = await api.ctlLoss(c.id, { cause, amount_ml: Number(ml), reason: reason.trim(), witness: w });
            return `Recorded the loss of ${mlText(x.amount_ml)} from ${c.label} (DEA Form 106 data).`;
          },
          () => setW(noPassword),
        )
      }
    >
      <Field id={`${id}-c`} label="What happened">
        <select id={`${id}-c`} value={cause} onChange={(e) => setCause(value(e) as typeof cause)}>
          {CAUSES.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </Field>
      <Millilitres id={id} label="Lost (mL)" max={c.balance_ml} ml={ml} set={setMl} />
      <Field id={`${id}-r`} label="Account of it">
        <input id={`${id}-r`} required minLength={3} maxLength={2000} value={reason} onInput={(e) => setReason(value(e))} />
      </Field>
      <Witness id={id} desk={desk} w={w} set={setW} />
      <Submit busy={busy}>Record the loss</Submit>
      <ErrorBox error={error} />
    </form>
  );
}

export function DestroyForm({ desk, c, after }: { desk: Desk; c: CtlContainer; after: After }) {
  const [method, setMethod] = useState("");
  const [w1, setW1] = useState(blank);
  const [w2, setW2] = useState(blank);
  const { busy, error, run } = useSubmit(after);
  const id = `destroy-${c.id}`;
  return (
    <form
      class="stack-form"
      aria-label={`Destroy ${c.label}`}
      onSubmit={(e) =>
        run(
          e,
          async () => {
            const x = await api.ctlDestroy(c.id, { method: method.trim(), witnesses: [w1, w2] });
            return `Destroyed ${mlText(x.amount_ml)} of ${c.label} before ${x.witness_name} and ${x.second_witness_name} (DEA Form 41 data).`;
          },
          () => {
            setW1(noPassword);
            setW2(noPassword);
          },
        )
      }
    >
      <p class="muted">All that is left ({mlText(c.balance_ml)}) is destroyed.</p>
      <Field id={`${id}-m`} label="How it was destroyed">
        <input id={`${id}-m`} required minLength={3} maxLength={500} value={method} onInput={(e) => setMethod(value(e))} />
      </Field>
      <Witness id={`${id}-1`} desk={desk} w={w1} set={setW1} label="First witness" />
      <Witness id={`${id}-2`} desk={desk} w={w2} set={setW2} label="Second witness" />
      <Submit busy={busy}>Record the destruction</Submit>
      <ErrorBox error={error} />
    </form>
  );
}

export function CountForm({ desk, after }: { desk: Desk; after: After }) {
  const held = desk.containers.filter((c) => c.balance_ml > 0.005);
  const [period, setPeriod] = useState<"start" | "end">(new Date().getHours() < 12 ? "start" : "end");
  const [counted, setCounted] = useState<Record<string, string>>({});
  const [w, setW] = useState(blank);
  const { busy, error, run } = useSubmit(after);
  if (!held.length) return null;
  return (
    <>
      <h2>Count</h2>
      <form
        class="ctl-count"
        aria-label="Count of the safe"
        onSubmit={(e) =>
          run(
            e,
            async () => {
              const x = await api.ctlCount({
                site_id: desk.siteId,
                period,
                counts: held.map((c) => ({ container_id: c.id, counted_ml: Number(counted[c.id]) })),
                witness: w,
              });
              setCounted({});
              const n = x.discrepancies.length;
              return n
                ? `Count saved: ${n} discrepanc${n > 1 ? "ies" : "y"} opened; see above.`
                : "Count saved: every container matches the log.";
            },
            () => setW(noPassword),
          )
        }
      >
        <div class="stack-form">
          <Field id="count-period" label="Which count">
            <select id="count-period" value={period} onChange={(e) => setPeriod(value(e) as typeof period)}>
              <option value="start">Start of day</option>
              <option value="end">End of day</option>
            </select>
          </Field>
        </div>
        <div class="entry-grid">
          {held.map((c) => (
            <Field key={c.id} id={`count-${c.id}`} label={`${c.label} (mL)`}>
              <input
                id={`count-${c.id}`}
                type="number"
                step="0.01"
                min="0"
                required
                value={counted[c.id] ?? ""}
                onInput={(e) => setCounted({ ...counted, [c.id]: value(e) })}
              />
            </Field>
          ))}
        </div>
        <Witness id="count" desk={desk} w={w} set={setW} />
        <div class="form-actions">
          <Submit busy={busy}>Save the count</Submit>
        </div>
        <ErrorBox error={error} />
      </form>
    </>
  );
}

export function ReceiveForm({ desk, after }: { desk: Desk; after: After }) {
  const [f, setF] = useState({
    drug: "ketamine",
    ndc: "",
    mg: "50",
    ml: "10",
    lot: "",
    expiry: "",
    supplier: "",
    invoice: "",
    quantity: "1",
  });
  const [w, setW] = useState(blank);
  const { busy, error, run } = useSubmit(after);
  const put = (k: keyof typeof f) => (e: Event) => setF({ ...f, [k]: value(e) });
  return (
    <details class="ctl-receive">
      <summary>
        <h2>Receive stock</h2>
      </summary>
      <form
        aria-label="Receive stock"
        onSubmit={(e) =>
          run(
            e,
            async () => {
              const x = await api.ctlReceive({
                site_id: desk.siteId,
                drug: f.drug,
                ndc: f.ndc,
                concentration_mg_per_ml: Number(f.mg),
                volume_ml: Number(f.ml),
                lot: f.lot,
                expiry: f.expiry,
                supplier: f.supplier,
                invoice: f.invoice,
                quantity: Number(f.quantity),
                witness: w,
              });
              return `Received ${x.length} container${x.length > 1 ? "s" : ""} of lot ${f.lot}.`;
            },
            () => setW(noPassword),
          )
        }
      >
        <div class="entry-grid">
          <Field id="rcv-drug" label="Drug">
            <input id="rcv-drug" required maxLength={64} value={f.drug} onInput={put("drug")} />
          </Field>
          <Field id="rcv-ndc" label="NDC">
            <input id="rcv-ndc" required maxLength={16} placeholder="0409-2051-05" value={f.ndc} onInput={put("ndc")} />
          </Field>
          <Field id="rcv-mg" label="Strength (mg/mL)">
            <input id="rcv-mg" type="number" step="any" min="0.01" required value={f.mg} onInput={put("mg")} />
          </Field>
          <Field id="rcv-ml" label="Volume per vial (mL)">
            <input id="rcv-ml" type="number" step="any" min="0.01" required value={f.ml} onInput={put("ml")} />
          </Field>
          <Field id="rcv-lot" label="Lot">
            <input id="rcv-lot" required maxLength={64} value={f.lot} onInput={put("lot")} />
          </Field>
          <Field id="rcv-exp" label="Expiry">
            <input id="rcv-exp" type="date" required value={f.expiry} onInput={put("expiry")} />
          </Field>
          <Field id="rcv-sup" label="Supplier">
            <input id="rcv-sup" required maxLength={200} value={f.supplier} onInput={put("supplier")} />
          </Field>
          <Field id="rcv-inv" label="Invoice">
            <input id="rcv-inv" required maxLength={64} value={f.invoice} onInput={put("invoice")} />
          </Field>
          <Field id="rcv-qty" label="Vials">
            <input id="rcv-qty" type="number" min="1" max="200" required value={f.quantity} onInput={put("quantity")} />
          </Field>
        </div>
        <Witness id="rcv" desk={desk} w={w} set={setW} />
        <div class="form-actions">
          <Submit busy={busy}>Receive into the safe</Submit>
        </div>
        <ErrorBox error={error} />
      </form>
    </details>
  );
}

export function ResolveForm({ d, after }: { d: CtlDiscrepancy; after: After }) {
  const [reason, setReason] = useState("");
  const [accept, setAccept] = useState(true);
  const { busy, error, run } = useSubmit(after);
  const id = `resolve-${d.count_entry_id}`;
  return (
    <form
      class="stack-form"
      aria-label={`Resolve the discrepancy of ${d.container_label}`}
      onSubmit={(e) =>
        run(e, async () => {
          await api.ctlResolve(d.count_entry_id, { reason: reason.trim(), accept_count: accept });
          return `Discrepancy of ${d.container_label} resolved.`;
        })
      }
    >
      <Field id={`${id}-a`} label="Which stands">
        <select id={`${id}-a`} value={accept ? "count" : "log"} onChange={(e) => setAccept(value(e) === "count")}>
          <option value="count">The count (adjust the balance)</option>
          <option value="log">The log (the count was wrong)</option>
        </select>
      </Field>
      <Field id={`${id}-r`} label="Reason">
        <input id={`${id}-r`} required minLength={3} maxLength={2000} size={50} value={reason} onInput={(e) => setReason(value(e))} />
      </Field>
      <Submit busy={busy}>Resolve</Submit>
      <ErrorBox error={error} />
    </form>
  );
}
