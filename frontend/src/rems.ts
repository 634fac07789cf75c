// The Spravato REMS tracker's order and wording (views/admin/Rems.tsx). Pure, no DOM.

import type { RemsDue } from "./api";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Not submitted and past its due time. The server's flag is as of its answer; the clock is
 * asked too because the list may have stayed open on the screen for hours since. */
export function isOverdue(r: RemsDue, now: number): boolean {
  return r.submitted_at === null && (r.overdue || now > Date.parse(r.due_at));
}

/** "3 days", "5 hours", "under an hour": whole days from a day on (the due column has the time). */
function span(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < HOUR) return "under an hour";
  if (abs < DAY) {
    const h = Math.floor(abs / HOUR);
    return h === 1 ? "1 hour" : `${h} hours`;
  }
  const d = Math.round(abs / DAY);
  return d === 1 ? "1 day" : `${d} days`;
}

/** What the "Days left" column says; null once the form is submitted (nothing is left to do). */
export function timeLeftText(r: RemsDue, now: number): string | null {
  if (r.submitted_at !== null) return null;
  const ms = Date.parse(r.due_at) - now;
  return isOverdue(r, now) ? `OVERDUE by ${span(ms)}` : `${span(ms)} left`;
}

/** Overdue first, then the soonest due. */
export function sortRems(rows: RemsDue[], now: number): RemsDue[] {
  return [...rows].sort((a, b) => Number(isOverdue(b, now)) - Number(isOverdue(a, now)) || Date.parse(a.due_at) - Date.parse(b.due_at));
}
