// What the views share: the signed-in user and the modules that own state. Views subscribe and render.

import { createContext } from "preact";
import { useContext, useEffect, useState } from "preact/hooks";
import type { ClientConfig, User } from "./api";
import type { LiveClient, LiveStatus } from "./live";
import type { Outbox, OutboxState } from "./outbox";
import type { AlarmSound } from "./sound";
import type { LiveData, LiveStore } from "./store";

export interface Services {
  user: User;
  /** The server's settings the dashboard follows (GET /api/client-config). */
  config: ClientConfig;
  live: LiveClient;
  store: LiveStore;
  outbox: Outbox;
  sound: AlarmSound;
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const s = useContext(ServicesContext);
  if (!s) throw new Error("services not provided");
  return s;
}

/** Re-render every `ms` (for "3 min ago" and due times). */
export function useNow(ms = 15_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export function useLiveData(): LiveData {
  const { store } = useServices();
  const [d, setD] = useState(store.data);
  useEffect(() => store.subscribe(setD), [store]);
  return d;
}

export function useLiveStatus(): LiveStatus {
  const { live } = useServices();
  const [s, setS] = useState(live.current);
  useEffect(() => live.onStatus(setS), [live]);
  return s;
}

export function useOutboxState(): OutboxState {
  const { outbox } = useServices();
  const [s, setS] = useState(outbox.state);
  useEffect(() => outbox.subscribe(setS), [outbox]);
  return s;
}

export function canEnter(u: User): boolean {
  return u.role === "nurse" || u.role === "physician";
}
export function canExport(u: User): boolean {
  return u.role === "physician" || u.role === "admin";
}
