// uPlot wrappers: a tile sparkline and the session chart (phase bands, baseline and limit lines,
// alert markers, replay cursor — drawn on the canvas in uPlot hooks).

import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Alert, AlertRule, Priority, Reading } from "./api";
import { fmtClock, PRIORITY, parameterLabel, parseTime, VITALS } from "./format";
import { OP_LABEL } from "./limits";
import { pendingReview, pendingSpans, readingCount } from "./review";
import { type Band, lateEntries } from "./timeline";

type Data = uPlot.AlignedData;

function useResize(el: HTMLElement | null, plot: { current: uPlot | null }, height: number): void {
  useEffect(() => {
    if (!el || typeof ResizeObserver === "undefined") return;
    let w = el.clientWidth;
    const ro = new ResizeObserver(() => {
      if (el.clientWidth !== w && el.clientWidth > 0) {
        w = el.clientWidth;
        plot.current?.setSize({ width: w, height });
      }
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [el, height]);
}

export interface SparkSeries {
  values: (number | null)[];
  stroke: string;
  dash?: number[];
}

/** A small trend line (no axes); the value itself is shown as text beside it. */
export function Sparkline({ xs, series, label, height = 40 }: { xs: number[]; series: SparkSeries[]; label: string; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data: Data = [xs, ...series.map((s) => s.values)];

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 140,
      height,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      padding: [4, 2, 4, 2],
      scales: { x: { time: true } },
      axes: [{ show: false }, { show: false }],
      series: [
        {},
        ...series.map((s) => ({ stroke: s.stroke, width: 2, dash: s.dash, points: { show: xs.length < 3, size: 4 }, spanGaps: true })),
      ],
    };
    plot.current = new uPlot(opts, data, el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
    // series count is fixed per instance
  }, [series.length, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [xs, ...series.map((s) => s.values)]);

  useResize(ref.current, plot, height);
  return <div class="spark" ref={ref} role="img" aria-label={label} />;
}

export interface LimitLine {
  scale: "vital" | "spo2";
  value: number;
  label: string;
}

const CHARTED = new Set<string>(["systolic", "diastolic", "heart_rate", "spo2", "respiratory_rate"]);

/** High limit lines from the patient's effective alert rules (limits.effectiveRules). */
export function limitsFromRules(rules: AlertRule[]): LimitLine[] {
  const out: LimitLine[] = [];
  for (const r of rules) {
    if (r.kind !== "absolute" || r.enabled === false || !r.high || !CHARTED.has(r.parameter)) continue;
    out.push({
      scale: r.parameter === "spo2" ? "spo2" : "vital",
      value: r.high.value,
      label: `${parameterLabel(r.parameter)} ${OP_LABEL[r.high.op]} ${r.high.value}`,
    });
  }
  return out;
}

const BAND_FILL: Record<string, string> = {
  pre_infusion: "rgba(60, 100, 200, 0.08)",
  infusion: "rgba(230, 140, 0, 0.12)",
  paused: "rgba(120, 120, 120, 0.14)",
  recovery: "rgba(0, 140, 70, 0.09)",
};

const PRIO_STROKE: Record<Priority, string> = { high: "#b00020", medium: "#8a5a00", low: "#1f4e99" };

const series = (key: "heart_rate" | "systolic" | "diastolic" | "spo2" | "respiratory_rate", stroke: string, dash?: number[]) => ({
  key,
  label: `${VITALS[key].short} ${VITALS[key].unit}`,
  stroke,
  scale: key === "spo2" ? "spo2" : "vital",
  dash,
});
export const SERIES = [
  series("heart_rate", "#0b5394"),
  series("systolic", "#6a1b9a"),
  series("diastolic", "#6a1b9a", [8, 4]),
  series("spo2", "#00695c"),
  series("respiratory_rate", "#b34700", [2, 3]),
];

export interface SessionChartProps {
  readings: Reading[];
  bands: Band[];
  baseline: Reading | null;
  alerts: Alert[];
  range: [number, number]; // ms
  /** Replay position (ms): data after it is hidden and a cursor line drawn. */
  until: number | null;
  /** From the server's alert rules (limitsFromRules); none drawn until they have loaded. */
  limits: LimitLine[];
}

export function SessionChart(props: SessionChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const live = useRef(props);
  live.current = props;
  const height = 360;

  const visible = props.readings.filter((r) => props.until === null || (parseTime(r.taken_at) ?? 0) <= props.until);
  const data: Data = [visible.map((r) => (parseTime(r.taken_at) ?? 0) / 1000), ...SERIES.map((s) => visible.map((r) => r[s.key]))];

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const x = (u: uPlot, ms: number) => u.valToPos(ms / 1000, "x", true);
    const opts: uPlot.Options = {
      width: el.clientWidth || 800,
      height,
      scales: {
        x: { time: true, range: () => [live.current.range[0] / 1000, live.current.range[1] / 1000] },
        vital: { range: (_u, _min, max) => [0, Math.max(200, (max ?? 0) + 10)] },
        spo2: { range: (_u, min) => [Math.min(80, (min ?? 100) - 2), 100] },
      },
      axes: [
        {
          // 24 h clock; seconds only when the ticks are closer than a minute
          values: (_u, splits, _i, _space, incr) =>
            splits.map((v) => (incr < 60 ? new Date(v * 1000).toLocaleTimeString([], { hour12: false }) : fmtClock(v * 1000))),
        },
        { scale: "vital", label: `${VITALS.systolic.unit}, ${VITALS.heart_rate.unit}` },
        { scale: "spo2", side: 1, label: `${VITALS.spo2.short} ${VITALS.spo2.unit}`, grid: { show: false } },
      ],
      series: [
        { label: "Time" },
        ...SERIES.map((s) => ({
          label: s.label,
          scale: s.scale,
          stroke: s.stroke,
          width: 2,
          dash: s.dash ? [...s.dash] : undefined,
          spanGaps: true,
          points: { show: true, size: 5 },
        })),
      ],
      hooks: {
        drawClear: [
          (u) => {
            const { ctx, bbox } = u;
            ctx.save();
            ctx.font = `${Math.round(12 * devicePixelRatio)}px system-ui, sans-serif`;
            const bands = live.current.bands;
            let labelEnd = -Infinity; // a narrow band's name would overprint its neighbour's
            bands.forEach((b, i) => {
              const x0 = Math.max(bbox.left, x(u, b.from));
              const x1 = Math.min(bbox.left + bbox.width, x(u, b.to));
              if (x1 <= x0) return;
              ctx.fillStyle = BAND_FILL[b.phase] ?? "rgba(0,0,0,0.04)";
              ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
              const name = b.label;
              const lx = x0 + 4 * devicePixelRatio;
              const w = ctx.measureText(name).width;
              if ((lx + w <= x1 || i === bands.length - 1) && lx >= labelEnd) {
                ctx.fillStyle = "#333";
                ctx.fillText(name, lx, bbox.top + 14 * devicePixelRatio);
                labelEnd = lx + w + 4 * devicePixelRatio;
              }
            });
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            const p = live.current;
            const { ctx, bbox } = u;
            const dpr = devicePixelRatio;
            ctx.save();
            ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
            // a name that would overprint one already drawn moves down a line
            const used: number[] = [];
            const lineH = 12 * dpr;
            const hline = (scale: string, v: number, color: string, dash: number[], label: string) => {
              const y = u.valToPos(v, scale, true);
              if (y < bbox.top || y > bbox.top + bbox.height) return;
              ctx.strokeStyle = color;
              ctx.setLineDash(dash.map((d) => d * dpr));
              ctx.lineWidth = dpr;
              ctx.beginPath();
              ctx.moveTo(bbox.left, y);
              ctx.lineTo(bbox.left + bbox.width, y);
              ctx.stroke();
              ctx.setLineDash([]);
              ctx.fillStyle = color;
              const w = ctx.measureText(label).width;
              let ty = y - 3 * dpr;
              while (used.some((o) => Math.abs(o - ty) < lineH)) ty += lineH;
              used.push(ty);
              ctx.fillText(label, bbox.left + bbox.width - w - 4 * dpr, ty);
            };
            for (const l of p.limits) hline(l.scale, l.value, "#b00020", [2, 4], l.label);
            const b = p.baseline;
            if (b) {
              for (const [value, label] of [
                [b.systolic, "SBP"],
                [b.diastolic, "DBP"],
                [b.heart_rate, "HR"],
              ] as const) {
                if (value !== null) hline("vital", value, "#444", [10, 5], `baseline ${label} ${value}`);
              }
            }
            for (const a of p.alerts) {
              const t = parseTime(a.raised_at);
              if (t === null || (p.until !== null && t > p.until)) continue;
              const xx = x(u, t);
              if (xx < bbox.left || xx > bbox.left + bbox.width) continue;
              const color = PRIO_STROKE[a.priority];
              ctx.strokeStyle = color;
              ctx.lineWidth = (a.priority === "high" ? 2 : 1) * dpr;
              ctx.beginPath();
              ctx.moveTo(xx, bbox.top + 18 * dpr);
              ctx.lineTo(xx, bbox.top + bbox.height);
              ctx.stroke();
              ctx.fillStyle = color;
              ctx.font = `bold ${Math.round(12 * dpr)}px system-ui, sans-serif`;
              ctx.fillText(PRIORITY[a.priority].icon, xx + 2 * dpr, bbox.top + 30 * dpr);
            }
            // A monitor's readings no nurse has validated: a hatched strip along the bottom.
            const stripH = 8 * dpr;
            let named = false;
            for (const [from, to] of pendingSpans(p.readings)) {
              if (p.until !== null && from > p.until) continue;
              const x0 = Math.max(bbox.left, x(u, from) - 3 * dpr);
              const x1 = Math.min(bbox.left + bbox.width, x(u, p.until === null ? to : Math.min(to, p.until)) + 3 * dpr);
              if (x1 <= x0) continue;
              const y0 = bbox.top + bbox.height - stripH;
              ctx.fillStyle = "#b26a00";
              ctx.fillRect(x0, y0, x1 - x0, stripH);
              ctx.strokeStyle = "#fff";
              ctx.lineWidth = dpr;
              for (let hx = x0; hx < x1; hx += 6 * dpr) {
                ctx.beginPath();
                ctx.moveTo(hx, y0 + stripH);
                ctx.lineTo(Math.min(hx + stripH, x1), y0);
                ctx.stroke();
              }
              if (!named) {
                ctx.fillStyle = "#7a4500";
                ctx.font = `${Math.round(11 * dpr)}px system-ui, sans-serif`;
                const label = "monitor, not validated";
                const w = ctx.measureText(label).width;
                ctx.fillText(label, Math.min(x0, bbox.left + bbox.width - w - 2 * dpr), y0 - 3 * dpr);
                named = true;
              }
            }
            // A late entry (typed in after the session ended, from the paper record): LATE over
            // its time, as the reading list marks it.
            ctx.font = `bold ${Math.round(10 * dpr)}px system-ui, sans-serif`;
            for (const r of lateEntries(p.readings)) {
              const t = parseTime(r.taken_at) ?? 0;
              const xx = x(u, t);
              if ((p.until !== null && t > p.until) || xx < bbox.left || xx > bbox.left + bbox.width) continue;
              const w = ctx.measureText("LATE").width + 6 * dpr;
              const h = 14 * dpr;
              const x0 = Math.min(Math.max(bbox.left, xx - w / 2), bbox.left + bbox.width - w);
              const y0 = bbox.top + 34 * dpr; // below the alert icons
              ctx.fillStyle = "#fff";
              ctx.fillRect(x0, y0, w, h);
              ctx.strokeStyle = "#000";
              ctx.lineWidth = dpr;
              ctx.setLineDash([3 * dpr, 2 * dpr]);
              ctx.strokeRect(x0, y0, w, h);
              ctx.setLineDash([]);
              ctx.fillStyle = "#000";
              ctx.fillText("LATE", x0 + 3 * dpr, y0 + 11 * dpr);
            }
            if (p.until !== null) {
              const xx = x(u, p.until);
              ctx.strokeStyle = "#000";
              ctx.lineWidth = 2 * dpr;
              ctx.setLineDash([]);
              ctx.beginPath();
              ctx.moveTo(xx, bbox.top);
              ctx.lineTo(xx, bbox.top + bbox.height);
              ctx.stroke();
            }
            ctx.restore();
          },
        ],
      },
    };
    plot.current = new uPlot(opts, data, el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  }, [props.readings, props.until, props.range[0], props.range[1], props.bands, props.alerts, props.baseline, props.limits]);

  useResize(ref.current, plot, height);

  const unchecked = pendingReview(visible).length;
  const late = lateEntries(visible).length;
  const desc = `Vital signs chart with ${visible.length} readings${unchecked ? ` (${readingCount(unchecked)} not validated)` : ""}${late ? `, ${late} late entr${late === 1 ? "y" : "ies"}` : ""}; phases: ${props.bands.map((b) => b.label).join(", ") || "none"}; ${props.alerts.length} alerts marked; limit lines: ${props.limits.map((l) => l.label).join(", ") || "none"}.`;
  return <div class="session-chart" ref={ref} role="img" aria-label={desc} />;
}

/** A scale's totals across a treatment course; a dashed line and label at each infusion. */
export function TrendChart({
  xs,
  totals,
  infusions,
  max,
  label,
  height = 180,
}: {
  xs: number[];
  totals: number[];
  infusions: { at: number; label: string }[];
  max: number;
  label: string;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const marks = useRef(infusions);
  marks.current = infusions;
  const all = [...xs, ...infusions.map((i) => i.at)];
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = Math.max((hi - lo) * 0.05, 3600);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const drawInfusions = (u: uPlot) => {
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = "#3d6fb6";
      ctx.fillStyle = "#3d6fb6";
      ctx.setLineDash([4, 4]);
      ctx.font = `${11 * devicePixelRatio}px sans-serif`;
      ctx.textAlign = "center";
      for (const m of marks.current) {
        const x = u.valToPos(m.at, "x", true);
        ctx.beginPath();
        ctx.moveTo(x, u.bbox.top);
        ctx.lineTo(x, u.bbox.top + u.bbox.height);
        ctx.stroke();
        ctx.fillText(m.label, x, u.bbox.top - 4 * devicePixelRatio);
      }
      ctx.restore();
    };
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      legend: { show: false },
      padding: [18, 12, 0, 0],
      scales: { x: { time: true, range: [lo - pad, hi + pad] }, y: { range: [0, max] } },
      axes: [{}, { label: "total", size: 50 }],
      series: [{}, { label, stroke: "#222", width: 2, points: { show: true, size: 7, fill: "#222" } }],
      hooks: { draw: [drawInfusions] },
    };
    plot.current = new uPlot(opts, [xs, totals], el);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [height, max, lo, hi]);

  useEffect(() => {
    plot.current?.setData([xs, totals]);
  }, [xs, totals]);

  useResize(ref.current, plot, height);
  const text = `${label}: ${totals.join(", ")} across ${infusions.length} infusions`;
  return <div class="trend-chart" ref={ref} role="img" aria-label={text} data-testid={`trend-${label}`} />;
}
