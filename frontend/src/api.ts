// Typed fetch wrapper for the Vigil HTTP API (shared/design/API.md, docs/architecture.md "Wire shapes").
// Every call is same-origin with the session cookie; a 401 anywhere means "logged out".

export type Role = "nurse" | "physician" | "admin";
export type Id = string;

export interface User {
  id: Id | number;
  username: string;
  display_name: string;
  role: Role;
  active: boolean;
}

export interface Patient {
  id: Id;
  mrn: string;
  full_name: string;
  date_of_birth: string;
  notes?: string | null;
}

export type Phase = "scheduled" | "pre_infusion" | "infusion" | "paused" | "recovery" | "discharged" | "aborted";

export type Consciousness = "A" | "C" | "V" | "P" | "U";

/** Body of PUT /api/sessions/{sid}/readings/{reading_id}. */
export interface ReadingIn {
  taken_at: string;
  heart_rate: number;
  systolic: number;
  diastolic: number;
  spo2: number;
  respiratory_rate?: number | null;
  temperature_c?: number | null;
  on_oxygen?: boolean | null;
  consciousness?: Consciousness | null;
  sedation_rass?: number | null;
  dissociation_cadss6?: number | null;
  note?: string | null;
}

export interface Reading extends ReadingIn {
  id: Id;
  session_id: Id;
  phase: Phase;
  recorded_at: string;
  recorded_by: unknown;
  is_baseline: boolean;
  amends: Id | null;
  amend_reason?: string | null;
  amended_by?: Id | null;
  error_reason?: string | null;
  status: "final" | "amended" | "entered_in_error";
}

export type Priority = "high" | "medium" | "low";
export type AlertState = "active" | "acknowledged" | "resolved";

export interface Alert {
  id: Id;
  session_id: Id;
  rule: string;
  kind?: "absolute" | "baseline" | "news2" | "overdue";
  priority: Priority;
  state: AlertState;
  message: string;
  value: number | null;
  limit: number | null;
  worst_value?: number | null;
  count?: number;
  raised_at: string;
  updated_at?: string | null;
  acknowledged_at: string | null;
  acknowledged_by: unknown;
  acknowledged_by_name?: string | null;
  ack_note?: string | null;
  resolved_at: string | null;
  resolved_reason?: string | null;
  escalated: boolean;
}

export interface News2 {
  score: number;
  partial: boolean;
  missing: string[];
  band: "low" | "low_medium" | "medium" | "high";
  components: Record<string, number>;
}

export interface PatientRef {
  id: Id;
  mrn: string;
  full_name: string;
  date_of_birth: string;
}

/** List shape (GET /api/sessions, live payloads). */
export interface Session {
  id: Id;
  patient: PatientRef;
  location: string;
  drug: string;
  protocol: string;
  weight_kg: number;
  /** Weight-based protocols only; fixed-dose ones (Spravato) count devices instead. */
  dose_mg_per_kg: number | null;
  total_dose_mg: number;
  devices: number | null;
  planned_minutes: number;
  phase: Phase;
  phase_started_at: string;
  created_at: string;
  infusion_started_at: string | null;
  infusion_ended_at: string | null;
  latest_reading: Reading | null;
  open_alerts: Alert[];
  news2: News2 | null;
  next_reading_due_at: string | null;
  infusion: InfusionTile | null;
}

/** The pump log folded, as the session tile carries it (app/infusion/schemas.py). */
export interface InfusionTile {
  status: "not_started" | "running" | "paused" | "stopped";
  verified: boolean;
  planned_dose_mg: number;
  rate_mg_per_kg_h: number;
  rate_mg_per_h: number;
  rate_ml_per_h: number;
  delivered_mg: number;
  running_seconds: number;
  started_at: string | null;
  stopped_at: string | null;
  as_of: string | null;
}

/** Backend shape: {from_phase, to_phase, at, by, reason, override}; `phase`/`started_at` also accepted. */
export interface PhaseHistoryEntry {
  from_phase?: Phase | null;
  to_phase?: Phase;
  override?: boolean;
  phase?: Phase;
  started_at?: string;
  at?: string;
  ended_at?: string | null;
  by?: unknown;
  reason?: string | null;
}

export interface Checklist {
  identity_checked?: boolean;
  consent_signed?: boolean;
  fasting_confirmed?: boolean;
  escort_confirmed?: boolean;
  [key: string]: unknown;
}

export interface DischargeCriterion {
  key?: string;
  name?: string;
  label?: string;
  met: boolean;
  detail?: string | null;
}

export interface Discharge {
  met: boolean;
  criteria: DischargeCriterion[] | Record<string, boolean | DischargeCriterion>;
}

export interface SessionDetail extends Session {
  phase_history: PhaseHistoryEntry[];
  checklist: Checklist;
  baseline: Reading | null;
  discharge: Discharge | null;
}

/** The PUT answer (201 first time, 200 on identical replay). */
export interface ReadingAnswer {
  reading: Reading;
  alerts: Alert[];
}

export interface AldreteScores {
  activity: number;
  respiration: number;
  circulation: number;
  consciousness: number;
  oxygen_saturation: number;
}

export interface TransitionIn {
  to: "infusion" | "paused" | "recovery" | "discharged" | "aborted";
  reason?: string;
  override?: boolean;
  aldrete?: AldreteScores;
}

export interface SessionCreate {
  patient_id: Id;
  location: string;
  protocol?: string;
  weight_kg: number;
  dose_mg_per_kg?: number;
  dose_mg?: number;
  planned_minutes?: number;
  drug?: string;
}

export interface PatientCreate {
  mrn: string;
  full_name: string;
  date_of_birth: string;
  notes?: string;
}

export type NoteKind = "note" | "side_effect" | "medication" | "dose_change";

/** One row of GET /api/sessions/{id}/timeline: the session's events (same payloads as live). */
export interface TimelineEvent {
  seq?: number;
  event?: string;
  type?: string;
  at?: string;
  created_at?: string;
  occurred_at?: string;
  actor?: unknown;
  by?: unknown;
  session_id?: Id;
  data?: Record<string, unknown>;
}

/** An error answer, carrying the server's `detail` as a message a person can read. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly detail: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

interface ValidationItem {
  loc?: (string | number)[];
  msg?: string;
}

/** FastAPI `detail` (string, validation list or object) → one readable sentence. */
export function detailMessage(detail: unknown, status?: number): string {
  if (typeof detail === "string" && detail.trim()) return detail;
  if (Array.isArray(detail) && detail.length) {
    return detail
      .map((d: ValidationItem | string) => {
        if (typeof d === "string") return d;
        // drop "body"/"query"/"path" and bare list indexes: the message names the item
        const loc = (d.loc ?? []).filter((p) => p !== "body" && p !== "query" && p !== "path" && typeof p !== "number");
        const field = loc.length ? `${loc.join(".")}: ` : "";
        return `${field}${d.msg ?? "invalid value"}`;
      })
      .join("; ");
  }
  if (detail && typeof detail === "object") {
    const o = detail as Record<string, unknown>;
    if (typeof o.message === "string") return o.message;
    if (typeof o.msg === "string") return o.msg;
  }
  if (status === 401) return "Please sign in.";
  if (status === 403) return "Your role may not do this.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many attempts; please wait and try again.";
  if (status && status >= 500) return `The server failed (HTTP ${status}); please try again.`;
  return status ? `Request failed (HTTP ${status}).` : "Request failed.";
}

/** Read an error body (JSON `detail` or text) into an ApiError. */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  let detail: unknown = null;
  try {
    const text = await res.text();
    try {
      const body = JSON.parse(text) as { detail?: unknown };
      detail = body && typeof body === "object" && "detail" in body ? body.detail : body;
    } catch {
      detail = text || null;
    }
  } catch {
    detail = null;
  }
  let msg = detailMessage(detail, res.status);
  const retry = res.headers.get("Retry-After");
  if (res.status === 429 && retry) msg += ` (retry after ${retry} s)`;
  return new ApiError(res.status, msg, detail);
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();
const activityListeners = new Set<Listener>();
let lastActivity = Date.now();

/** Called on any 401 answer (and by the live client on close code 1008). */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}
export function notifyUnauthorized(): void {
  for (const fn of [...unauthorizedListeners]) fn();
}

/** Server idle timeout slides on each request: remember when we last made one. */
export function markActivity(at = Date.now()): void {
  lastActivity = at;
  for (const fn of [...activityListeners]) fn();
}
export function lastApiActivity(): number {
  return lastActivity;
}
export function onActivity(fn: Listener): () => void {
  activityListeners.add(fn);
  return () => activityListeners.delete(fn);
}

/** fetch for the app: same origin, cookie, activity tracking. Used by the outbox too. */
export const appFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, { credentials: "same-origin", ...init });
  markActivity();
  if (res.status === 401 && !String(input).includes("/api/auth/login")) notifyUnauthorized();
  return res;
};

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...init.headers, "Content-Type": "application/json" };
  }
  const res = await appFetch(path, init);
  if (!res.ok) throw await errorFromResponse(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function qs(params: Record<string, string | number | boolean | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** Some list routes may answer `{items: [...]}`; accept both. */
function list<T>(x: unknown): T[] {
  if (Array.isArray(x)) return x as T[];
  if (x && typeof x === "object") {
    for (const k of ["items", "results", "events", "entries", "rules", "data"]) {
      const v = (x as Record<string, unknown>)[k];
      if (Array.isArray(v)) return v as T[];
    }
  }
  return [];
}

const enc = encodeURIComponent;

export const api = {
  login: (username: string, password: string) => request<{ user: User }>("POST", "/api/auth/login", { username, password }),
  logout: () => request<unknown>("POST", "/api/auth/logout"),
  me: () => request<User>("GET", "/api/auth/me"),

  users: async () => list<User>(await request<unknown>("GET", "/api/users")),
  createUser: (u: { username: string; display_name: string; role: Role; password: string }) => request<User>("POST", "/api/users", u),
  updateUser: (id: User["id"], patch: Partial<{ role: Role; active: boolean; password: string }>) =>
    request<User>("PATCH", `/api/users/${enc(String(id))}`, patch),

  patients: async (q: string) => list<Patient>(await request<unknown>("GET", `/api/patients${qs({ q })}`)),
  createPatient: (p: PatientCreate) => request<Patient>("POST", "/api/patients", p),

  sessions: async (active?: boolean) => list<Session>(await request<unknown>("GET", `/api/sessions${qs({ active })}`)),
  session: (id: Id) => request<SessionDetail>("GET", `/api/sessions/${enc(id)}`),
  createSession: (s: SessionCreate) => request<Session>("POST", "/api/sessions", s),
  patchChecklist: (id: Id, patch: Partial<Checklist>) => request<unknown>("PATCH", `/api/sessions/${enc(id)}/checklist`, patch),
  transition: (id: Id, t: TransitionIn) => request<SessionDetail>("POST", `/api/sessions/${enc(id)}/transitions`, t),
  addNote: (id: Id, kind: NoteKind, text: string) => request<unknown>("POST", `/api/sessions/${enc(id)}/notes`, { kind, text }),
  timeline: async (id: Id) => list<TimelineEvent>(await request<unknown>("GET", `/api/sessions/${enc(id)}/timeline`)),
  readings: async (id: Id) => list<Reading>(await request<unknown>("GET", `/api/sessions/${enc(id)}/readings`)),

  alerts: async (state = "active") => list<Alert>(await request<unknown>("GET", `/api/alerts${qs({ state })}`)),
  acknowledge: (id: Id, note?: string) => request<Alert>("POST", `/api/alerts/${enc(id)}/acknowledge`, note ? { note } : {}),

  alertRules: () => request<unknown>("GET", "/api/alert-rules"),
  putAlertRules: (rules: unknown) => request<unknown>("PUT", "/api/alert-rules", rules),
  patientAlertRules: (patientId: Id) => request<unknown>("GET", `/api/patients/${enc(patientId)}/alert-rules`),

  audit: async (f: { from?: string; to?: string; user?: string; action?: string }) =>
    list<Record<string, unknown>>(await request<unknown>("GET", `/api/audit${qs(f)}`)),
  auditVerify: () => request<Record<string, unknown>>("GET", "/api/audit/verify"),
};

/** A local calendar-day range [from 00:00, day after `to` 00:00) as ISO datetimes (UTC). */
export function dayRange(fromDate: string, toDate: string): { from: string; to: string } {
  const start = fromDate ? new Date(`${fromDate}T00:00:00`) : null;
  const end = toDate ? new Date(`${toDate}T00:00:00`) : null;
  if (end) end.setDate(end.getDate() + 1);
  return {
    from: start && !Number.isNaN(start.getTime()) ? start.toISOString() : "",
    to: end && !Number.isNaN(end.getTime()) ? end.toISOString() : "",
  };
}

export const exportLinks = {
  session: (id: Id) => ({
    csv: `/api/exports/sessions/${enc(id)}.csv`,
    json: `/api/exports/sessions/${enc(id)}.json`,
    fhir: `/api/exports/sessions/${enc(id)}.fhir.json`,
    pdf: `/api/exports/sessions/${enc(id)}.pdf`,
  }),
  /** from/to: ISO 8601 datetimes with offset (see dayRange). */
  rangeCsv: (from: string, to: string) => `/api/exports/sessions.csv${qs({ from, to })}`,
  rangeFhir: (from: string, to: string) => `/api/exports/sessions.fhir.ndjson${qs({ from, to })}`,
};
