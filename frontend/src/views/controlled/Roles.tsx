// Who may do what in the log: the clinic's choice (admins), enforced by the server on every act.

import { useEffect, useState } from "preact/hooks";
import { api, type CtlAct, type CtlRoleLine } from "../../api";
import { ErrorBox, errText } from "../../widgets";

const ROLES = ["nurse", "physician", "admin"] as const;
const ACT_LABEL: Record<CtlAct, string> = {
  receive: "Receive stock",
  draw: "Draw for a session",
  waste: "Waste what is left",
  witness: "Witness",
  count: "Count the safe",
  resolve: "Resolve a discrepancy",
  report: "Reports and chain check",
  loss: "Record a breakage or loss",
  destroy: "Destroy stock",
};

export function Roles({ onSaved }: { onSaved: () => void }) {
  const [lines, setLines] = useState<CtlRoleLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    api.ctlRoles().then(setLines, (e) => setError(errText(e)));
  }, []);
  const flip = (act: CtlAct, role: (typeof ROLES)[number]) => {
    setSaved(false);
    setLines(
      lines.map((l) =>
        l.act !== act ? l : { ...l, roles: l.roles.includes(role) ? l.roles.filter((r) => r !== role) : [...l.roles, role] },
      ),
    );
  };
  return (
    <details class="ctl-roles">
      <summary>
        <h2>Who may do what</h2>
      </summary>
      <form
        aria-label="Who may do what"
        onSubmit={(e) => {
          e.preventDefault();
          api.ctlSetRoles(lines).then(
            (l) => {
              setLines(l);
              setError(null);
              setSaved(true);
              onSaved();
            },
            (err) => setError(errText(err)),
          );
        }}
      >
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Act</th>
              {ROLES.map((r) => (
                <th key={r} scope="col">
                  {r}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {lines.map((l) => (
              <tr key={l.act}>
                <th scope="row">{ACT_LABEL[l.act]}</th>
                {ROLES.map((r) => (
                  <td key={r}>
                    <input
                      type="checkbox"
                      aria-label={`${r}: ${ACT_LABEL[l.act]}`}
                      checked={l.roles.includes(r)}
                      onChange={() => flip(l.act, r)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <p class="muted">Nobody witnesses their own entry, whatever their role. Every change is audited.</p>
        <div class="form-actions">
          <button type="submit" class="primary">
            Save who may do what
          </button>
          {saved && <span role="status">Saved ✓</span>}
        </div>
        <ErrorBox error={error} />
      </form>
    </details>
  );
}
