// The session's record beyond vitals, for the nurse at the chair (tablet first): the pump
// order and its second check, pump events, side effects with rescue medicines, and the
// CADSS-6 / MOASS scales. Every number is computed by the server; this page only asks and shows.
import { useEffect, useState } from "preact/hooks";
import { api, type ClinicalRecord, type InfusionRecord, type PumpEventIn, type SideEffectIn } from "../api";
import { fmtClock } from "../format";
import { ErrorBox, errText } from "../widgets";

const SIDE_EFFECTS: SideEffectIn["kind"][] = [
  "nausea",
  "vomiting",
  "dissociation",
  "anxiety",
  "sedation",
  "hypertension",
  "desaturation",
  "headache",
  "dizziness",
  "other",
];
const CADSS_ITEMS: [string, string][] = [
  ["slow_motion", "Slow motion"],
  ["unreal", "Unreal, dreamlike"],
  ["separated", "Separated, as in a movie"],
  ["outside_body", "Outside the body"],
  ["observer", "Watching as an observer"],
  ["disconnected_body", "Disconnected from the body"],
];
const num = (v: string) => (v.trim() === "" ? Number.NaN : Number(v));

/** Send one change, then show the server's record again (or its refusal, in its words). */
function runner(reload: () => void, setError: (e: string | null) => void) {
  return (p: Promise<unknown>) =>
    p
      .then(() => {
        setError(null);
        reload();
      })
      .catch((e) => setError(errText(e)));
}

function Pump({
  id,
  rec,
  reload,
  setError,
}: {
  id: string;
  rec: InfusionRecord;
  reload: () => void;
  setError: (e: string | null) => void;
}) {
  const [conc, setConc] = useState("1");
  const [lot, setLot] = useState("");
  const [expiry, setExpiry] = useState("");
  const [rate, setRate] = useState("0.5");
  const [check, setCheck] = useState("");
  const run = runner(reload, setError);
  const event = (kind: PumpEventIn["kind"]) =>
    run(api.pumpEvent(id, { kind, ...(kind === "start" || kind === "rate_change" ? { rate_mg_per_kg_h: num(rate) } : {}) }));
  const order = rec.order;
  return (
    <section class="card" aria-labelledby="pump-h">
      <h2 id="pump-h">Pump</h2>
      {!order || (!order.verified_at && rec.events.length === 0) ? (
        <form
          class="record-form"
          onSubmit={(e) => {
            e.preventDefault();
            run(api.saveOrder(id, { concentration_mg_per_ml: num(conc), lot, expiry, rate_mg_per_kg_h: num(rate) }));
          }}
        >
          <label>
            Concentration (mg/mL) <input inputMode="decimal" value={conc} onInput={(e) => setConc(e.currentTarget.value)} />
          </label>
          <label>
            Lot <input value={lot} onInput={(e) => setLot(e.currentTarget.value)} />
          </label>
          <label>
            Expiry <input type="date" value={expiry} onInput={(e) => setExpiry(e.currentTarget.value)} />
          </label>
          <label>
            Rate (mg/kg/h) <input inputMode="decimal" value={rate} onInput={(e) => setRate(e.currentTarget.value)} />
          </label>
          <button type="submit">{order ? "Replace order" : "Save order"}</button>
        </form>
      ) : null}
      {order && (
        <p data-testid="order">
          {order.drug} {order.concentration_mg_per_ml} mg/mL, lot {order.lot}: {order.planned_dose_mg} mg at {order.rate_mg_per_kg_h}{" "}
          mg/kg/h = <strong>{order.rate_ml_per_h} mL/h</strong> ({order.planned_minutes} min) ·{" "}
          {order.verified_at ? `checked ${fmtClock(order.verified_at)}` : "NOT CHECKED YET"}
        </p>
      )}
      {order && !order.verified_at && (
        <form
          class="record-form"
          onSubmit={(e) => {
            e.preventDefault();
            run(api.verifyOrder(id, num(check)));
          }}
        >
          <label>
            Second check: your mL/h <input inputMode="decimal" value={check} onInput={(e) => setCheck(e.currentTarget.value)} />
          </label>
          <button type="submit">Confirm check</button>
        </form>
      )}
      {order?.verified_at && (
        <div class="record-buttons">
          {rec.status === "not_started" && (
            <button type="button" onClick={() => event("start")}>
              Start pump
            </button>
          )}
          {rec.status === "running" && (
            <button type="button" onClick={() => event("pause")}>
              Pause
            </button>
          )}
          {rec.status === "paused" && (
            <button type="button" onClick={() => event("resume")}>
              Resume
            </button>
          )}
          {(rec.status === "running" || rec.status === "paused") && (
            <>
              <button type="button" onClick={() => event("rate_change")}>
                Change rate to {rate} mg/kg/h
              </button>
              <button type="button" class="danger" onClick={() => event("stop")}>
                Stop
              </button>
            </>
          )}
        </div>
      )}
      <p data-testid="pump-summary">
        Pump {rec.status.replace("_", " ")} · delivered <strong>{rec.delivered_mg} mg</strong> · {rec.remaining_mg} mg left ·{" "}
        {rec.infusing_minutes} min infusing
      </p>
      <ul class="record-log">
        {rec.events.map((e) => (
          <li key={e.id}>
            {fmtClock(e.at)} {e.kind.replace("_", " ")}
            {e.rate_ml_per_h ? ` ${e.rate_mg_per_kg_h} mg/kg/h (${e.rate_ml_per_h} mL/h)` : ""}
          </li>
        ))}
      </ul>
    </section>
  );
}

function SideEffects({
  id,
  rec,
  reload,
  setError,
}: {
  id: string;
  rec: ClinicalRecord;
  reload: () => void;
  setError: (e: string | null) => void;
}) {
  const [kind, setKind] = useState<SideEffectIn["kind"]>("nausea");
  const [severity, setSeverity] = useState<SideEffectIn["severity"]>("mild");
  const [drug, setDrug] = useState("ondansetron");
  const [dose, setDose] = useState("4");
  const run = runner(reload, setError);
  return (
    <section class="card" aria-labelledby="se-h">
      <h2 id="se-h">Side effects and rescue medicines</h2>
      <form
        class="record-form"
        onSubmit={(e) => {
          e.preventDefault();
          run(api.addSideEffect(id, { kind, severity }));
        }}
      >
        <label>
          Side effect
          <select value={kind} onChange={(e) => setKind(e.currentTarget.value as SideEffectIn["kind"])}>
            {SIDE_EFFECTS.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <fieldset class="segmented">
          <legend>Severity</legend>
          {(["mild", "moderate", "severe"] as const).map((s) => (
            <label key={s}>
              <input type="radio" name="severity" checked={severity === s} onChange={() => setSeverity(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <button type="submit">Record side effect</button>
      </form>
      <ul class="record-log">
        {rec.side_effects.map((e) => (
          <li key={e.id}>
            {fmtClock(e.onset_at)} <strong>{e.kind}</strong> ({e.severity}) · {e.outcome.replaceAll("_", " ")}{" "}
            {e.outcome === "ongoing" && (
              <>
                <button
                  type="button"
                  onClick={() => {
                    run(api.addPrn(id, { drug, dose: num(dose), unit: "mg", route: "IV", indication: e.kind, side_effect_id: e.id }));
                  }}
                >
                  Give {drug} {dose} mg IV
                </button>{" "}
                <button type="button" onClick={() => run(api.addOutcome(id, e.id, "resolved_with_intervention"))}>
                  Resolved
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <div class="record-form">
        <label>
          Rescue medicine <input value={drug} onInput={(e) => setDrug(e.currentTarget.value)} />
        </label>
        <label>
          Dose (mg) <input inputMode="decimal" value={dose} onInput={(e) => setDose(e.currentTarget.value)} />
        </label>
      </div>
      <ul class="record-log" data-testid="prn-list">
        {rec.prn.map((p) => (
          <li key={p.id}>
            {fmtClock(p.given_at)} {p.drug} {p.dose} {p.unit} {p.route} for {p.indication}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Scales({
  id,
  rec,
  reload,
  setError,
}: {
  id: string;
  rec: ClinicalRecord;
  reload: () => void;
  setError: (e: string | null) => void;
}) {
  const [items, setItems] = useState<Record<string, number>>(Object.fromEntries(CADSS_ITEMS.map(([k]) => [k, 0])));
  const run = runner(reload, setError);
  const trend = (scale: "cadss6" | "moass") => (rec.trends[scale] ?? []).map((p) => p.score).join(" → ") || "—";
  return (
    <section class="card" aria-labelledby="scales-h">
      <h2 id="scales-h">Dissociation and sedation</h2>
      <fieldset class="record-buttons">
        <legend>MOASS</legend>
        {[5, 4, 3, 2, 1, 0].map((score) => (
          <button type="button" key={score} onClick={() => run(api.addAssessment(id, { scale: "moass", score }))}>
            {score}
          </button>
        ))}
      </fieldset>
      <form
        class="cadss"
        onSubmit={(e) => {
          e.preventDefault();
          run(api.addAssessment(id, { scale: "cadss6", items }));
        }}
      >
        {CADSS_ITEMS.map(([key, label]) => (
          <label key={key}>
            {label}
            <select value={items[key]} onChange={(e) => setItems({ ...items, [key]: Number(e.currentTarget.value) })}>
              {[0, 1, 2, 3, 4].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        ))}
        <button type="submit">Record CADSS-6 ({Object.values(items).reduce((a, b) => a + b, 0)}/24)</button>
      </form>
      <p data-testid="trends">
        CADSS-6: {trend("cadss6")} · MOASS: {trend("moass")}
      </p>
    </section>
  );
}

export function SessionRecord({ id }: { id: string }) {
  const [infusion, setInfusion] = useState<InfusionRecord | null>(null);
  const [clinical, setClinical] = useState<ClinicalRecord | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = () => {
    api
      .infusion(id)
      .then(setInfusion)
      .catch((e) => setError(errText(e)));
    api
      .clinical(id)
      .then(setClinical)
      .catch((e) => setError(errText(e)));
  };
  useEffect(reload, [id]);
  return (
    <main class="session-record">
      <h1>
        Session record · <a href={`#/nurse/${id}`}>readings</a>
      </h1>
      <ErrorBox error={error} />
      {infusion && <Pump id={id} rec={infusion} reload={reload} setError={setError} />}
      {clinical && <SideEffects id={id} rec={clinical} reload={reload} setError={setError} />}
      {clinical && <Scales id={id} rec={clinical} reload={reload} setError={setError} />}
    </main>
  );
}
