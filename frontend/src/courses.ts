// Treatment courses and outcome scales: their shapes, the patient-mode capability, pure helpers.
// Staff calls are in api.ts (`api.course`, `api.respond`, ...).
// Shapes come from the generated contract (api-schema.d.ts), never guessed.

import { errorFromResponse } from "./api";
import type { components } from "./api-schema";

type S = components["schemas"];
export type CourseDetail = S["CourseDetail"];
export type CourseSession = S["CourseSession"];
export type ResponseOut = S["ResponseOut"];
export type ScaleOut = S["ScaleOut"];
export type ScaleCode = ScaleOut["code"];
export type LinkOut = S["LinkOut"];
export type PatientModeOut = S["PatientModeOut"];

/** Where the tablet keeps the patient-mode capability while it is handed over. */
export const PATIENT_MODE_KEY = "vigil.patientMode";
const TOKEN_HEADER = "X-Questionnaire-Token";

/** Patient mode talks with its capability only: no cookie, so no staff login rides along. */
async function patientFetch<T>(token: string, method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json", [TOKEN_HEADER]: token };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    credentials: "omit",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw await errorFromResponse(res);
  return (await res.json()) as T;
}

export const patientApi = {
  view: (token: string) => patientFetch<PatientModeOut>(token, "GET", "/api/patient-mode"),
  submit: (token: string, responses: { scale: ScaleCode; answers: number[] }[]) =>
    patientFetch<{ received: number }>(token, "POST", "/api/patient-mode/responses", { responses }),
};

/** Answers of a form in item order, or the 1-based numbers of the items still unanswered. */
export function collectAnswers(scale: Pick<ScaleOut, "items">, picked: Record<number, number>): number[] | { missing: number[] } {
  const missing = scale.items.map((i) => i.number).filter((n) => picked[n] === undefined);
  if (missing.length > 0) return { missing };
  return scale.items.map((i) => picked[i.number] as number);
}

export interface TrendData {
  xs: number[]; // seconds
  totals: number[];
  infusions: { at: number; label: string }[]; // seconds
}

/** One scale's totals across the course, with the infusion start times to mark. */
export function trendOf(course: Pick<CourseDetail, "responses" | "sessions">, scale: ScaleCode): TrendData {
  const rs = course.responses.filter((r) => r.scale === scale);
  return {
    xs: rs.map((r) => Date.parse(r.taken_at) / 1000),
    totals: rs.map((r) => r.total),
    infusions: course.sessions
      .filter((s) => s.infusion_started_at)
      .map((s) => ({ at: Date.parse(s.infusion_started_at as string) / 1000, label: `#${s.number}` })),
  };
}
