// The nurse outbox (DESIGN.md §2 "Idempotent entry").
// A reading gets its UUID when it is entered and is written to IndexedDB before anything is sent;
// it is PUT with that same id until the server answers 2xx (201 new, 200 identical replay), then
// removed. A 4xx the server means (409 other body / session closed, 422 impossible value, 403, 404)
// keeps it as a visible failed item with the server's message: never dropped, never retried into
// the same error. Network errors, 5xx, 408 and 429 retry with backoff, on `online`, and at start.
// A failed item leaves only when the nurse re-enters it fixed (`add` with `replaces`) or discards it
// with a reason, which the server audits (it saw the reading and refused it).

import { type ApiError, errorFromResponse, type ReadingAnswer, type ReadingIn } from "./api";
import { backoffDelay } from "./live";

export interface OutboxItem {
  id: string;
  sessionId: string;
  body: ReadingIn;
  createdAt: number;
  status: "pending" | "failed";
  attempts: number;
  /** Server message for a failed item. */
  error: string | null;
  httpStatus: number | null;
  /** The server's message per reading field (`heart_rate` → "enter a whole number …"). */
  fields?: Record<string, string> | null;
}

/** What became of a reading the first time it was sent. */
export type SendOutcome =
  | { kind: "stored"; answer: ReadingAnswer | null }
  | { kind: "queued"; reason: string }
  | { kind: "failed"; item: OutboxItem };

export interface OutboxState {
  ready: boolean;
  pending: number;
  failed: OutboxItem[];
  /** Waiting to be sent (offline, server busy, signed out), oldest first. */
  queued: OutboxItem[];
  lastSyncedAt: number | null;
  syncing: boolean;
  /** Why the last send did not go through (transient: network, 5xx); null when fine. */
  retryReason: string | null;
  nextRetryAt: number | null;
}

type Timer = unknown;

export interface OutboxOptions {
  fetch?: typeof fetch;
  indexedDB?: IDBFactory;
  dbName?: string;
  baseDelayMs?: number;
  maxDelayMs?: number;
  random?: () => number;
  now?: () => number;
  schedule?: (fn: () => void, ms: number) => Timer;
  cancel?: (t: Timer) => void;
  /** Where to listen for `online` (window in the browser). */
  events?: Pick<EventTarget, "addEventListener" | "removeEventListener"> | null;
  newId?: () => string;
  onUnauthorized?: () => void;
}

const STORE = "readings";
const META = "meta";

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error("transaction aborted"));
  });
}

export function readingUrl(sessionId: string, id: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/readings/${encodeURIComponent(id)}`;
}

type Outcome = "ok" | "failed" | "retry" | "auth";

export class Outbox {
  private db: IDBDatabase | null = null;
  private items = new Map<string, OutboxItem>();
  private lastSyncedAt: number | null = null;
  private listeners = new Set<(s: OutboxState) => void>();
  private syncedListeners = new Set<(item: OutboxItem, answer: ReadingAnswer | null) => void>();
  private flushing: Promise<void> | null = null;
  private again = false;
  private retryAttempt = 0;
  private retryTimer: Timer | null = null;
  private retryReason: string | null = null;
  private nextRetryAt: number | null = null;
  private stopped = false;
  private waiting = new Map<string, ((o: SendOutcome) => void)[]>();
  private readonly o: Required<Omit<OutboxOptions, "onUnauthorized" | "events">> & Pick<OutboxOptions, "onUnauthorized" | "events">;
  private readonly onOnline = () => void this.flush();

  constructor(options: OutboxOptions = {}) {
    this.o = {
      fetch: options.fetch ?? ((...a) => globalThis.fetch(...a)),
      indexedDB: options.indexedDB ?? globalThis.indexedDB,
      dbName: options.dbName ?? "vigil-outbox",
      baseDelayMs: options.baseDelayMs ?? 2_000,
      maxDelayMs: options.maxDelayMs ?? 60_000,
      random: options.random ?? Math.random,
      now: options.now ?? Date.now,
      schedule: options.schedule ?? ((fn, ms) => setTimeout(fn, ms)),
      cancel: options.cancel ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>)),
      events: options.events === undefined ? (typeof window !== "undefined" ? window : null) : options.events,
      newId: options.newId ?? (() => crypto.randomUUID()),
      onUnauthorized: options.onUnauthorized,
    };
  }

  /** Open the database, load what a previous page left, listen for `online`, and send. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.openDb();
    await this.reload();
    this.o.events?.addEventListener("online", this.onOnline);
    await this.flush();
  }

  stop(): void {
    this.stopped = true;
    this.o.events?.removeEventListener("online", this.onOnline);
    if (this.retryTimer !== null) this.o.cancel(this.retryTimer);
    this.retryTimer = null;
    this.db?.close();
    this.db = null;
  }

  get state(): OutboxState {
    const all = [...this.items.values()];
    return {
      ready: this.db !== null,
      pending: all.filter((i) => i.status === "pending").length,
      failed: all.filter((i) => i.status === "failed").sort((a, b) => a.createdAt - b.createdAt),
      queued: all.filter((i) => i.status === "pending").sort((a, b) => a.createdAt - b.createdAt),
      lastSyncedAt: this.lastSyncedAt,
      syncing: this.flushing !== null,
      retryReason: this.retryReason,
      nextRetryAt: this.nextRetryAt,
    };
  }

  subscribe(fn: (s: OutboxState) => void): () => void {
    this.listeners.add(fn);
    fn(this.state);
    return () => this.listeners.delete(fn);
  }

  /** Called once per item when the server has it (with the PUT answer: reading + alerts). */
  onSynced(fn: (item: OutboxItem, answer: ReadingAnswer | null) => void): () => void {
    this.syncedListeners.add(fn);
    return () => this.syncedListeners.delete(fn);
  }

  /** Store a reading (durably, before any network) and start sending it. Returns its id.
   * `replaces`: a failed item this one is the fixed version of; it leaves the outbox with it. */
  async add(sessionId: string, body: ReadingIn, id: string = this.o.newId(), replaces?: string): Promise<string> {
    const item: OutboxItem = {
      id,
      sessionId,
      body,
      createdAt: this.o.now(),
      status: "pending",
      attempts: 0,
      error: null,
      httpStatus: null,
    };
    await this.openDb();
    await this.put(item, replaces !== undefined && this.items.get(replaces)?.status === "failed" ? replaces : undefined);
    this.emit();
    void this.flush();
    return id;
  }

  /** Send every pending item now, oldest first. Resolves when this round is over. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      let finished = true;
      do {
        this.again = false;
        try {
          // a round that hit a transient failure waits for its backoff timer (or `online`)
          finished = await this.flushOnce();
        } catch (e) {
          console.error("outbox flush failed", e);
          finished = false;
        }
      } while (this.again && finished && !this.stopped);
    })().finally(() => {
      this.flushing = null;
      this.emit();
    });
    this.emit();
    return this.flushing;
  }

  /** What became of item `id` the first time it is sent (stored, queued or failed). */
  settled(id: string): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const list = this.waiting.get(id) ?? [];
      list.push(resolve);
      this.waiting.set(id, list);
    });
  }

  /** Remove a failed item, by an explicit decision of the user with a reason: the server, which
   * refused it, audits the decision first; if it cannot be told, the item stays. */
  async discard(id: string, reason: string): Promise<void> {
    const item = this.items.get(id);
    if (item?.status !== "failed") return;
    const res = await this.o.fetch(`${readingUrl(item.sessionId, item.id)}/discarded`, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ reason, refused_with: item.httpStatus ?? 400, refusal: (item.error ?? "").slice(0, 2000) }),
    });
    if (!res.ok) throw await errorFromResponse(res);
    await this.delete(id);
    this.emit();
  }

  private settle(id: string, outcome: SendOutcome): void {
    const list = this.waiting.get(id);
    if (!list) return;
    this.waiting.delete(id);
    for (const fn of list) fn(outcome);
  }

  /** Everything still waiting after a round that stopped early is, for now, queued. */
  private settleQueued(): void {
    for (const id of [...this.waiting.keys()]) {
      const item = this.items.get(id);
      if (item?.status === "pending") this.settle(id, { kind: "queued", reason: this.retryReason ?? "Waiting to send" });
    }
  }

  /** One pass over the queue; false when it stopped early (transient failure, signed out). */
  private async flushOnce(): Promise<boolean> {
    const finished = await this.sendRound();
    if (!finished) this.settleQueued();
    return finished;
  }

  private async sendRound(): Promise<boolean> {
    if (this.stopped || !this.db) return false;
    if (this.retryTimer !== null) {
      this.o.cancel(this.retryTimer);
      this.retryTimer = null;
      this.nextRetryAt = null;
    }
    await this.reload(); // another tab may have sent some
    const pending = [...this.items.values()].filter((i) => i.status === "pending").sort((a, b) => a.createdAt - b.createdAt);
    for (const item of pending) {
      if (this.stopped) return false;
      const outcome = await this.send(item);
      this.emit();
      if (outcome === "retry") {
        this.scheduleRetry();
        return false;
      }
      if (outcome === "auth") return false; // sent again after the next login (the app calls flush())
    }
    this.retryAttempt = 0;
    this.retryReason = null;
    return true;
  }

  private async send(item: OutboxItem): Promise<Outcome> {
    const attempt = { ...item, attempts: item.attempts + 1 };
    let res: Response;
    try {
      res = await this.o.fetch(readingUrl(item.sessionId, item.id), {
        method: "PUT",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(item.body),
      });
    } catch {
      this.retryReason = "Network unavailable";
      await this.put(attempt);
      return "retry";
    }
    if (res.ok) {
      let answer: ReadingAnswer | null = null;
      try {
        answer = (await res.json()) as ReadingAnswer;
      } catch {
        answer = null;
      }
      await this.delete(item.id);
      this.settle(item.id, { kind: "stored", answer });
      this.lastSyncedAt = this.o.now();
      await this.putMeta("lastSyncedAt", this.lastSyncedAt);
      this.retryAttempt = 0;
      this.retryReason = null;
      for (const fn of [...this.syncedListeners]) {
        try {
          fn(attempt, answer);
        } catch (e) {
          console.error("outbox listener failed", e);
        }
      }
      return "ok";
    }
    if (res.status === 401) {
      this.retryReason = "Signed out: will send after sign-in";
      await this.put(attempt);
      this.o.onUnauthorized?.();
      return "auth";
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      this.retryReason = `Server busy (HTTP ${res.status})`;
      await this.put(attempt);
      return "retry";
    }
    const err = await errorFromResponse(res);
    const failed: OutboxItem = { ...attempt, status: "failed", error: err.message, httpStatus: res.status, fields: fieldMessages(err) };
    await this.put(failed);
    this.settle(item.id, { kind: "failed", item: failed });
    return "failed";
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.retryAttempt, this.o.baseDelayMs, this.o.maxDelayMs, this.o.random);
    this.retryAttempt += 1;
    this.nextRetryAt = this.o.now() + delay;
    this.retryTimer = this.o.schedule(() => {
      this.retryTimer = null;
      this.nextRetryAt = null;
      void this.flush();
    }, delay);
  }

  private emit(): void {
    const s = this.state;
    for (const fn of [...this.listeners]) fn(s);
  }

  // ------------------------------------------------------------ IndexedDB

  private openDb(): Promise<void> {
    if (this.db) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const r = this.o.indexedDB.open(this.o.dbName, 1);
      r.onupgradeneeded = () => {
        const db = r.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "id" });
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      };
      r.onsuccess = () => {
        this.db = r.result;
        // Another tab upgrading: let it.
        this.db.onversionchange = () => this.db?.close();
        resolve();
      };
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error("outbox database blocked"));
    });
  }

  private store(name: string, mode: IDBTransactionMode): { tx: IDBTransaction; os: IDBObjectStore } {
    if (!this.db) throw new Error("outbox not started");
    const tx = this.db.transaction(name, mode);
    return { tx, os: tx.objectStore(name) };
  }

  private async reload(): Promise<void> {
    if (!this.db) return;
    const { os } = this.store(STORE, "readonly");
    const all = await req(os.getAll() as IDBRequest<OutboxItem[]>);
    this.items = new Map(all.map((i) => [i.id, i]));
    const m = this.store(META, "readonly");
    const last = await req(m.os.get("lastSyncedAt") as IDBRequest<number | undefined>);
    if (typeof last === "number") this.lastSyncedAt = last;
  }

  /** Write `item`, and remove `replacing` in the same transaction (a fix never doubles). */
  private async put(item: OutboxItem, replacing?: string): Promise<void> {
    const { tx, os } = this.store(STORE, "readwrite");
    os.put(item);
    if (replacing !== undefined) os.delete(replacing);
    await done(tx);
    this.items.set(item.id, item);
    if (replacing !== undefined) this.items.delete(replacing);
  }

  private async delete(id: string): Promise<void> {
    const { tx, os } = this.store(STORE, "readwrite");
    os.delete(id);
    await done(tx);
    this.items.delete(id);
  }

  private async putMeta(key: string, value: unknown): Promise<void> {
    const { tx, os } = this.store(META, "readwrite");
    os.put(value, key);
    await done(tx);
  }
}

/** A validation answer's messages by reading field (the last name in each `loc`). */
export function fieldMessages(err: ApiError): Record<string, string> | null {
  if (!Array.isArray(err.detail)) return null;
  const out: Record<string, string> = {};
  for (const d of err.detail as { loc?: unknown[]; msg?: unknown }[]) {
    const name = [...(d.loc ?? [])].reverse().find((p) => typeof p === "string" && p !== "body");
    if (typeof name === "string" && typeof d.msg === "string") out[name] = d.msg;
  }
  return Object.keys(out).length ? out : null;
}
