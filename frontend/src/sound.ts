// Alarm tone for the dashboard (WebAudio, no audio files). Plays while an unacknowledged high
// alert is open; escalated alerts are louder and more frequent. Silencing is bounded in time.

import type { Alert } from "./api";

export const MAX_MUTE_MS = 2 * 60_000;

type Listener = () => void;

export class AlarmSound {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastPlayed = 0;
  private alerts: Alert[] = [];
  private listeners = new Set<Listener>();
  mutedUntil: number | null = null;

  /** Browsers only start audio after a user gesture: call from a click/keydown. */
  unlock(): void {
    try {
      const Ctor = globalThis.AudioContext ?? (globalThis as unknown as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
      if (!Ctor) return;
      if (!this.ctx) this.ctx = new Ctor();
      if (this.ctx.state === "suspended") void this.ctx.resume().then(() => this.emit());
    } catch {
      /* no audio on this device */
    }
    this.emit();
  }

  get needsUnlock(): boolean {
    return this.ctx?.state !== "running";
  }

  get muted(): boolean {
    return this.mutedUntil !== null && Date.now() < this.mutedUntil;
  }

  /** Silence for at most MAX_MUTE_MS; never forever. */
  mute(ms = MAX_MUTE_MS): void {
    this.mutedUntil = Date.now() + Math.min(ms, MAX_MUTE_MS);
    this.emit();
  }

  unmute(): void {
    this.mutedUntil = null;
    this.emit();
  }

  subscribe(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The alarm condition: any open, unacknowledged high alert. */
  static sounding(alerts: Alert[]): { on: boolean; escalated: boolean } {
    const active = alerts.filter((a) => a.priority === "high" && a.state === "active");
    return { on: active.length > 0, escalated: active.some((a) => a.escalated) };
  }

  setAlerts(alerts: Alert[]): void {
    const before = AlarmSound.sounding(this.alerts).on;
    this.alerts = alerts;
    const now = AlarmSound.sounding(alerts);
    if (now.on && !before) this.lastPlayed = 0; // a new alarm sounds at once
    if (now.on && !this.timer) this.timer = setInterval(() => this.tick(), 1000);
    if (!now.on && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    if (now.on) this.tick();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    void this.ctx?.close();
    this.ctx = null;
  }

  private tick(): void {
    if (this.mutedUntil !== null && Date.now() >= this.mutedUntil) {
      this.mutedUntil = null;
      this.emit();
    }
    const { on, escalated } = AlarmSound.sounding(this.alerts);
    if (!on || this.muted || !this.ctx || this.ctx.state !== "running") return;
    const every = escalated ? 4_000 : 8_000;
    if (Date.now() - this.lastPlayed < every) return;
    this.lastPlayed = Date.now();
    this.play(escalated ? 0.5 : 0.25);
  }

  /** IEC 60601-1-8-like high-priority burst: 3 + 2 pulses. */
  private play(gain: number): void {
    const ctx = this.ctx;
    if (!ctx) return;
    const t0 = ctx.currentTime + 0.02;
    const pulses = [0, 0.2, 0.4, 0.9, 1.1];
    for (const off of pulses) {
      const osc = ctx.createOscillator();
      const g = ctx.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      g.gain.setValueAtTime(0, t0 + off);
      g.gain.linearRampToValueAtTime(gain, t0 + off + 0.01);
      g.gain.setValueAtTime(gain, t0 + off + 0.12);
      g.gain.linearRampToValueAtTime(0, t0 + off + 0.15);
      osc.connect(g).connect(ctx.destination);
      osc.start(t0 + off);
      osc.stop(t0 + off + 0.16);
    }
  }

  private emit(): void {
    for (const fn of [...this.listeners]) fn();
  }
}
