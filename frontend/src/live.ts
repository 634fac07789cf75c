// The one owner of the websocket to /api/live (DESIGN.md §4).
// Snapshot, then events in seq order (anything with seq <= the last one seen is dropped, so a
// replay after reconnect never shows an event twice); reconnects with exponential backoff and
// jitter, resuming with ?since=<last seq>; a connection silent for longer than the heartbeat
// allows is "stale" and is replaced. Close code 1008 = not authenticated → logged out.

import type { Alert, EventData, Session } from "./api";

export interface SnapshotMessage {
  type: "snapshot";
  seq: number;
  data: { sessions: Session[]; alerts: Alert[] };
}
export interface EventMessage {
  type: "event";
  seq: number;
  event: string;
  session_id?: string | null;
  data: EventData;
}
export interface PingMessage {
  type: "ping";
  seq?: number;
}
/** Sent instead of a snapshot when the client resumed with ?since=<seq>; the replay follows. */
export interface ResumedMessage {
  type: "resumed";
  seq: number;
}
export type LiveMessage = SnapshotMessage | EventMessage;

/** Whether an event is about this session (by its session_id or the rows it carries). */
export function concernsSession(m: EventMessage, sessionId: string): boolean {
  const { session, reading, alert } = m.data;
  return m.session_id === sessionId || session?.id === sessionId || reading?.session_id === sessionId || alert?.session_id === sessionId;
}

/** connecting: no live socket yet (or reconnecting); live: messages flowing; stale: nothing
 * heard for too long (data on screen may be out of date); closed: stopped or logged out. */
export type LiveState = "connecting" | "live" | "stale" | "closed";

export interface LiveStatus {
  state: LiveState;
  /** When the last message (incl. ping) arrived, ms epoch; null before the first. */
  lastMessageAt: number | null;
  /** When the data became stale (= lastMessageAt when state is stale). */
  staleSince: number | null;
  lastSeq: number | null;
  /** Consecutive failed attempts since the last good connection. */
  attempts: number;
  unauthorized: boolean;
}

/** The subset of the WebSocket interface this module uses (so tests can inject a fake). */
export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type SocketCtor = new (url: string) => SocketLike;

export interface LiveOptions {
  /** Base URL of the websocket, default ws(s)://<host>/api/live. */
  url?: string;
  WebSocket?: SocketCtor;
  /** Silence longer than this means the connection is stale (the app derives it from the server's heartbeat). */
  staleAfterMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Abandon a connection attempt that has not opened after this long. */
  connectTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
  onUnauthorized?: () => void;
}

export function defaultLiveUrl(loc: { protocol: string; host: string } = location): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}/api/live`;
}

/** Exponential backoff with jitter: between half and all of min(max, base·2^attempt). */
export function backoffDelay(attempt: number, base: number, max: number, random: () => number): number {
  const cap = Math.min(max, base * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export class LiveClient {
  private ws: SocketLike | null = null;
  private readonly opts: Required<Omit<LiveOptions, "onUnauthorized">> & { onUnauthorized?: () => void };
  private listeners = new Set<(m: LiveMessage) => void>();
  private stateListeners = new Set<(s: LiveStatus) => void>();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private opened = false;
  private running = false;
  private gotSnapshot = false;
  private status: LiveStatus = {
    state: "closed",
    lastMessageAt: null,
    staleSince: null,
    lastSeq: null,
    attempts: 0,
    unauthorized: false,
  };

  constructor(options: LiveOptions = {}) {
    this.opts = {
      url: options.url ?? defaultLiveUrl(),
      WebSocket: options.WebSocket ?? (globalThis.WebSocket as unknown as SocketCtor),
      staleAfterMs: options.staleAfterMs ?? 35_000,
      baseDelayMs: options.baseDelayMs ?? 1_000,
      maxDelayMs: options.maxDelayMs ?? 15_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
      onUnauthorized: options.onUnauthorized,
    };
  }

  get current(): LiveStatus {
    return this.status;
  }

  /** Receive the snapshot and every new event, in seq order, each once. */
  subscribe(fn: (m: LiveMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onStatus(fn: (s: LiveStatus) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.status);
    return () => this.stateListeners.delete(fn);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.setStatus({ state: "connecting", unauthorized: false, attempts: 0 });
    this.connect();
  }

  stop(): void {
    this.running = false;
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      ws.close(1000, "client stopped");
    }
    this.setStatus({ state: "closed" });
  }

  /** The URL the next connection will use (with ?since= once a seq is known). */
  connectUrl(): string {
    const seq = this.status.lastSeq;
    if (seq === null) return this.opts.url;
    return `${this.opts.url}${this.opts.url.includes("?") ? "&" : "?"}since=${seq}`;
  }

  private connect(): void {
    if (!this.running) return;
    this.gotSnapshot = false;
    let ws: SocketLike;
    try {
      ws = new this.opts.WebSocket(this.connectUrl());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    this.opened = false;
    if (!this.staleTimer) this.armStaleTimer();
    // an attempt that neither opens nor fails is abandoned after connectTimeoutMs
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      this.connectTimer = null;
      if (this.ws !== ws || this.opened) return;
      this.ws = null;
      detach(ws);
      try {
        ws.close();
      } catch {
        /* ignore */
      }
      this.scheduleReconnect();
    }, this.opts.connectTimeoutMs);
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.opened = true;
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      this.handle(ev.data);
    };
    ws.onerror = () => {
      /* onclose follows */
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.connectTimer) clearTimeout(this.connectTimer);
      this.connectTimer = null;
      if (ev.code === 1008) {
        this.running = false;
        this.clearTimers();
        this.setStatus({ state: "closed", unauthorized: true });
        this.opts.onUnauthorized?.();
        return;
      }
      this.scheduleReconnect();
    };
  }

  private handle(raw: unknown): void {
    let msg: { type?: string; seq?: unknown };
    try {
      msg = typeof raw === "string" ? JSON.parse(raw) : (raw as typeof msg);
    } catch {
      return;
    }
    if (!msg || typeof msg !== "object") return;
    const batch = msg as { type?: string; messages?: unknown };
    if (batch.type === "batch" && Array.isArray(batch.messages)) {
      // Events that were ready together on the server arrive in one frame, in seq order.
      for (const one of batch.messages) this.handle(one);
      return;
    }
    const now = this.opts.now();
    const wasLive = this.status.state === "live";
    const patch: Partial<LiveStatus> = { lastMessageAt: now, staleSince: null };
    if (msg.type === "snapshot" && typeof msg.seq === "number") {
      this.gotSnapshot = true;
      patch.lastSeq = msg.seq;
      patch.state = "live";
      patch.attempts = 0;
      this.setStatus(patch);
      this.armStaleTimer();
      this.emit(msg as SnapshotMessage);
      return;
    }
    if (msg.type === "event" && typeof msg.seq === "number") {
      const last = this.status.lastSeq;
      // A resumed connection may send events without a new snapshot: that is live too.
      patch.state = "live";
      patch.attempts = 0;
      if (last !== null && msg.seq <= last) {
        this.setStatus(patch);
        this.armStaleTimer();
        return; // duplicate or old: already applied
      }
      patch.lastSeq = msg.seq;
      this.setStatus(patch);
      this.armStaleTimer();
      this.emit(msg as EventMessage);
      return;
    }
    if (msg.type === "resumed") {
      // resumed with ?since=: the replay of missed events follows (no snapshot)
      patch.state = "live";
      patch.attempts = 0;
      this.setStatus(patch);
      this.armStaleTimer();
      return;
    }
    if (msg.type === "ping") {
      // A ping proves the connection is alive. Before any snapshot on a fresh connection
      // (no seq yet) we still wait for the snapshot before saying "live".
      if (this.gotSnapshot || this.status.lastSeq !== null || wasLive) {
        patch.state = "live";
        patch.attempts = 0;
      }
      this.setStatus(patch);
      this.armStaleTimer();
    }
  }

  private emit(m: LiveMessage): void {
    for (const fn of [...this.listeners]) {
      try {
        fn(m);
      } catch (e) {
        console.error("live listener failed", e);
      }
    }
  }

  private armStaleTimer(): void {
    if (this.staleTimer) clearTimeout(this.staleTimer);
    this.staleTimer = setTimeout(() => this.onSilence(), this.opts.staleAfterMs);
  }

  /** Nothing heard for staleAfterMs: mark stale and replace an open but silent connection. */
  private onSilence(): void {
    this.staleTimer = null;
    if (!this.running) return;
    this.markStale();
    const ws = this.ws;
    if (ws && this.opened) {
      this.ws = null;
      detach(ws);
      try {
        ws.close(4000, "stale");
      } catch {
        /* ignore */
      }
      this.scheduleReconnect();
    }
  }

  private markStale(): void {
    const since = this.status.lastMessageAt ?? this.opts.now();
    this.setStatus({ state: "stale", staleSince: since });
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const attempts = this.status.attempts;
    const delay = backoffDelay(attempts, this.opts.baseDelayMs, this.opts.maxDelayMs, this.opts.random);
    const last = this.status.lastMessageAt;
    const stale = this.status.state === "stale" || (last !== null && this.opts.now() - last >= this.opts.staleAfterMs);
    this.setStatus({
      attempts: attempts + 1,
      state: stale ? "stale" : "connecting",
      staleSince: stale ? (last ?? this.opts.now()) : null,
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.staleTimer) clearTimeout(this.staleTimer);
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.reconnectTimer = null;
    this.staleTimer = null;
    this.connectTimer = null;
  }

  private setStatus(patch: Partial<LiveStatus>): void {
    const next = { ...this.status, ...patch };
    const changed = (Object.keys(next) as (keyof LiveStatus)[]).some((k) => next[k] !== this.status[k]);
    this.status = next;
    if (changed) for (const fn of [...this.stateListeners]) fn(next);
  }
}

function detach(ws: SocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}
