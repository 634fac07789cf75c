// The signed-in user's own account: two-step sign-in (TOTP) on, recovery codes, off.

import { useEffect, useState } from "preact/hooks";
import { api, type MfaEnrolment, type MfaStatus } from "../api";
import { useServices } from "../services";
import { ErrorBox, errText } from "../widgets";

/** The secret in groups of four, as authenticator apps show it and a person types it. */
export function groupedSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

function CodeField({ id, label, value, onInput }: { id: string; label: string; value: string; onInput: (v: string) => void }) {
  return (
    <div class="entry">
      <label for={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={32}
        required
        value={value}
        onInput={(e) => onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}

function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  return (
    <section class="recovery-codes" aria-labelledby="codes-h">
      <h2 id="codes-h">Your recovery codes</h2>
      <p>Each code signs you in once if your phone is lost. Write them down or print this page now: they are not shown again.</p>
      <ol data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <button type="button" class="primary" onClick={onDone}>
        I have saved these codes
      </button>
    </section>
  );
}

function Enrol({ onEnrolled }: { onEnrolled: (codes: string[]) => void }) {
  const [enrolment, setEnrolment] = useState<MfaEnrolment | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setError(null);
    try {
      const started = await api.mfaEnrol();
      setEnrolment(started);
      // Loaded with the page that needs it: the rest of the dashboard does without.
      const { toDataURL } = await import("qrcode");
      setQr(await toDataURL(started.otpauth_uri, { margin: 2, width: 240, errorCorrectionLevel: "M" }));
    } catch (e) {
      setError(errText(e));
    }
  };
  const confirm = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { recovery_codes } = await api.mfaConfirm(code.trim());
      onEnrolled(recovery_codes);
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  if (!enrolment)
    return (
      <div>
        <p>
          Two-step sign-in is off. With it on, signing in needs a 6-digit code from an authenticator app on your phone as well as your
          password.
        </p>
        <button type="button" class="primary" onClick={() => void start()}>
          Set up two-step sign-in
        </button>
        <ErrorBox error={error} />
      </div>
    );
  return (
    <form class="enrol" onSubmit={confirm} aria-label="Set up two-step sign-in">
      <ol class="steps">
        <li>
          Open an authenticator app (Google Authenticator, Microsoft Authenticator, 1Password…) and scan this code.
          <div class="qr">
            {qr ? (
              <img src={qr} width={240} height={240} alt="QR code for your authenticator app" />
            ) : (
              <span class="muted">Drawing the code…</span>
            )}
          </div>
        </li>
        <li>
          Or type this key into the app:{" "}
          <code class="secret" data-testid="totp-secret">
            {groupedSecret(enrolment.secret)}
          </code>
        </li>
        <li>
          <CodeField id="enrol-code" label="Code shown by the app" value={code} onInput={setCode} />
        </li>
      </ol>
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Checking…" : "Turn on two-step sign-in"}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

/** A change that needs a current code from the app (or a recovery code): the person at the screen is the owner. */
function WithCode({
  action,
  label,
  danger,
  onDone,
}: {
  action: (code: string) => Promise<void>;
  label: string;
  danger?: boolean;
  onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = label.toLowerCase().replace(/\W+/g, "-");
  if (!open)
    return (
      <button type="button" class={danger ? "danger" : undefined} onClick={() => setOpen(true)}>
        {label}
      </button>
    );
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action(code.trim());
      onDone();
    } catch (err) {
      setError(errText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="with-code" onSubmit={submit} aria-label={label}>
      <CodeField id={id} label="Current code from your app, or a recovery code" value={code} onInput={setCode} />
      <div class="row">
        <button type="submit" class={danger ? "primary danger" : "primary"} disabled={busy}>
          {label}
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

export function Account() {
  const { user } = useServices();
  const [status, setStatus] = useState<MfaStatus | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [msg, setMsg] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api.mfaStatus().then(setStatus, (e) => setError(errText(e)));
  useEffect(() => void load(), []);
  return (
    <section class="account" aria-labelledby="account-h">
      <h1 id="account-h">Your account</h1>
      <p>
        Signed in as <strong>{user.display_name}</strong> ({user.username}, {user.role}).
      </p>
      <h2>Two-step sign-in</h2>
      <ErrorBox error={error} />
      {msg && <p role="status">✓ {msg}</p>}
      {codes ? (
        <RecoveryCodes
          codes={codes}
          onDone={() => {
            setCodes(null);
            void load();
          }}
        />
      ) : status === null ? (
        <p class="loading">Loading…</p>
      ) : status.enabled ? (
        <div>
          <p data-testid="mfa-status">
            <strong>On.</strong> {status.recovery_codes_left} of 10 recovery codes left.
          </p>
          <div class="row">
            <WithCode
              label="New recovery codes"
              action={async (c) => setCodes((await api.mfaRecoveryCodes(c)).recovery_codes)}
              onDone={() => setMsg("New recovery codes made; the old ones no longer work.")}
            />
            <WithCode
              label="Turn off two-step sign-in"
              danger
              action={async (c) => {
                await api.mfaRemove(c);
              }}
              onDone={() => {
                setMsg("Two-step sign-in is off.");
                void load();
              }}
            />
          </div>
        </div>
      ) : (
        <Enrol
          onEnrolled={(c) => {
            setMsg("Two-step sign-in is on.");
            setCodes(c);
          }}
        />
      )}
    </section>
  );
}
