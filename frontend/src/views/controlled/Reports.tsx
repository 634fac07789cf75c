// The log's reports for admins: the running log, the dispensing report of a date range, the
// biennial inventory as of a chosen day (balances as they stood then), and the chain check.

import { useState } from "preact/hooks";
import { api, type CtlCheck, dayRange, exportLinks } from "../../api";
import { ErrorBox, errText } from "../../widgets";
import type { Desk } from "../Safe";

export function Reports({ desk }: { desk: Desk }) {
  const today = new Date().toISOString().slice(0, 10);
  const [asOf, setAsOf] = useState(today);
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [check, setCheck] = useState<CtlCheck | null>(null);
  const [error, setError] = useState<string | null>(null);
  const links = exportLinks.controlled(desk.siteId);
  // The close of the chosen day; today's inventory is as of now.
  const asOfIso = asOf && asOf !== today ? dayRange(asOf, asOf).to : "";
  const range = dayRange(from, to);
  return (
    <section aria-labelledby="ctl-rep-h">
      <h2 id="ctl-rep-h">Reports</h2>
      <p class="muted">Every download is audited.</p>
      <div class="stack-form">
        <div class="entry">
          <label for="ctl-asof">Inventory as of the close of</label>
          <input id="ctl-asof" type="date" max={today} value={asOf} onInput={(e) => setAsOf((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <a class="button" href={links.inventoryPdf(asOfIso)} data-testid="ctl-inventory-pdf">
          Inventory PDF
        </a>
        <a class="button" href={links.inventoryCsv(asOfIso)}>
          Inventory CSV
        </a>
      </div>
      <div class="stack-form">
        <div class="entry">
          <label for="ctl-from">Dispensing from</label>
          <input id="ctl-from" type="date" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <div class="entry">
          <label for="ctl-to">to</label>
          <input id="ctl-to" type="date" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <a class="button" href={links.dispensingCsv(range.from, range.to)}>
          Dispensing CSV
        </a>
      </div>
      <div class="button-row">
        <a class="button" href={links.logPdf} data-testid="ctl-log-pdf">
          Running log PDF
        </a>
        <a class="button" href={links.logCsv}>
          Running log CSV
        </a>
        <button
          type="button"
          onClick={() =>
            api.ctlVerify(desk.siteId).then(
              (c) => {
                setCheck(c);
                setError(null);
              },
              (e) => setError(errText(e)),
            )
          }
        >
          Check the log's chain
        </button>
      </div>
      {check && (
        <p class={check.ok ? "notice" : "error-box"} role="status">
          {check.message}
        </p>
      )}
      <ErrorBox error={error} />
      <h3>Per container</h3>
      <ul class="ctl-container-logs">
        {desk.containers.map((c) => (
          <li key={c.id}>
            <a href={links.containerPdf(c.id)}>{c.label}</a>
          </li>
        ))}
      </ul>
    </section>
  );
}
