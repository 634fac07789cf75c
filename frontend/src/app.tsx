// App shell: who is signed in, routing by hash and role, the shared services, idle warning.

import { useEffect, useMemo, useState } from "preact/hooks";
import {
  ApiError,
  api,
  appFetch,
  type ClientConfig,
  lastApiActivity,
  markActivity,
  notifyUnauthorized,
  onActivity,
  onUnauthorized,
  type User,
} from "./api";
import { fmtDuration } from "./format";
import { LiveClient } from "./live";
import { Outbox } from "./outbox";
import { allowed, homeFor, parseRoute, type Route } from "./route";
import { canEnter, canExport, type Services, ServicesContext, useNow } from "./services";
import { AlarmSound } from "./sound";
import { LiveStore } from "./store";
import { Account } from "./views/Account";
import { Admin } from "./views/Admin";
import { CourseView } from "./views/Course";
import { Dashboard } from "./views/Dashboard";
import { HeldMessages } from "./views/HeldMessages";
import { Login } from "./views/Login";
import { NursePicker, NurseSession } from "./views/NurseEntry";
import { Safe } from "./views/Safe";
import { ScreeningForm } from "./views/Screening";
import { SessionDetail } from "./views/SessionDetail";
import { SessionRecord } from "./views/SessionRecord";
import { errText } from "./widgets";

const WARN_MS = 60_000;

function useRoute(): Route {
  const [route, setRoute] = useState(parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return route;
}

function makeServices(user: User, config: ClientConfig): Services {
  // two missed pings and a little slack before the data on screen is called stale
  const staleAfterMs = (2 * config.heartbeat_seconds + 5) * 1000;
  const live = new LiveClient({ onUnauthorized: notifyUnauthorized, staleAfterMs });
  const store = new LiveStore(live, (id) => api.readings(id));
  const outbox = new Outbox({ fetch: appFetch, onUnauthorized: notifyUnauthorized });
  const sound = new AlarmSound();
  return { user, config, live, store, outbox, sound };
}

/** The server signs a login out after `idleMs` without a request (sliding); warn a minute before. */
function IdleWarning({ idleMs, onExpired }: { idleMs: number; onExpired: () => void }) {
  const [last, setLast] = useState(lastApiActivity());
  const now = useNow(1000);
  useEffect(() => onActivity(() => setLast(lastApiActivity())), []);
  const left = last + idleMs - now;
  useEffect(() => {
    if (left <= 0) onExpired();
  }, [left <= 0]);
  if (left > WARN_MS || left <= 0) return null;
  return (
    <div class="idle-warning" role="alertdialog" aria-labelledby="idle-h" aria-describedby="idle-d">
      <strong id="idle-h">⚠ Still there?</strong>{" "}
      <span id="idle-d">You will be signed out in {Math.ceil(left / 1000)} s for inactivity.</span>{" "}
      <button
        type="button"
        class="primary"
        // biome-ignore lint/a11y/noAutofocus: an alert dialog moves focus to its action (WAI-ARIA dialog pattern)
        autoFocus
        onClick={() =>
          api.me().catch(() => {
            /* 401 handled globally */
          })
        }
      >
        Stay signed in
      </button>
    </div>
  );
}

function Nav({ user, route, onLogout }: { user: User; route: Route; onLogout: () => void }) {
  const links: { href: string; label: string; match: Route["name"][] }[] = [];
  links.push({ href: "#/dashboard", label: "Dashboard", match: ["dashboard", "session", "course"] });
  if (canEnter(user)) links.push({ href: "#/nurse", label: "Nurse entry", match: ["nurse", "nurseSession"] });
  links.push({ href: "#/safe", label: "Controlled log", match: ["safe"] });
  if (canEnter(user)) links.push({ href: "#/monitors", label: "Monitor messages", match: ["monitors"] });
  if (user.role === "admin") links.push({ href: "#/admin", label: "Admin", match: ["admin"] });
  else if (canExport(user)) links.push({ href: "#/admin/exports", label: "Exports", match: ["admin"] });
  return (
    <header class="topbar">
      <a class="brand" href={homeFor(user.role)}>
        Vigil
      </a>
      <nav aria-label="Main">
        {links.map((l) => (
          <a key={l.href} href={l.href} aria-current={l.match.includes(route.name) ? "page" : undefined}>
            {l.label}
          </a>
        ))}
      </nav>
      <a class="who" href="#/account" aria-current={route.name === "account" ? "page" : undefined} title="Your account: two-step sign-in">
        {user.display_name} <span class="muted">({user.role})</span>
      </a>
      <button type="button" onClick={onLogout}>
        Sign out
      </button>
    </header>
  );
}

function Page({ route, user }: { route: Route; user: User }) {
  switch (route.name) {
    case "account":
      return <Account />;
    case "dashboard":
      return <Dashboard />;
    case "session":
      return <SessionDetail id={route.id} />;
    case "course":
      return <CourseView id={route.id} />;
    case "nurse":
      return <NursePicker />;
    case "nurseSession":
      return <NurseSession id={route.id} />;
    case "record":
      return <SessionRecord id={route.id} />;
    case "screening":
      return <ScreeningForm id={route.id} />;
    case "monitors":
      return <HeldMessages />;
    case "admin":
      return <Admin tab={route.tab || (user.role === "admin" ? "users" : "exports")} />;
    case "safe":
      return <Safe />;
    default:
      return null;
  }
}

export function App() {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [config, setConfig] = useState<ClientConfig | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const route = useRoute();
  const services = useMemo(() => (user && config ? makeServices(user, config) : null), [user, config]);

  // the settings the dashboard follows (idle timeout, heartbeat), once signed in
  useEffect(() => {
    setConfig(null);
    if (!user) return;
    api.clientConfig().then(setConfig, (e) => setNotice(errText(e)));
  }, [user]);

  // who am I (the cookie may still be valid)
  useEffect(() => {
    api.me().then(
      (u) => setUser(u),
      (e) => {
        setUser(null);
        if (!(e instanceof ApiError)) setNotice("The server could not be reached.");
      },
    );
  }, []);

  // any 401 (or websocket 1008) = signed out
  useEffect(
    () =>
      onUnauthorized(() => {
        setUser((u) => {
          if (u) setNotice("Your session has ended. Please sign in again.");
          return null;
        });
      }),
    [],
  );

  useEffect(() => {
    if (!services) return;
    services.store.start();
    services.live.start();
    if (canEnter(services.user)) void services.outbox.start().catch((e) => console.error("outbox", e));
    // A browser sees a refused websocket upgrade as a plain close (1006), not 1008: after a few
    // failed attempts ask /api/auth/me, whose 401 signs us out.
    let checkedAt = 0;
    const unwatch = services.live.onStatus((st) => {
      if (st.attempts > 0 && st.attempts % 3 === 0 && st.attempts !== checkedAt) {
        checkedAt = st.attempts;
        api.me().catch(() => undefined);
      }
    });
    const unlock = () => services.sound.unlock();
    addEventListener("pointerdown", unlock, { once: true });
    addEventListener("keydown", unlock, { once: true });
    return () => {
      unwatch();
      removeEventListener("pointerdown", unlock);
      removeEventListener("keydown", unlock);
      services.live.stop();
      services.store.stop();
      services.outbox.stop();
      services.sound.stop();
    };
  }, [services]);

  // route guards: login page when signed out, the role's home otherwise
  useEffect(() => {
    if (user === undefined) return;
    if (user === null) {
      if (route.name !== "login") {
        if (route.name !== "home") sessionStorage.setItem("vigil.returnTo", location.hash);
        location.replace("#/login");
      }
      return;
    }
    if (route.name === "login" || route.name === "home" || !allowed(route, user.role)) {
      const back = sessionStorage.getItem("vigil.returnTo");
      sessionStorage.removeItem("vigil.returnTo");
      const target = back && allowed(parseRoute(back), user.role) && parseRoute(back).name !== "login" ? back : homeFor(user.role);
      location.replace(target);
    }
  }, [user, route]);

  if (user === undefined || (user && !services)) return <p class="loading">{notice ?? "Loading…"}</p>;
  if (user === null || !services)
    return (
      <Login
        notice={notice}
        onLogin={(u) => {
          setNotice(null);
          markActivity();
          setUser(u);
        }}
      />
    );

  // The login page only once the server has ended the sign-in: shown sooner, a reload (or the
  // next person at the tablet) could find the cookie still valid.
  const logout = async () => {
    try {
      await api.logout();
      setNotice("Signed out.");
    } catch (e) {
      // An answer (a 401: the sign-in had already ended) is signed out too.
      setNotice(
        e instanceof ApiError
          ? "Signed out."
          : "Signed out on this screen, but the server could not be reached: the sign-in ends when it expires.",
      );
    }
    setUser(null);
  };

  return (
    <ServicesContext.Provider value={services}>
      <Nav user={user} route={route} onLogout={logout} />
      <IdleWarning
        idleMs={services.config.idle_timeout_seconds * 1000}
        onExpired={() => {
          setNotice(`Signed out after ${fmtDuration(services.config.idle_timeout_seconds * 1000)} without activity.`);
          setUser(null);
        }}
      />
      <main id="main">
        <Page route={route} user={user} />
      </main>
    </ServicesContext.Provider>
  );
}
