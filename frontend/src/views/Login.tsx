import { useState } from "preact/hooks";
import { ApiError, api, type User } from "../api";
import { ErrorBox, errText } from "../widgets";

export function Login({ onLogin, notice }: { onLogin: (u: User) => void; notice: string | null }) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  // Shown once the server says this account signs in with a one-time code as well.
  const [needsCode, setNeedsCode] = useState(false);
  const [otp, setOtp] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { user } = await api.login(username.trim(), password, needsCode ? otp.trim() : undefined);
      setPassword("");
      setOtp("");
      onLogin(user);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && /authenticator app/.test(String(err.detail))) {
        setNeedsCode(true);
      }
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="login">
      <form onSubmit={submit} aria-labelledby="login-h">
        <h1 id="login-h">Vigil</h1>
        <p class="muted">Infusion session monitoring — sign in</p>
        {notice && (
          <p class="notice" role="status">
            {notice}
          </p>
        )}
        <div class="entry">
          <label for="username">Username</label>
          <input
            id="username"
            name="username"
            type="text"
            autoComplete="username"
            required
            value={username}
            onInput={(e) => setUsername((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="entry">
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        {needsCode && (
          <div class="entry">
            <label for="otp">One-time code</label>
            <input
              id="otp"
              name="otp"
              type="text"
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={32}
              required
              value={otp}
              onInput={(e) => setOtp((e.currentTarget as HTMLInputElement).value)}
            />
          </div>
        )}
        <button type="submit" class="primary big" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}
