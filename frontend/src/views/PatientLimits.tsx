// This patient's alert limits on the session screen: the clinic's, and a physician's overrides
// for this patient (PUT /api/patients/{id}/alert-rules). Names and units come from the server's
// rules, as on the clinic screen; a change that makes an alarm less sensitive needs a reason and
// a confirmation (the server refuses it otherwise, and audits it).

import { useEffect, useState } from "preact/hooks";
import { type AlertRule, api, type Threshold } from "../api";
import { OP_LABEL } from "../limits";
import { useServices } from "../services";
import { ErrorBox, errText } from "../widgets";
import { type DraftRule, fromDraft, LooseningConfirm, ThresholdEdit, toDraft } from "./admin/AlertRules";

function limitText(rule: AlertRule): string {
  if (rule.enabled === false) return "OFF";
  const one = (p: "medium" | "high", t: Threshold | null) => (t ? `${p} ${OP_LABEL[t.op]} ${t.value}` : null);
  const parts = [one("medium", rule.medium), one("high", rule.high)].filter(Boolean);
  return parts.length ? `${parts.join(", ")} ${rule.unit ?? ""}`.trim() : "no limit";
}

const same = (a: AlertRule, b: AlertRule) => limitText(a) === limitText(b);

export function PatientLimits({ patientId }: { patientId: string }) {
  const { user } = useServices();
  const canEdit = user.role === "physician";
  const [clinic, setClinic] = useState<AlertRule[]>([]);
  const [own, setOwn] = useState<AlertRule[]>([]);
  const [editing, setEditing] = useState<DraftRule | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [loosening, setLoosening] = useState<{ message: string; next: AlertRule[] } | null>(null);
  const [reason, setReason] = useState("");
  const [confirmed, setConfirmed] = useState(false);

  const load = () =>
    Promise.all([api.alertRules(), api.patientAlertRules(patientId)]).then(
      ([c, p]) => {
        setClinic(c);
        setOwn(p);
      },
      (e) => setError(errText(e)),
    );
  useEffect(() => void load(), [patientId]);

  const save = async (next: AlertRule[], asked = false) => {
    setError(null);
    setMsg(null);
    try {
      setOwn(await api.putPatientAlertRules(patientId, next, asked ? reason.trim() : undefined, asked && confirmed));
      setMsg("Saved ✓ — this patient's alarms use it from the next reading (the change is audited)");
      setEditing(null);
      setLoosening(null);
      setReason("");
      setConfirmed(false);
    } catch (e) {
      const text = errText(e);
      if (!asked && text.includes("less sensitive")) setLoosening({ message: text, next });
      else setError(text);
    }
  };
  const cancel = () => {
    setEditing(null);
    setLoosening(null);
  };
  const saveEdit = () => {
    if (!editing) return;
    const rule = fromDraft(editing);
    if (typeof rule === "string") {
      setError(rule);
      return;
    }
    const base = clinic.find((c) => c.code === rule.code);
    const others = own.filter((o) => o.code !== rule.code);
    void save(base && same(base, rule) ? others : [...others, rule]);
  };

  return (
    <section aria-labelledby="limits-h" class="patient-limits">
      <h2 id="limits-h">Alert limits for this patient</h2>
      <p class="muted">Clinic limits apply unless a physician sets this patient's own.{canEdit ? "" : " Only a physician changes them."}</p>
      <ErrorBox error={error} />
      {msg && (
        <p role="status" data-testid="limits-msg">
          {msg}
        </p>
      )}
      <div class="table-scroll">
        <table class="data limits" data-testid="patient-limits">
          <thead>
            <tr>
              <th scope="col">Alarm</th>
              <th scope="col">Clinic</th>
              <th scope="col">This patient</th>
              {canEdit && <th scope="col">Change</th>}
            </tr>
          </thead>
          <tbody>
            {clinic.map((c) => {
              const mine = own.find((o) => o.code === c.code);
              const name = c.name ?? c.code;
              const open = editing?.rule.code === c.code;
              return (
                <tr key={c.code} data-testid={`limit-${c.code}`} class={mine ? "overridden" : undefined}>
                  <th scope="row">{name}</th>
                  <td>{limitText(c)}</td>
                  <td data-testid={`own-${c.code}`}>
                    {open && editing ? (
                      <span class="limit-edit">
                        <ThresholdEdit name={name} priority="medium" draft={editing} onChange={setEditing} />{" "}
                        <ThresholdEdit name={name} priority="high" draft={editing} onChange={setEditing} />{" "}
                        <span class="unit">{c.unit}</span>{" "}
                        <label>
                          <input
                            type="checkbox"
                            checked={editing.rule.enabled !== false}
                            onChange={(e) =>
                              setEditing({ ...editing, rule: { ...editing.rule, enabled: (e.currentTarget as HTMLInputElement).checked } })
                            }
                          />{" "}
                          alarm on
                        </label>
                      </span>
                    ) : mine ? (
                      <strong>{limitText(mine)}</strong>
                    ) : (
                      <span class="muted">clinic's</span>
                    )}
                  </td>
                  {canEdit && (
                    <td class="actions">
                      {open ? (
                        <>
                          <button type="button" class="primary" onClick={saveEdit} disabled={loosening !== null}>
                            Save
                          </button>{" "}
                          <button type="button" onClick={cancel}>
                            Cancel
                          </button>
                        </>
                      ) : (
                        <>
                          <button
                            type="button"
                            aria-label={`Change ${name} for this patient`}
                            onClick={() => setEditing(toDraft(mine ?? c))}
                          >
                            Change
                          </button>
                          {mine && (
                            <button type="button" onClick={() => void save(own.filter((o) => o.code !== c.code))}>
                              Use clinic's
                            </button>
                          )}
                        </>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {loosening && (
        <>
          <LooseningConfirm
            message={loosening.message}
            reason={reason}
            onReason={setReason}
            confirmed={confirmed}
            onConfirmed={setConfirmed}
            who="this patient"
          />
          <div class="button-row">
            <button type="button" class="primary" disabled={!reason.trim() || !confirmed} onClick={() => void save(loosening.next, true)}>
              Save with reason
            </button>
            <button type="button" onClick={cancel}>
              Cancel
            </button>
          </div>
        </>
      )}
    </section>
  );
}
