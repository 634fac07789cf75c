// A monitor's readings awaiting the nurse's check (docs/devices.md "Nurse validation"): charted and
// alarming at once, they count for the reading schedule only once she validates them.

import type { Reading } from "./api";
import { parseTime } from "./format";

/** Current monitor readings no nurse has validated yet, oldest first. */
export function pendingReview(readings: readonly Reading[]): Reading[] {
  return readings
    .filter((r) => r.source === "device" && r.status === "final" && r.validated_at === null)
    .sort((a, b) => (parseTime(a.taken_at) ?? 0) - (parseTime(b.taken_at) ?? 0));
}

/** Spans of time (ms) the chart marks "monitor, not validated": pending readings with no charted
 * reading (a nurse's, or a validated one) between them. */
export function pendingSpans(readings: readonly Reading[]): [number, number][] {
  const spans: [number, number][] = [];
  let open: [number, number] | null = null;
  const timed = readings
    .filter((r) => r.status === "final")
    .map((r) => ({ r, t: parseTime(r.taken_at) ?? 0 }))
    .sort((a, b) => a.t - b.t);
  for (const { r, t } of timed) {
    const pending = r.source === "device" && r.validated_at === null;
    if (pending) {
      if (open) open[1] = t;
      else open = [t, t];
    } else if (open) {
      spans.push(open);
      open = null;
    }
  }
  if (open) spans.push(open);
  return spans;
}

/** "3 monitor readings" / "1 monitor reading". */
export function readingCount(n: number): string {
  return `${n} monitor reading${n === 1 ? "" : "s"}`;
}
