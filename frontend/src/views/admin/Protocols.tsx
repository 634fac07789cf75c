// Admin: the clinic's treatment protocols (GET/PUT /api/protocols). A protocol is saved whole,
// with a reason, and applies to sessions created afterwards: each session keeps a copy of the
// rules it started with.

import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Protocol } from "../../api";
import { fmtDateTime } from "../../format";
import { fromDraft, type ProtocolDraft, toDraft } from "../../protocols";
import { ErrorBox, errText } from "../../widgets";
import { ProtocolForm } from "./ProtocolForm";

/** The protocol being edited: an existing code, or a new one the admin is still typing. */
interface Open {
  code: string;
  isNew: boolean;
  draft: ProtocolDraft;
  /** The version opened (`updated_at`): the server refuses to save over a change made since. */
  basedOn: string | null;
}

function Editor({
  open,
  saved,
  onSaved,
}: {
  open: Open;
  /** What the last save did, said beside the button that did it. */
  saved: string | null;
  onSaved: (p: Protocol) => void;
}) {
  const [code, setCode] = useState(open.code);
  const [draft, setDraft] = useState(open.draft);
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    const body = fromDraft(draft);
    if (typeof body === "string") return setError(body);
    if (!reason.trim()) return setError("Give the reason for this change: it is kept in the audit log.");
    try {
      // A taken code or a change saved meanwhile comes back as a 409 in the server's words.
      const saved = await api.saveProtocol(code.trim(), { ...body, reason: reason.trim(), based_on: open.basedOn });
      setDraft(toDraft(saved));
      setReason("");
      onSaved(saved);
    } catch (err) {
      // What was typed stays in the form, to correct and save again.
      setError(errText(err));
    }
  };

  return (
    <form class="protocol-form" aria-labelledby="proto-edit-h" onSubmit={save} data-testid="protocol-editor">
      <h2 id="proto-edit-h" tabIndex={-1} ref={heading}>
        {open.isNew ? "New protocol" : `Edit ${open.draft.name}`}{" "}
        <span class="muted">({open.isNew ? code || "no code yet" : open.code})</span>
      </h2>
      {open.isNew && (
        <div class="entry">
          <label for="pf-code">Code</label>
          <input
            id="pf-code"
            maxLength={32}
            aria-describedby="pf-code-hint"
            value={code}
            onInput={(e) => setCode((e.currentTarget as HTMLInputElement).value)}
          />
          <span id="pf-code-hint" class="muted">
            lower-case letters, digits and hyphens; sessions and courses name the protocol by it, and it never changes
          </span>
        </div>
      )}
      <ProtocolForm draft={draft} onChange={setDraft} />
      <div class="entry wide">
        <label for="pf-reason">Reason for the change (required; kept in the audit log)</label>
        <input
          id="pf-reason"
          type="text"
          maxLength={2000}
          value={reason}
          onInput={(e) => setReason((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <ErrorBox error={error} />
      {saved && !error && (
        <p role="status" data-testid="protocols-msg">
          ✓ {saved}
        </p>
      )}
      <div class="button-row">
        <button type="submit" class="primary">
          {open.isNew ? "Add protocol" : "Save protocol"}
        </button>
      </div>
    </form>
  );
}

export function Protocols() {
  const [protocols, setProtocols] = useState<Protocol[]>([]);
  const [open, setOpen] = useState<Open | null>(null);
  const [basis, setBasis] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const load = () => api.protocols().then(setProtocols, (e) => setError(errText(e)));
  useEffect(() => void load(), []);

  const edit = async (code: string) => {
    setError(null);
    setMsg(null);
    try {
      const p = await api.protocol(code);
      setOpen({ code, isNew: false, draft: toDraft(p), basedOn: p.updated_at });
    } catch (e) {
      setError(errText(e));
    }
  };
  const start = () => {
    const from = protocols.find((p) => p.code === basis) ?? protocols[0];
    if (!from) return;
    setMsg(null);
    setOpen({ code: "", isNew: true, draft: { ...toDraft(from), name: "" }, basedOn: null });
  };

  return (
    <section aria-labelledby="protocols-h" class="protocols-admin">
      <h1 id="protocols-h">Treatment protocols</h1>
      <p class="notice" data-testid="protocols-notice">
        A saved change applies to sessions created after it. <strong>Sessions already running keep the rules they started with.</strong>{" "}
        Every change is audited with its reason.
      </p>
      <ErrorBox error={error} />
      <table class="data protocols" data-testid="protocols">
        <thead>
          <tr>
            <th scope="col">Code</th>
            <th scope="col">Name</th>
            <th scope="col">Drug</th>
            <th scope="col">Status</th>
            <th scope="col">Last changed</th>
            <th scope="col">
              <span class="sr-only">Edit</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {protocols.map((p) => (
            <tr key={p.code} data-testid={`protocol-${p.code}`} aria-current={open?.code === p.code ? "true" : undefined}>
              <td>{p.code}</td>
              <td>{p.name}</td>
              <td>
                {p.rules.drug}, {p.rules.route === "iv" ? "IV" : p.rules.route}
              </td>
              <td>{p.active ? "✔ active" : "✘ inactive: not for new sessions"}</td>
              <td>{fmtDateTime(p.updated_at)}</td>
              <td>
                <button type="button" aria-label={`Edit ${p.name}`} onClick={() => void edit(p.code)}>
                  Edit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="stack-form new-protocol">
        <div class="entry">
          <label for="proto-basis">New clinic protocol, starting from</label>
          <select
            id="proto-basis"
            value={basis || protocols[0]?.code}
            onChange={(e) => setBasis((e.currentTarget as HTMLSelectElement).value)}
          >
            {protocols.map((p) => (
              <option key={p.code} value={p.code}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <button type="button" disabled={protocols.length === 0} onClick={start}>
          New protocol
        </button>
      </div>
      {open && (
        <Editor
          // One editor per version: opened again after someone else's change, it shows theirs.
          key={open.isNew ? `new:${basis}` : `${open.code}@${open.basedOn}`}
          open={open}
          saved={msg}
          onSaved={(p) => {
            setMsg(`Saved ${p.name} (${p.code}). New sessions use it; running ones keep their rules.`);
            setOpen({ code: p.code, isNew: false, draft: toDraft(p), basedOn: p.updated_at });
            void load();
          }}
        />
      )}
    </section>
  );
}
