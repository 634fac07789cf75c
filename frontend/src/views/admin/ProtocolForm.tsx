// The fields of one protocol (views/admin/Protocols.tsx saves them): dosing, cadence and
// recovery, the baseline gate, phase names and the blood pressures the protocol requires.

import type { Checkpoint, ProtocolRules } from "../../api";
import { PHASE_LABELS } from "../../format";
import { ANCHORS, cadenceHint, NUMBER_FIELDS, type NumberField, newCheckpoint, PHASES, type ProtocolDraft } from "../../protocols";

type Change = (d: ProtocolDraft) => void;
const value = (e: Event) => (e.currentTarget as HTMLInputElement).value;

function NumberBox({ field, draft, onChange, hint }: { field: NumberField; draft: ProtocolDraft; onChange: Change; hint?: string }) {
  const f = NUMBER_FIELDS[field];
  const id = `pf-${field}`;
  const note = hint || f.hint;
  return (
    <div class="entry">
      <label for={id}>{f.label}</label>
      <input
        id={id}
        class="num"
        type="text"
        inputMode="decimal"
        placeholder={f.optional ? "none" : undefined}
        value={draft.numbers[field]}
        onInput={(e) => onChange({ ...draft, numbers: { ...draft.numbers, [field]: value(e) } })}
      />
      {note && <span class="muted">{note}</span>}
    </div>
  );
}

function Checkpoints({ draft, onChange }: { draft: ProtocolDraft; onChange: Change }) {
  const set = (i: number, change: Partial<ProtocolDraft["checkpoints"][number]>) =>
    onChange({ ...draft, checkpoints: draft.checkpoints.map((c, j) => (j === i ? { ...c, ...change } : c)) });
  return (
    <fieldset>
      <legend>Required blood pressures (checkpoints)</legend>
      <p class="muted">Each is a discharge criterion: a reading in its window, or a physician's override with a reason.</p>
      {draft.checkpoints.length > 0 && (
        <table class="data checkpoints" data-testid="checkpoints">
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">Label</th>
              <th scope="col">When</th>
              <th scope="col">Minutes after dosing</th>
              <th scope="col">Window ± min</th>
              <th scope="col">
                <span class="sr-only">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {draft.checkpoints.map((c, i) => {
              const n = i + 1;
              return (
                // keyed by place: a new checkpoint has no code yet, and every box is controlled by the draft
                <tr key={i}>
                  <td>
                    <input
                      class="code"
                      aria-label={`Checkpoint ${n} code`}
                      maxLength={32}
                      value={c.code}
                      onInput={(e) => set(i, { code: value(e) })}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Checkpoint ${n} label`}
                      maxLength={120}
                      value={c.label}
                      onInput={(e) => set(i, { label: value(e) })}
                    />
                  </td>
                  <td>
                    <select
                      aria-label={`Checkpoint ${n} when`}
                      value={c.anchor}
                      onChange={(e) => set(i, { anchor: value(e) as Checkpoint["anchor"] })}
                    >
                      {Object.entries(ANCHORS).map(([k, label]) => (
                        <option key={k} value={k}>
                          {label}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <input
                      class="num"
                      inputMode="decimal"
                      aria-label={`Checkpoint ${n} minutes after dosing`}
                      disabled={c.anchor !== "after_dose"}
                      value={c.anchor === "after_dose" ? c.minutes : ""}
                      onInput={(e) => set(i, { minutes: value(e) })}
                    />
                  </td>
                  <td>
                    <input
                      class="num"
                      inputMode="decimal"
                      aria-label={`Checkpoint ${n} window (min)`}
                      value={c.window}
                      onInput={(e) => set(i, { window: value(e) })}
                    />
                  </td>
                  <td>
                    <button
                      type="button"
                      aria-label={`Remove checkpoint ${n}`}
                      onClick={() => onChange({ ...draft, checkpoints: draft.checkpoints.filter((_, j) => j !== i) })}
                    >
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <button type="button" onClick={() => onChange({ ...draft, checkpoints: [...draft.checkpoints, newCheckpoint()] })}>
        Add checkpoint
      </button>
    </fieldset>
  );
}

export function ProtocolForm({ draft, onChange }: { draft: ProtocolDraft; onChange: Change }) {
  const box = (field: NumberField, hint?: string) => <NumberBox field={field} draft={draft} onChange={onChange} hint={hint} />;
  return (
    <>
      <fieldset>
        <legend>Protocol</legend>
        <div class="entry-grid">
          <div class="entry name">
            <label for="pf-name">Name</label>
            <input id="pf-name" maxLength={120} value={draft.name} onInput={(e) => onChange({ ...draft, name: value(e) })} />
          </div>
          <div class="entry">
            <label for="pf-drug">Drug</label>
            <input id="pf-drug" maxLength={64} value={draft.drug} onInput={(e) => onChange({ ...draft, drug: value(e) })} />
          </div>
          <div class="entry">
            <label for="pf-route">Route</label>
            <select id="pf-route" value={draft.route} onChange={(e) => onChange({ ...draft, route: value(e) as ProtocolRules["route"] })}>
              <option value="iv">IV infusion</option>
              <option value="intranasal">intranasal</option>
            </select>
          </div>
          <label class="entry check">
            <input
              type="checkbox"
              checked={draft.active}
              onChange={(e) => onChange({ ...draft, active: (e.currentTarget as HTMLInputElement).checked })}
            />{" "}
            Active: new sessions may use it
          </label>
        </div>
      </fieldset>
      <fieldset>
        <legend>Dose</legend>
        <div class="entry-grid">
          <div class="entry">
            <label for="pf-dosing">Dosing</label>
            <select
              id="pf-dosing"
              value={draft.dosing}
              onChange={(e) => onChange({ ...draft, dosing: value(e) as ProtocolRules["dosing"] })}
            >
              <option value="weight_based">by weight (mg/kg)</option>
              <option value="fixed">fixed doses (mg)</option>
            </select>
          </div>
          {draft.dosing === "weight_based" ? (
            <>
              {box("dose_mg_per_kg_min")}
              {box("dose_mg_per_kg_max")}
            </>
          ) : (
            <>
              <div class="entry">
                <label for="pf-fixed">Allowed doses (mg)</label>
                <input id="pf-fixed" value={draft.fixedDoses} onInput={(e) => onChange({ ...draft, fixedDoses: value(e) })} />
                <span class="muted">e.g. 56, 84</span>
              </div>
              {box("mg_per_device")}
            </>
          )}
          {box("planned_minutes")}
        </div>
      </fieldset>
      <fieldset>
        <legend>Reading cadence and recovery</legend>
        <div class="entry-grid">
          {box("infusion_check_seconds", cadenceHint(draft.numbers.infusion_check_seconds))}
          {box("recovery_check_seconds", cadenceHint(draft.numbers.recovery_check_seconds))}
          {box("min_recovery_minutes")}
          {box("min_observation_minutes")}
        </div>
      </fieldset>
      <fieldset>
        <legend>Baseline blood pressure gate</legend>
        <p class="muted">A baseline above either: the infusion starts only with a physician's override.</p>
        <div class="entry-grid">
          {box("baseline_max_systolic")}
          {box("baseline_max_diastolic")}
        </div>
      </fieldset>
      <fieldset>
        <legend>Phase names</legend>
        <p class="muted">
          What the chair tiles, the nurse's screen and the session chart call the phases of this protocol's sessions (Spravato: dosing,
          observation). A session keeps the names it started with.
        </p>
        <div class="entry-grid">
          {PHASES.map((phase) => (
            <div class="entry" key={phase}>
              <label for={`pf-phase-${phase}`}>{PHASE_LABELS[phase]} shown as</label>
              <input
                id={`pf-phase-${phase}`}
                maxLength={64}
                placeholder={PHASE_LABELS[phase].toLowerCase()}
                value={draft.phaseLabels[phase] ?? ""}
                onInput={(e) => onChange({ ...draft, phaseLabels: { ...draft.phaseLabels, [phase]: value(e) } })}
              />
            </div>
          ))}
        </div>
      </fieldset>
      <Checkpoints draft={draft} onChange={onChange} />
    </>
  );
}
