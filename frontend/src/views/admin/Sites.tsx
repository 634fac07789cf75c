// Admin: the clinic's sites, their chairs in dashboard order, and who works where. A chair is
// retired, never deleted: its past sessions keep pointing at it, and it can return to service.

import { useEffect, useState } from "preact/hooks";
import { api, type Chair, type Site, type User } from "../../api";
import { ErrorBox, errText } from "../../widgets";

/** The chairs in service with `chair` moved by `step` places; positions 1..n in that order. */
export function moved(chairs: Chair[], chair: Chair, step: -1 | 1): { id: string; position: number }[] {
  const order = chairs.filter((c) => !c.retired_at);
  const from = order.findIndex((c) => c.id === chair.id);
  const to = from + step;
  if (from < 0 || to < 0 || to >= order.length) return [];
  [order[from], order[to]] = [order[to], order[from]];
  return order.map((c, i) => ({ id: c.id, position: i + 1 })).filter((p, i) => order[i].position !== p.position);
}

function NameForm({
  label,
  id,
  onSave,
  button,
}: {
  label: string;
  id: string;
  onSave: (name: string) => Promise<boolean>;
  button: string;
}) {
  const [name, setName] = useState("");
  return (
    <form
      class="stack-form"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onSave(name.trim())) setName("");
      }}
    >
      <div class="entry">
        <label for={id}>{label}</label>
        <input
          id={id}
          type="text"
          required
          maxLength={64}
          value={name}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
      </div>
      <button type="submit" class="primary">
        {button}
      </button>
    </form>
  );
}

function Members({ site, users, onError }: { site: Site; users: User[]; onError: (e: unknown) => void }) {
  // null until this site's members are read: a box must not show another site's answer.
  const [members, setMembers] = useState<Set<string> | null>(null);
  const load = () => api.siteMembers(site.id).then((ids) => setMembers(new Set(ids)), onError);
  useEffect(() => void load(), []);
  const staff = users.filter((u) => u.role !== "admin");
  return (
    <section aria-labelledby="members-h">
      <h2 id="members-h">Who works at {site.name}</h2>
      <p class="muted">Members see this site's chairs, sessions and alarms. Admins see every site.</p>
      <ul class="members" data-testid="members">
        {staff.map((u) => (
          <li key={u.id}>
            <label>
              <input
                type="checkbox"
                checked={members?.has(u.id) ?? false}
                disabled={members === null}
                onChange={async (e) => {
                  const member = (e.currentTarget as HTMLInputElement).checked;
                  try {
                    await api.setSiteMember(site.id, u.id, member);
                  } catch (err) {
                    onError(err);
                  }
                  await load();
                }}
              />{" "}
              {u.display_name}{" "}
              <span class="muted">
                ({u.username}, {u.role})
              </span>
            </label>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Sites() {
  const [sites, setSites] = useState<Site[]>([]);
  const [users, setUsers] = useState<User[]>([]);
  const [siteId, setSiteId] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const load = () => api.sites(true).then(setSites, (e) => setError(errText(e)));
  useEffect(() => {
    void load();
    api.users().then(setUsers, (e) => setError(errText(e)));
  }, []);
  const site = sites.find((s) => s.id === siteId) ?? sites[0];
  const inService = site?.chairs.filter((c) => !c.retired_at) ?? [];
  const retired = site?.chairs.filter((c) => c.retired_at) ?? [];

  // One change at a time: each works from the order the last one left.
  const [busy, setBusy] = useState(false);
  /** Run a change, reload, say what it did; false (and the message) when the server refused. */
  const act = async (done: string, change: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    setMsg(null);
    setBusy(true);
    let saved = false;
    try {
      await change();
      saved = true;
    } catch (e) {
      setError(errText(e));
    }
    await load();
    setBusy(false);
    if (saved) setMsg(done);
    return saved;
  };
  const reorder = (chair: Chair, step: -1 | 1) =>
    act(`Moved ${chair.name} ${step < 0 ? "up" : "down"}.`, async () => {
      for (const p of moved(site?.chairs ?? [], chair, step)) await api.updateChair(p.id, { position: p.position });
    });
  const rename = (chair: Chair) => {
    const name = prompt(`New name for ${chair.name}`, chair.name)?.trim();
    if (name && name !== chair.name) void act(`Renamed ${chair.name} to ${name}.`, () => api.updateChair(chair.id, { name }));
  };

  return (
    <section aria-labelledby="sites-h" class="sites-admin">
      <h1 id="sites-h">Sites and chairs</h1>
      <p class="muted">Each site's dashboard shows its chairs in this order, empty ones too. Every change is audited.</p>
      <ErrorBox error={error} />
      {msg && (
        <p role="status" data-testid="sites-msg">
          ✓ {msg}
        </p>
      )}
      {sites.length > 1 && (
        <div class="entry site-filter">
          <label for="site-pick">Site</label>
          <select id="site-pick" value={site?.id} onChange={(e) => setSiteId((e.currentTarget as HTMLSelectElement).value)}>
            {sites.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {site && (
        <div class="sites-cols">
          <section aria-labelledby="chairs-h">
            <h2 id="chairs-h">
              Chairs at {site.name}{" "}
              <button
                type="button"
                onClick={() => {
                  const name = prompt(`New name for the site ${site.name}`, site.name)?.trim();
                  if (name && name !== site.name) void act(`Renamed the site to ${name}.`, () => api.updateSite(site.id, { name }));
                }}
              >
                Rename site
              </button>
            </h2>
            <table class="data chairs" data-testid="chairs">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Chair</th>
                  <th scope="col">Now</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {inService.map((c, i) => (
                  <tr key={c.id} data-testid={`chair-row-${c.name}`}>
                    <td>{i + 1}</td>
                    <td>{c.name}</td>
                    <td>{c.session_id ? "in use" : "free"}</td>
                    <td>
                      <div class="actions">
                        <button
                          type="button"
                          aria-label={`Move ${c.name} up`}
                          disabled={busy || i === 0}
                          onClick={() => void reorder(c, -1)}
                        >
                          ↑
                        </button>
                        <button
                          type="button"
                          aria-label={`Move ${c.name} down`}
                          disabled={busy || i === inService.length - 1}
                          onClick={() => void reorder(c, 1)}
                        >
                          ↓
                        </button>
                        <button type="button" onClick={() => rename(c)}>
                          Rename
                        </button>
                        <button
                          type="button"
                          disabled={c.session_id !== null}
                          title={c.session_id ? "End its session first" : undefined}
                          onClick={() => {
                            if (confirm(`Retire ${c.name}? It leaves the dashboard; its past sessions keep their record.`))
                              void act(`Retired ${c.name}.`, () => api.updateChair(c.id, { retired: true }));
                          }}
                        >
                          Retire
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {inService.length === 0 && <p class="muted">No chairs in service yet.</p>}
            <NameForm
              id="new-chair"
              label="New chair or bay"
              button="Add chair"
              onSave={(name) => act(`Added ${name}; it is last on the dashboard.`, () => api.addChair(site.id, { name }))}
            />
            {retired.length > 0 && (
              <>
                <h3>Retired</h3>
                <ul class="retired" data-testid="retired-chairs">
                  {retired.map((c) => (
                    <li key={c.id}>
                      {c.name}{" "}
                      <button
                        type="button"
                        onClick={() => void act(`${c.name} is back in service.`, () => api.updateChair(c.id, { retired: false }))}
                      >
                        Return to service
                      </button>
                    </li>
                  ))}
                </ul>
              </>
            )}
          </section>
          <Members key={site.id} site={site} users={users} onError={(e) => setError(errText(e))} />
        </div>
      )}
      <h2>New site</h2>
      <NameForm
        id="new-site"
        label="Site name"
        button="Add site"
        onSave={async (name) => {
          let made: Site | null = null;
          const saved = await act(`Added the site ${name}.`, async () => {
            made = await api.createSite({ name });
          });
          if (made) setSiteId((made as Site).id);
          return saved;
        }}
      />
    </section>
  );
}
