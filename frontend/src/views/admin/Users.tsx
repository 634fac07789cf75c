// Admin: user accounts (create, role, deactivate, password).

import { useEffect, useState } from "preact/hooks";
import { api, type Role, type User, type UserUpdate } from "../../api";
import { useServices } from "../../services";
import { ErrorBox, errText } from "../../widgets";

const ROLES: Role[] = ["nurse", "physician", "admin"];

export function Users() {
  const { user: me } = useServices();
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [f, setF] = useState({ username: "", display_name: "", role: "nurse" as Role, password: "" });
  const [msg, setMsg] = useState<string | null>(null);
  const load = () => api.users().then(setUsers, (e) => setError(errText(e)));
  useEffect(() => void load(), []);

  const patch = async (u: User, p: UserUpdate) => {
    setError(null);
    setMsg(null);
    try {
      await api.updateUser(u.id, p);
      setMsg(`Updated ${u.username}.`);
      await load();
    } catch (e) {
      setError(errText(e));
    }
  };
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setMsg(null);
    try {
      const u = await api.createUser(f);
      setMsg(`Created ${u.username}.`);
      setF({ username: "", display_name: "", role: "nurse", password: "" });
      await load();
    } catch (err) {
      setError(errText(err));
    }
  };
  const set = (k: keyof typeof f) => (e: Event) => {
    const v = (e.currentTarget as HTMLInputElement).value;
    setF((old) => ({ ...old, [k]: v }));
  };

  return (
    <section aria-labelledby="users-h">
      <h1 id="users-h">Users</h1>
      <ErrorBox error={error} />
      {msg && <p role="status">✓ {msg}</p>}
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid={`user-${u.username}`}>
              <td>{u.username}</td>
              <td>{u.display_name}</td>
              <td>
                <label class="sr-only" for={`role-${u.id}`}>
                  Role of {u.username}
                </label>
                <select
                  id={`role-${u.id}`}
                  value={u.role}
                  disabled={u.id === me.id}
                  onChange={(e) => void patch(u, { role: (e.currentTarget as HTMLSelectElement).value as Role })}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>{u.active ? "✔ active" : "✘ deactivated"}</td>
              <td>
                {u.id !== me.id && (
                  <button type="button" onClick={() => void patch(u, { active: !u.active })}>
                    {u.active ? "Deactivate" : "Reactivate"}
                  </button>
                )}{" "}
                <button
                  type="button"
                  onClick={() => {
                    const p = prompt(`New password for ${u.username} (at least 12 characters)`);
                    if (p) void patch(u, { password: p });
                  }}
                >
                  Set password
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>New user</h2>
      <form class="stack-form" onSubmit={create}>
        <div class="entry">
          <label for="nu-username">Username</label>
          <input id="nu-username" type="text" autoComplete="off" required value={f.username} onInput={set("username")} />
        </div>
        <div class="entry">
          <label for="nu-name">Display name</label>
          <input id="nu-name" type="text" required value={f.display_name} onInput={set("display_name")} />
        </div>
        <div class="entry">
          <label for="nu-role">Role</label>
          <select id="nu-role" value={f.role} onChange={set("role")}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div class="entry">
          <label for="nu-password">Password</label>
          <input
            id="nu-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            aria-describedby="nu-password-hint"
            value={f.password}
            onInput={set("password")}
          />
          <span id="nu-password-hint" class="muted">
            at least 12 characters
          </span>
        </div>
        <button type="submit" class="primary">
          Create user
        </button>
      </form>
    </section>
  );
}
