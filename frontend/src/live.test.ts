import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, defaultLiveUrl, LiveClient, type LiveMessage, type SocketLike } from "./live";

class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  closed: { code?: number } | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close(code?: number): void {
    this.closed = { code };
  }
  open(): void {
    this.onopen?.({});
  }
  send(msg: object): void {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  serverClose(code = 1006): void {
    this.onclose?.({ code });
  }
  static last(): FakeSocket {
    return FakeSocket.all[FakeSocket.all.length - 1];
  }
}

const snapshot = (seq: number) => ({ type: "snapshot", seq, data: { sessions: [], alerts: [] } });
const event = (seq: number, name = "reading.created") => ({ type: "event", seq, event: name, session_id: "s1", data: {} });

function makeClient(extra: Partial<ConstructorParameters<typeof LiveClient>[0]> = {}) {
  const client = new LiveClient({
    url: "ws://vigil.test/api/live",
    WebSocket: FakeSocket,
    staleAfterMs: 35_000,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
    random: () => 1, // jitter at its maximum: delay = full cap
    ...extra,
  });
  const got: LiveMessage[] = [];
  client.subscribe((m) => got.push(m));
  return { client, got };
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-03-01T10:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LiveClient", () => {
  it("builds ws/wss URLs from the page location", () => {
    expect(defaultLiveUrl({ protocol: "https:", host: "clinic.example:8443" })).toBe("wss://clinic.example:8443/api/live");
    expect(defaultLiveUrl({ protocol: "http:", host: "localhost:8000" })).toBe("ws://localhost:8000/api/live");
  });

  it("delivers the snapshot, then events in seq order, dropping duplicates and old seqs", () => {
    const { client, got } = makeClient();
    client.start();
    expect(client.current.state).toBe("connecting");
    const ws = FakeSocket.last();
    expect(ws.url).toBe("ws://vigil.test/api/live");
    ws.open();
    ws.send(snapshot(100));
    expect(client.current.state).toBe("live");
    ws.send(event(101));
    ws.send(event(101)); // duplicate
    ws.send(event(99)); // older than the snapshot
    ws.send(event(103));
    ws.send(event(102)); // arrives late: already past it
    ws.send(event(104));
    expect(got.map((m) => [m.type, m.seq])).toEqual([
      ["snapshot", 100],
      ["event", 101],
      ["event", 103],
      ["event", 104],
    ]);
    expect(client.current.lastSeq).toBe(104);
  });

  it("reconnects with exponential backoff and resumes with since=<last seq>, without duplicates", () => {
    const { client, got } = makeClient();
    client.start();
    const first = FakeSocket.last();
    first.open();
    first.send(snapshot(10));
    first.send(event(11));
    first.serverClose(1006);
    expect(client.current.state).toBe("connecting");
    expect(FakeSocket.all).toHaveLength(1);

    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(FakeSocket.last().url).toBe("ws://vigil.test/api/live?since=11");

    // second attempt fails too: the delay doubles
    FakeSocket.last().serverClose(1006);
    vi.advanceTimersByTime(1_999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    const third = FakeSocket.last();
    expect(third.url).toBe("ws://vigil.test/api/live?since=11");

    // the server replays from since: 11 again (overlap) must not be shown twice
    third.open();
    third.send(event(11));
    third.send(event(12));
    expect(client.current.state).toBe("live");
    expect(client.current.attempts).toBe(0);
    expect(got.map((m) => m.seq)).toEqual([10, 11, 12]);

    // after a good connection the backoff starts again from the base
    third.serverClose(1006);
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all).toHaveLength(4);
    expect(FakeSocket.last().url).toBe("ws://vigil.test/api/live?since=12");
  });

  it("a resumed connection is live at once and replays only newer events", () => {
    const { client, got } = makeClient();
    client.start();
    const first = FakeSocket.last();
    first.open();
    first.send(snapshot(40));
    first.send(event(41));
    first.serverClose(1006);
    vi.advanceTimersByTime(1_000);
    const second = FakeSocket.last();
    expect(second.url).toBe("ws://vigil.test/api/live?since=41");
    second.open();
    expect(client.current.state).toBe("connecting");
    second.send({ type: "resumed", seq: 41 });
    expect(client.current.state).toBe("live");
    second.send(event(41));
    second.send(event(42));
    expect(got.map((m) => [m.type, m.seq])).toEqual([
      ["snapshot", 40],
      ["event", 41],
      ["event", 42],
    ]);
  });

  it("backoff is capped and jittered between half and all of the cap", () => {
    expect(backoffDelay(0, 1000, 30000, () => 0)).toBe(500);
    expect(backoffDelay(0, 1000, 30000, () => 1)).toBe(1000);
    expect(backoffDelay(3, 1000, 30000, () => 0.5)).toBe(6000);
    expect(backoffDelay(20, 1000, 30000, () => 1)).toBe(30000);
    expect(backoffDelay(20, 1000, 30000, () => 0)).toBe(15000);
  });

  it("pings keep the connection live; silence makes it stale and replaces the socket", () => {
    const { client } = makeClient();
    const states: string[] = [];
    client.onStatus((s) => {
      if (states[states.length - 1] !== s.state) states.push(s.state);
    });
    client.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.send(snapshot(5));
    const liveAt = Date.now();
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(15_000);
      ws.send({ type: "ping", seq: 5 });
    }
    expect(client.current.state).toBe("live");
    const lastPingAt = Date.now();
    expect(lastPingAt - liveAt).toBe(60_000);

    vi.advanceTimersByTime(35_000);
    expect(client.current.state).toBe("stale");
    expect(client.current.staleSince).toBe(lastPingAt);
    expect(ws.closed).not.toBeNull();

    // reconnecting keeps showing stale until data flows again
    vi.advanceTimersByTime(1_000);
    const next = FakeSocket.last();
    expect(next).not.toBe(ws);
    expect(next.url).toBe("ws://vigil.test/api/live?since=5");
    expect(client.current.state).toBe("stale");
    next.open();
    next.send(snapshot(7));
    expect(client.current.state).toBe("live");
    expect(client.current.staleSince).toBeNull();
    expect(states).toEqual(["closed", "connecting", "live", "stale", "live"]);
  });

  it("becomes stale while disconnected for longer than the heartbeat allows", () => {
    const { client } = makeClient({ maxDelayMs: 60_000 });
    client.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.send(snapshot(1));
    const lastAt = Date.now();
    ws.serverClose(1006);
    // every reconnect attempt is refused at once
    for (let i = 0; i < 34; i++) {
      vi.advanceTimersByTime(1_000);
      const s = FakeSocket.last();
      if (s !== ws && !s.closed) {
        s.closed = { code: 1006 };
        s.serverClose(1006);
      }
    }
    expect(client.current.state).toBe("connecting");
    vi.advanceTimersByTime(1_000);
    expect(client.current.state).toBe("stale");
    expect(client.current.staleSince).toBe(lastAt);
  });

  it("abandons a connection attempt that never opens", () => {
    const { client } = makeClient();
    client.start();
    const hung = FakeSocket.last();
    vi.advanceTimersByTime(10_000);
    expect(hung.closed).not.toBeNull();
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(client.current.attempts).toBe(1);
  });

  it("close code 1008 means logged out: no reconnect, callback called", () => {
    const onUnauthorized = vi.fn();
    const { client } = makeClient({ onUnauthorized });
    client.start();
    FakeSocket.last().serverClose(1008);
    expect(onUnauthorized).toHaveBeenCalledOnce();
    expect(client.current.state).toBe("closed");
    expect(client.current.unauthorized).toBe(true);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("stop() closes the socket and does not reconnect", () => {
    const { client } = makeClient();
    client.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.send(snapshot(1));
    client.stop();
    expect(ws.closed?.code).toBe(1000);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.current.state).toBe("closed");
  });

  it("unpacks a batch frame into its events, in order and without duplicates", () => {
    const { client, got } = makeClient();
    client.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.send(snapshot(10));
    ws.send({ type: "batch", seq: 13, messages: [event(10), event(11), event(12), event(13)] });
    expect(got.map((m) => m.seq)).toEqual([10, 11, 12, 13]);
    expect(client.current.lastSeq).toBe(13);
    client.stop();
  });

  it("ignores malformed messages", () => {
    const { client, got } = makeClient();
    client.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.onmessage?.({ data: "not json" });
    ws.send({ type: "event", event: "x" }); // no seq
    ws.send(snapshot(3));
    expect(got.map((m) => m.seq)).toEqual([3]);
  });
});
