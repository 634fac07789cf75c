import { IDBFactory } from "fake-indexeddb";
import { beforeEach, describe, expect, it } from "vitest";
import type { ReadingIn } from "./api";
import { Outbox, type OutboxItem, type OutboxOptions } from "./outbox";

const body: ReadingIn = {
  taken_at: "2026-03-01T10:00:00Z",
  heart_rate: 80,
  systolic: 128,
  diastolic: 82,
  spo2: 97,
};

interface Call {
  url: string;
  method: string;
  body: unknown;
}

/** A scripted server: each answer is a status (+json), "network" (fetch rejects), or a function. */
type Answer = number | "network" | { status: number; json: unknown };

function fakeServer() {
  const calls: Call[] = [];
  const script: Answer[] = [];
  /** What the "server" stores: id → body, to answer replays like the real one. */
  const stored = new Map<string, string>();
  const fetchFn: typeof fetch = async (input, init) => {
    const url = String(input);
    const b = String(init?.body ?? "");
    calls.push({ url, method: String(init?.method), body: JSON.parse(b) });
    const next = script.shift() ?? "server";
    if (next === "network") throw new TypeError("Failed to fetch");
    if (typeof next === "number") {
      return new Response(
        JSON.stringify({ detail: next === 422 ? [{ loc: ["body", "spo2"], msg: "must be between 0 and 100" }] : "Server error" }),
        { status: next },
      );
    }
    if (next !== "server") return new Response(next.status === 204 ? null : JSON.stringify(next.json), { status: next.status });
    // default: behave like the API (idempotent PUT)
    const id = url.split("/").pop() ?? "";
    if (stored.has(id)) {
      if (stored.get(id) !== b) return new Response(JSON.stringify({ detail: "Reading exists with a different body" }), { status: 409 });
      return new Response(JSON.stringify({ reading: { id }, alerts: [] }), { status: 200 });
    }
    stored.set(id, b);
    const alerts = JSON.parse(b).systolic >= 180 ? [{ id: "a1", priority: "high", message: "SBP 186 ≥ 180" }] : [];
    return new Response(JSON.stringify({ reading: { id }, alerts }), { status: 201 });
  };
  return { calls, script, stored, fetchFn };
}

function manualTimers() {
  const timers: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  return {
    timers,
    schedule: (fn: () => void, ms: number) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return t;
    },
    cancel: (t: unknown) => {
      (t as { cancelled: boolean }).cancelled = true;
    },
    pending: () => timers.filter((t) => !t.cancelled),
    /** Fire every pending timer (what time passing would do). */
    async fire() {
      const due = timers.filter((t) => !t.cancelled);
      for (const t of due) t.cancelled = true;
      for (const t of due) t.fn();
      await settle();
    },
  };
}

// What firing a timer or an `online` event starts runs on real IndexedDB and fetch promises: wait
// until every outbox is idle again rather than a fixed delay, which a loaded machine outruns.
const created: Outbox[] = [];
async function settle(): Promise<void> {
  const deadline = Date.now() + 5000;
  do await new Promise((r) => setTimeout(r, 5));
  while (created.some((ob) => ob.state.syncing) && Date.now() < deadline);
}

let idb: IDBFactory;
let server: ReturnType<typeof fakeServer>;
let clock: ReturnType<typeof manualTimers>;
let ids: number;

function outbox(extra: OutboxOptions = {}) {
  const ob = new Outbox({
    indexedDB: idb,
    fetch: server.fetchFn,
    schedule: clock.schedule,
    cancel: clock.cancel,
    random: () => 1,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    events: null,
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, "0")}`,
    ...extra,
  });
  created.push(ob);
  return ob;
}

beforeEach(() => {
  created.length = 0;
  idb = new IDBFactory();
  server = fakeServer();
  clock = manualTimers();
  ids = 0;
});

describe("Outbox", () => {
  it("stores the reading, PUTs it under its client id and removes it on 201", async () => {
    const ob = outbox();
    await ob.start();
    const synced: [OutboxItem, unknown][] = [];
    ob.onSynced((item, answer) => synced.push([item, answer]));
    const id = await ob.add("s1", body);
    await ob.flush();
    expect(server.calls).toHaveLength(1);
    expect(server.calls[0]).toEqual({ url: `/api/sessions/s1/readings/${id}`, method: "PUT", body });
    expect(ob.state.pending).toBe(0);
    expect(ob.state.failed).toEqual([]);
    expect(ob.state.lastSyncedAt).not.toBeNull();
    expect(synced).toHaveLength(1);
    expect(synced[0][0].id).toBe(id);
  });

  it("hands the PUT answer's alerts to listeners (for the recheck prompt)", async () => {
    const ob = outbox();
    await ob.start();
    const got: unknown[] = [];
    ob.onSynced((_i, answer) => got.push(answer?.alerts));
    await ob.add("s1", { ...body, systolic: 186 });
    await ob.flush();
    expect(got).toEqual([[{ id: "a1", priority: "high", message: "SBP 186 ≥ 180" }]]);
  });

  it("retries network errors and 5xx with backoff, always with the same id", async () => {
    const ob = outbox();
    await ob.start();
    server.script.push("network", 503, 500);
    const id = await ob.add("s1", body);
    await ob.flush();
    expect(server.calls).toHaveLength(1);
    expect(ob.state.pending).toBe(1);
    expect(ob.state.retryReason).toMatch(/network/i);
    expect(clock.pending().map((t) => t.ms)).toEqual([1000]);

    await clock.fire();
    expect(server.calls).toHaveLength(2);
    expect(clock.pending().map((t) => t.ms)).toEqual([2000]);
    expect(ob.state.retryReason).toMatch(/503/);

    await clock.fire();
    expect(clock.pending().map((t) => t.ms)).toEqual([4000]);
    await clock.fire();

    expect(server.calls.map((c) => c.url)).toEqual(Array(4).fill(`/api/sessions/s1/readings/${id}`));
    expect(server.calls.every((c) => JSON.stringify(c.body) === JSON.stringify(body))).toBe(true);
    expect(ob.state.pending).toBe(0);
    expect(server.stored.size).toBe(1);
    expect(clock.pending()).toEqual([]);
  });

  it("a lost answer is replayed: the server answers 200 and nothing is doubled", async () => {
    const ob = outbox();
    await ob.start();
    // the server stores the first PUT but the answer never arrives
    const realFetch = server.fetchFn;
    let first = true;
    const lossy: typeof fetch = async (input, init) => {
      const res = await realFetch(input, init);
      if (first) {
        first = false;
        throw new TypeError("connection reset");
      }
      return res;
    };
    const ob2 = outbox({ fetch: lossy });
    ob.stop();
    await ob2.start();
    const synced: string[] = [];
    ob2.onSynced((i) => synced.push(i.id));
    const id = await ob2.add("s1", body);
    await ob2.flush();
    expect(ob2.state.pending).toBe(1);
    await clock.fire();
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1].url).toBe(server.calls[0].url);
    expect(server.stored.size).toBe(1);
    expect(ob2.state.pending).toBe(0);
    expect(synced).toEqual([id]);
  });

  it("survives a reload: a new Outbox on the same database sends what the old one left", async () => {
    const ob = outbox();
    await ob.start();
    server.script.push("network");
    const id = await ob.add("s1", body);
    await ob.flush();
    expect(ob.state.pending).toBe(1);
    ob.stop(); // tab closed

    const reloaded = outbox();
    await reloaded.start(); // sends at startup
    expect(server.calls).toHaveLength(2);
    expect(server.calls[1].url).toBe(`/api/sessions/s1/readings/${id}`);
    expect(reloaded.state.pending).toBe(0);
    const lastSynced = reloaded.state.lastSyncedAt;
    expect(lastSynced).not.toBeNull();
    reloaded.stop();

    const again = outbox();
    await again.start();
    expect(again.state.lastSyncedAt).toBe(lastSynced);
    expect(server.calls).toHaveLength(2);
  });

  it("keeps a 422 as a visible failed item with the server's message and does not retry it", async () => {
    const ob = outbox();
    await ob.start();
    server.script.push(422);
    const id = await ob.add("s1", { ...body, spo2: 101 });
    await ob.flush();
    const s = ob.state;
    expect(s.pending).toBe(0);
    expect(s.failed).toHaveLength(1);
    expect(s.failed[0]).toMatchObject({ id, status: "failed", httpStatus: 422, error: "spo2: must be between 0 and 100" });
    expect(clock.pending()).toEqual([]);

    // later readings still go through; the failed one stays
    await ob.add("s1", body);
    await ob.flush();
    expect(server.calls).toHaveLength(2);
    expect(ob.state.failed.map((f) => f.id)).toEqual([id]);

    // and it is still there after a reload
    ob.stop();
    const reloaded = outbox();
    await reloaded.start();
    expect(reloaded.state.failed.map((f) => f.id)).toEqual([id]);
    expect(server.calls).toHaveLength(2);
  });

  it("keeps a 409 (same id, different body) as failed; discard removes it only when asked", async () => {
    const ob = outbox();
    await ob.start();
    const id = "11111111-1111-4111-8111-111111111111";
    server.stored.set(id, JSON.stringify({ ...body, heart_rate: 81 }));
    await ob.add("s1", body, id);
    await ob.flush();
    expect(ob.state.failed).toHaveLength(1);
    expect(ob.state.failed[0].error).toBe("Reading exists with a different body");
    expect(ob.state.failed[0].httpStatus).toBe(409);
    // the server is told first (it audits the discard); while it cannot be told, the item stays
    server.script.push("network");
    await expect(ob.discard(id, "entered again by hand")).rejects.toThrow();
    expect(ob.state.failed.map((f) => f.id)).toEqual([id]);
    server.script.push({ status: 204, json: null });
    await ob.discard(id, "entered again by hand");
    expect(ob.state.failed).toEqual([]);
    const told = server.calls.at(-1);
    expect(told?.url).toBe(`/api/sessions/s1/readings/${id}/discarded`);
    expect(told?.body).toEqual({ reason: "entered again by hand", refused_with: 409, refusal: "Reading exists with a different body" });
  });

  it("says what became of a reading: stored, queued, or failed with the server's field messages", async () => {
    const ob = outbox();
    await ob.start();
    const stored = ob.settled("aaaaaaaa-0000-4000-8000-000000000001");
    await ob.add("s1", body, "aaaaaaaa-0000-4000-8000-000000000001");
    expect((await stored).kind).toBe("stored");

    server.script.push(422);
    const bad = "aaaaaaaa-0000-4000-8000-000000000002";
    const refused = ob.settled(bad);
    await ob.add("s1", { ...body, spo2: 197 }, bad);
    const outcome = await refused;
    expect(outcome.kind).toBe("failed");
    if (outcome.kind === "failed") expect(outcome.item.fields).toEqual({ spo2: "must be between 0 and 100" });

    // the fixed reading replaces the failed one: one item, never both
    server.script.push("network");
    const fixed = "aaaaaaaa-0000-4000-8000-000000000003";
    const queued = ob.settled(fixed);
    await ob.add("s1", body, fixed, bad);
    expect((await queued).kind).toBe("queued");
    expect(ob.state.failed).toEqual([]);
    expect(ob.state.queued.map((i) => i.id)).toEqual([fixed]);
  });

  it("sends pending readings oldest first and stops at a transient failure", async () => {
    let t = 1000;
    const ob = outbox({ now: () => t++ });
    await ob.start();
    server.script.push("network", "network");
    const a = await ob.add("s1", body);
    await ob.flush();
    const b = await ob.add("s1", { ...body, heart_rate: 90 });
    await ob.flush();
    // both attempts stopped at `a` (the network is down): b was not tried before a
    expect(server.calls).toHaveLength(2);
    expect(server.calls.every((c) => c.url.endsWith(a))).toBe(true);
    await clock.fire();
    const order = server.calls.map((c) => c.url.split("/").pop());
    expect(order.slice(-2)).toEqual([a, b]);
    expect(ob.state.pending).toBe(0);
  });

  it("retries when the browser comes back online", async () => {
    const events = new EventTarget();
    const ob = outbox({ events });
    await ob.start();
    server.script.push("network");
    await ob.add("s1", body);
    await ob.flush();
    expect(ob.state.pending).toBe(1);
    events.dispatchEvent(new Event("online"));
    await settle();
    expect(server.calls).toHaveLength(2);
    expect(ob.state.pending).toBe(0);
  });

  it("on 401 keeps the reading pending and reports being signed out", async () => {
    let signedOut = 0;
    const ob = outbox({ onUnauthorized: () => signedOut++ });
    await ob.start();
    server.script.push(401);
    await ob.add("s1", body);
    await ob.flush();
    expect(signedOut).toBe(1);
    expect(ob.state.pending).toBe(1);
    expect(ob.state.failed).toEqual([]);
    await ob.flush(); // after sign-in
    expect(ob.state.pending).toBe(0);
  });
});
