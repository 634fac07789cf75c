// Alarm tones for the dashboard (WebAudio, no audio files), in the spirit of IEC 60601-1-8:
// a high-priority alarm is a 10-pulse burst repeated often, a medium one a 3-pulse burst at a
// lower pitch repeated less often; an escalation sounds at once, louder, even while paused.
// Browsers only start audio after a gesture, so monitoring starts with one ("Start
// monitoring"); until then, and while paused or if the device has no audio, `audioOff` says so
// and the dashboard shows a banner. Audio can be paused for at most two minutes, never turned off.

import type { Alert } from "./api";

export const PAUSE_MS = 2 * 60_000;

export type AlarmLevel = "high" | "medium" | null;

interface Pattern {
  pulses: number[]; // seconds from the start of the burst
  hz: number;
  gain: number;
  everyMs: number;
}

export const PATTERNS: Record<"high" | "medium" | "escalated", Pattern> = {
  high: { pulses: [0, 0.15, 0.3, 0.6, 0.75, 1.35, 1.5, 1.65, 1.95, 2.1], hz: 880, gain: 0.3, everyMs: 8_000 },
  medium: { pulses: [0, 0.25, 0.5], hz: 660, gain: 0.2, everyMs: 20_000 },
  escalated: { pulses: [0, 0.15, 0.3, 0.6, 0.75, 1.35, 1.5, 1.65, 1.95, 2.1], hz: 988, gain: 0.55, everyMs: 4_000 },
};

/** What should sound: unacknowledged high beats medium; an escalated one is louder. */
export function alarmLevel(alerts: Alert[]): { level: AlarmLevel; escalated: boolean } {
  const active = alerts.filter((a) => a.state === "active");
  const high = active.filter((a) => a.priority === "high");
  if (high.length) return { level: "high", escalated: alerts.some((a) => a.escalated && a.state !== "resolved" && a.priority === "high") };
  if (active.some((a) => a.priority === "medium")) return { level: "medium", escalated: false };
  return { level: null, escalated: false };
}

type Listener = () => void;

export class AlarmSound {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastPlayed = 0;
  private alerts: Alert[] = [];
  private escalatedSeen = new Set<string>();
  private listeners = new Set<Listener>();
  /** Set by the "Start monitoring" gesture; a reload or a new sign-in starts without it. */
  started = false;
  pausedUntil: number | null = null;

  /** Browsers only start audio after a user gesture: call from a click/keydown. */
  unlock(): void {
    try {
      const Ctor = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctor) return;
      if (!this.ctx) this.ctx = new Ctor();
      if (this.ctx.state === "suspended") void this.ctx.resume().then(() => this.emit());
    } catch {
      /* no audio on this device: audioOff stays true and the banner says so */
    }
    this.emit();
  }

  /** The one gesture that starts monitoring: unlocks audio and lifts the gate. */
  start(): void {
    this.started = true;
    this.unlock();
    this.lastPlayed = 0;
    this.tick();
    this.emit();
  }

  get audioRunning(): boolean {
    return this.ctx !== null && this.ctx.state === "running";
  }

  get paused(): boolean {
    return this.pausedUntil !== null && Date.now() < this.pausedUntil;
  }

  /** Alarms cannot be heard: not started, paused, or no audio on this device. */
  get audioOff(): boolean {
    return !this.started || this.paused || !this.audioRunning;
  }

  /** Pause for at most PAUSE_MS; never forever. An escalation ends the pause. */
  pause(ms = PAUSE_MS): void {
    this.pausedUntil = Date.now() + Math.min(ms, PAUSE_MS);
    this.emit();
  }

  resume(): void {
    this.pausedUntil = null;
    this.lastPlayed = 0;
    this.tick();
    this.emit();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  setAlerts(alerts: Alert[]): void {
    const before = alarmLevel(this.alerts).level;
    this.alerts = alerts;
    const now = alarmLevel(alerts);
    let fresh = false;
    for (const a of alerts) {
      if (a.escalated && a.state !== "resolved" && !this.escalatedSeen.has(a.id)) {
        this.escalatedSeen.add(a.id);
        fresh = true;
      }
    }
    if (fresh) this.pausedUntil = null; // escalation: sound again, whatever the pause said
    if (fresh || (now.level && now.level !== before)) this.lastPlayed = 0; // sounds at once
    if (now.level && !this.timer) this.timer = setInterval(() => this.tick(), 1000);
    if (!now.level && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.tick();
    this.emit();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.ctx?.close();
    this.ctx = null;
  }

  private tick(): void {
    if (this.pausedUntil !== null && Date.now() >= this.pausedUntil) {
      this.pausedUntil = null;
      this.lastPlayed = 0;
      this.emit();
    }
    const { level, escalated } = alarmLevel(this.alerts);
    if (!level || this.audioOff || !this.ctx) return;
    const pattern = PATTERNS[escalated ? "escalated" : level];
    if (Date.now() - this.lastPlayed < pattern.everyMs) return;
    this.lastPlayed = Date.now();
    this.play(pattern);
  }

  private play(p: Pattern): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime + 0.02;
    for (const off of p.pulses) {
      const osc = ctx.createOscillator();
      const g = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = p.hz;
      g.gain.setValueAtTime(0, t0 + off);
      g.gain.linearRampToValueAtTime(p.gain, t0 + off + 0.01);
      g.gain.setValueAtTime(p.gain, t0 + off + 0.1);
      g.gain.linearRampToValueAtTime(0, t0 + off + 0.12);
      osc.connect(g).connect(ctx.destination);
      osc.start(t0 + off);
      osc.stop(t0 + off + 0.13);
    }
  }

  private emit(): void {
    for (const fn of [...this.listeners]) fn();
  }
}
