// The pre-treatment screening form, at the chair on the tablet: contraindications (a "yes" is a
// hard stop), cautions, interacting medicines, fasting, escort. The server decides what each
// answer means (app/screening/rules.py) and this page shows its verdict; a physician may
// override the hard stops, always with a reason.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, type Screening, type ScreeningQuestions, type SessionDetail } from "../api";
import { fmtClock } from "../format";
import { useServices } from "../services";
import { ErrorBox, errText } from "../widgets";

type YesNo = Record<string, boolean | undefined>;

function Verdict({ row, session, onChanged }: { row: Screening; session: SessionDetail; onChanged: (s: Screening) => void }) {
  const { user } = useServices();
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const override = async () => {
    if (!reason.trim()) {
      setError("Write the reason for the override: it is kept in the session's record.");
      return;
    }
    try {
      onChanged(await api.overrideScreening(session.id, reason.trim()));
      setError(null);
    } catch (e) {
      setError(errText(e));
    }
  };
  const open = row.hard_stops.length > 0 && !row.override_at;
  return (
    <section class={`card verdict ${open ? "stopped" : "clear"}`} aria-labelledby="verdict-h" data-testid="verdict">
      <h2 id="verdict-h">
        {open ? "✘ Do not start: hard stop" : row.hard_stops.length ? "✔ Hard stop overridden by a physician" : "✔ No hard stop"}
      </h2>
      <p class="muted">
        Recorded at {fmtClock(row.at)}. Escort: {row.escort_name}, {row.escort_phone}.
      </p>
      {row.hard_stops.length > 0 && (
        <ul class="hard-stops">
          {row.hard_stops.map((h) => (
            <li key={h} data-testid="hard-stop">
              <strong>✘ HARD STOP</strong> {h}
            </li>
          ))}
        </ul>
      )}
      {row.cautions.length > 0 && (
        <ul class="cautions">
          {row.cautions.map((c) => (
            <li key={c} data-testid="caution">
              <strong>⚠ Caution</strong> {c}
            </li>
          ))}
        </ul>
      )}
      {row.override_at && (
        <p data-testid="override">
          Overridden at {fmtClock(row.override_at)}: {row.override_reason}
        </p>
      )}
      {open && user.role !== "physician" && <p>A physician must review it; only a physician may override, with a reason.</p>}
      {open && user.role === "physician" && (
        <form
          class="override"
          onSubmit={(e) => {
            e.preventDefault();
            void override();
          }}
        >
          <label for="override-reason">Reason for overriding the hard stop</label>
          <textarea id="override-reason" rows={3} maxLength={2000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <button type="submit" class="big danger">
            Override the hard stop
          </button>
          <ErrorBox error={error} />
        </form>
      )}
    </section>
  );
}

function YesNoRow({
  code,
  label,
  value,
  onChange,
  stop,
}: {
  code: string;
  label: string;
  value?: boolean;
  onChange: (v: boolean) => void;
  stop: boolean;
}) {
  return (
    <fieldset class="yesno" data-testid={`q-${code}`}>
      <legend>
        {label}
        {stop && value && <strong class="stop-mark"> ✘ hard stop</strong>}
      </legend>
      {([true, false] as const).map((v) => (
        <label key={String(v)}>
          <input type="radio" name={`q-${code}`} checked={value === v} onChange={() => onChange(v)} />
          {v ? "Yes" : "No"}
        </label>
      ))}
    </fieldset>
  );
}

function Form({
  q,
  session,
  again,
  onSaved,
}: {
  q: ScreeningQuestions;
  session: SessionDetail;
  again: boolean;
  onSaved: (s: Screening) => void;
}) {
  const [stops, setStops] = useState<YesNo>({});
  const [cautions, setCautions] = useState<YesNo>({});
  const [medicines, setMedicines] = useState<string[]>([]);
  const [text, setText] = useState({ bp_history: "", allergies: "", other_medicines: "" });
  const [food, setFood] = useState("");
  const [escort, setEscort] = useState({ name: "", phone: "" });
  const [error, setError] = useState<string | null>(null);
  const submit = async () => {
    const unanswered = Object.entries(q.hard_stops).filter(([code]) => stops[code] === undefined);
    if (unanswered.length) {
      setError(`Answer every contraindication (yes or no): ${unanswered.map(([, l]) => l).join("; ")}.`);
      return;
    }
    const answers: Record<string, boolean> = { ...stops } as Record<string, boolean>;
    for (const code of Object.keys(q.cautions)) answers[code] = cautions[code] === true;
    const fed = food ? new Date(food) : null;
    try {
      onSaved(
        await api.recordScreening(session.id, {
          answers,
          medicines,
          bp_history: text.bp_history.trim() || null,
          allergies: text.allergies.trim() || null,
          other_medicines: text.other_medicines.trim() || null,
          last_food_at: fed && !Number.isNaN(fed.getTime()) ? fed.toISOString() : null,
          escort_name: escort.name.trim(),
          escort_phone: escort.phone.trim(),
        }),
      );
      setError(null);
    } catch (e) {
      setError(errText(e));
    }
  };
  const field = (key: keyof typeof text, label: string) => (
    <label>
      {label}
      <textarea
        rows={2}
        maxLength={key === "other_medicines" ? 2000 : 1000}
        value={text[key]}
        onInput={(e) => setText({ ...text, [key]: e.currentTarget.value })}
      />
    </label>
  );
  return (
    <form
      class="card screening-form"
      aria-labelledby="form-h"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="form-h">Screening form</h2>
      {again && (
        <p class="muted">Recording the form again replaces the one above for this session; the earlier one is kept in the record.</p>
      )}
      <h3>Contraindications: a “yes” is a hard stop</h3>
      <div class="questions">
        {Object.entries(q.hard_stops).map(([code, label]) => (
          <YesNoRow key={code} code={code} label={label} value={stops[code]} stop onChange={(v) => setStops({ ...stops, [code]: v })} />
        ))}
      </div>
      <h3>Cautions (recorded and shown; they stop nothing)</h3>
      <div class="ticks">
        {Object.entries(q.cautions).map(([code, label]) => (
          <label key={code}>
            <input
              type="checkbox"
              checked={cautions[code] === true}
              onChange={(e) => setCautions({ ...cautions, [code]: e.currentTarget.checked })}
            />
            {label}
          </label>
        ))}
      </div>
      <h3>Takes any of these medicines{session.protocol_rules.route === "intranasal" ? " (named on Spravato's label)" : ""}</h3>
      <div class="ticks">
        {Object.entries(q.medicines).map(([code, label]) => (
          <label key={code}>
            <input
              type="checkbox"
              checked={medicines.includes(code)}
              onChange={(e) => setMedicines(e.currentTarget.checked ? [...medicines, code] : medicines.filter((m) => m !== code))}
            />
            {label}
          </label>
        ))}
      </div>
      <div class="texts">
        {field("bp_history", "Blood pressure history")}
        {field("allergies", "Allergies")}
        {field("other_medicines", "Other medicines")}
      </div>
      <div class="record-form">
        <label>
          Last solid food (at least {q.fasting_hours} h before)
          <input type="datetime-local" value={food} onInput={(e) => setFood(e.currentTarget.value)} />
        </label>
        <label>
          Escort name
          <input maxLength={120} value={escort.name} onInput={(e) => setEscort({ ...escort, name: e.currentTarget.value })} />
        </label>
        <label>
          Escort phone
          <input type="tel" maxLength={40} value={escort.phone} onInput={(e) => setEscort({ ...escort, phone: e.currentTarget.value })} />
        </label>
        <button type="submit" class="big primary">
          Record screening
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

export function ScreeningForm({ id }: { id: string }) {
  const [session, setSession] = useState<SessionDetail | null>(null);
  const [questions, setQuestions] = useState<ScreeningQuestions | null>(null);
  const [row, setRow] = useState<Screening | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api
      .session(id)
      .then(setSession)
      .catch((e) => setError(errText(e)));
    api
      .screeningQuestions()
      .then(setQuestions)
      .catch((e) => setError(errText(e)));
    api
      .screening(id)
      .then(setRow)
      .catch((e) => {
        if (!(e instanceof ApiError && e.status === 404)) setError(errText(e));
      });
  }, [id]);
  return (
    <main class="screening">
      <h1>
        Screening · {session?.patient.full_name ?? "…"} · <a href={`#/nurse/${id}`}>back to the chair</a>
      </h1>
      <ErrorBox error={error} />
      {session && row && <Verdict row={row} session={session} onChanged={setRow} />}
      {session && questions && session.phase === "pre_infusion" && (
        <Form q={questions} session={session} again={row !== null} onSaved={setRow} />
      )}
      {session && session.phase !== "pre_infusion" && <p class="muted">The infusion has started: the screening can no longer change.</p>}
    </main>
  );
}
