// Admin: the clinic's alert rules (GET/PUT /api/alert-rules), every rule one row, saved whole.

import { useEffect, useState } from "preact/hooks";
import { type AlertRule, api, type Threshold } from "../../api";
import { parameterLabel } from "../../format";
import { ErrorBox, errText } from "../../widgets";

const OPS: Threshold["op"][] = [">", ">=", "<", "<="];
const KIND_LABEL: Record<AlertRule["kind"], string> = {
  absolute: "absolute limit",
  baseline: "change from baseline",
  news2: "NEWS2 score",
  overdue: "overdue reading",
};
const PRIORITIES = ["medium", "high"] as const;
type Priority = (typeof PRIORITIES)[number];

/** A threshold as typed: the number stays text until saved, so "12," can be on its way to "12,5". */
interface DraftThreshold {
  op: Threshold["op"];
  text: string;
}
export interface DraftRule {
  rule: AlertRule;
  medium: DraftThreshold;
  high: DraftThreshold;
}

export function toDraft(rule: AlertRule): DraftRule {
  // a priority without a threshold offers the other one's comparison when one is typed in
  const op = rule.high?.op ?? rule.medium?.op ?? ">=";
  const draft = (t: Threshold | null): DraftThreshold => ({ op: t?.op ?? op, text: t ? String(t.value) : "" });
  return { rule, medium: draft(rule.medium), high: draft(rule.high) };
}

/** The rule to PUT, or the sentence saying which limit is not a number. */
export function fromDraft(d: DraftRule): AlertRule | string {
  const out: AlertRule = { ...d.rule };
  for (const p of PRIORITIES) {
    const text = d[p].text.trim().replace(",", ".");
    const value = Number(text);
    if (text === "") out[p] = null;
    else if (Number.isFinite(value)) out[p] = { op: d[p].op, value };
    else return `${d.rule.code} ${p} limit: enter a number, or leave it empty for none`;
  }
  return out;
}

/** One priority's comparison and limit of a draft rule; `name` labels them for a screen reader. */
export function ThresholdEdit({
  name,
  priority,
  draft,
  onChange,
}: {
  name: string;
  priority: Priority;
  draft: DraftRule;
  onChange: (d: DraftRule) => void;
}) {
  const t = draft[priority];
  const set = (change: Partial<DraftThreshold>) => onChange({ ...draft, [priority]: { ...t, ...change } });
  return (
    <span class="threshold">
      <select
        aria-label={`${name} ${priority} comparison`}
        value={t.op}
        onChange={(e) => set({ op: (e.currentTarget as HTMLSelectElement).value as Threshold["op"] })}
      >
        {OPS.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <input
        class="num"
        type="text"
        inputMode="decimal"
        aria-label={`${name} ${priority} limit`}
        value={t.text}
        placeholder="none"
        onInput={(e) => set({ text: (e.currentTarget as HTMLInputElement).value })}
      />
    </span>
  );
}

/** The reason and confirmation a change that makes alarms less sensitive needs (the server's
 * 422 says which alarms; `who` are the patients it applies to). */
export function LooseningConfirm({
  message,
  reason,
  onReason,
  confirmed,
  onConfirmed,
  who,
}: {
  message: string;
  reason: string;
  onReason: (r: string) => void;
  confirmed: boolean;
  onConfirmed: (c: boolean) => void;
  who: string;
}) {
  return (
    <div class="loosening" role="alertdialog" aria-labelledby="loosen-h" data-testid="loosening">
      <h2 id="loosen-h">⚠ Alarms become less sensitive</h2>
      <p>{message}</p>
      <div class="entry wide">
        <label for="loosen-reason">Reason (shown on every dashboard while an alarm is off)</label>
        <input
          id="loosen-reason"
          type="text"
          maxLength={500}
          value={reason}
          onInput={(e) => onReason((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <label>
        <input type="checkbox" checked={confirmed} onChange={(e) => onConfirmed((e.currentTarget as HTMLInputElement).checked)} /> I confirm
        that these alarms become less sensitive for {who}
      </label>
    </div>
  );
}

export function AlertRules() {
  const [rows, setRows] = useState<DraftRule[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  // Set when the server refuses a change that makes alarms less sensitive without a reason.
  const [loosening, setLoosening] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [confirmed, setConfirmed] = useState(false);
  const show = (rules: AlertRule[]) => {
    setRows(rules.map(toDraft));
    setDirty(false);
    setLoosening(null);
    setReason("");
    setConfirmed(false);
  };
  const load = () => api.alertRules().then(show, (e) => setError(errText(e)));
  useEffect(() => void load(), []);

  const edit = (i: number, change: (d: DraftRule) => DraftRule) => {
    setRows((rs) => rs.map((r, j) => (j === i ? change(r) : r)));
    setDirty(true);
    setMsg(null);
  };
  const save = async () => {
    setError(null);
    const rules = rows.map(fromDraft);
    const bad = rules.find((r): r is string => typeof r === "string");
    if (bad) {
      setError(bad);
      return;
    }
    try {
      const asked = loosening !== null;
      show(await api.putAlertRules(rules as AlertRule[], asked ? reason : undefined, asked && confirmed));
      setMsg("Saved ✓ (the change is audited)");
    } catch (e) {
      const text = errText(e);
      if (text.includes("less sensitive")) setLoosening(text);
      else setError(text);
    }
  };

  return (
    <section aria-labelledby="rules-h">
      <h1 id="rules-h">Clinic alert limits</h1>
      <p class="muted">Clinic-wide defaults. Empty = no limit at that priority. Per-patient overrides are set by a physician.</p>
      <ErrorBox error={error} />
      {msg && <p role="status">{msg}</p>}
      <div class="table-scroll">
        <table class="data rules">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Kind</th>
              <th scope="col">Parameter</th>
              <th scope="col">Medium</th>
              <th scope="col">High</th>
              <th scope="col">Enabled</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d, i) => (
              <tr key={d.rule.code} data-testid={`rule-${d.rule.code}`}>
                <td>
                  {d.rule.name ?? d.rule.code} <span class="muted">({d.rule.code})</span>
                </td>
                <td>{KIND_LABEL[d.rule.kind]}</td>
                <td>{parameterLabel(d.rule.parameter)}</td>
                <td>
                  <ThresholdEdit name={d.rule.code} priority="medium" draft={d} onChange={(x) => edit(i, () => x)} />{" "}
                  <span class="unit">{d.rule.unit}</span>
                </td>
                <td>
                  <ThresholdEdit name={d.rule.code} priority="high" draft={d} onChange={(x) => edit(i, () => x)} />{" "}
                  <span class="unit">{d.rule.unit}</span>
                </td>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`${d.rule.code} enabled`}
                    checked={d.rule.enabled !== false}
                    onChange={(e) => {
                      const enabled = (e.currentTarget as HTMLInputElement).checked;
                      edit(i, (r) => ({ ...r, rule: { ...r.rule, enabled } }));
                    }}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {loosening && (
        <LooseningConfirm
          message={loosening}
          reason={reason}
          onReason={setReason}
          confirmed={confirmed}
          onConfirmed={setConfirmed}
          who="every patient of the clinic"
        />
      )}
      <div class="button-row">
        <button
          type="button"
          class="primary"
          disabled={!dirty || (loosening !== null && (!reason.trim() || !confirmed))}
          onClick={() => void save()}
        >
          {loosening ? "Save with reason" : "Save limits"}
        </button>
        <button type="button" disabled={!dirty} onClick={() => void load()}>
          Discard changes
        </button>
      </div>
    </section>
  );
}
