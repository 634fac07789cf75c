// The Vigil HTTP API, typed from the contract: every shape below is generated from
// frontend/openapi.json (`make api`), so a backend change that the dashboard does not follow
// fails `npm run build`. Every call is same-origin with the session cookie; a 401 anywhere
// means "logged out".

import createClient from "openapi-fetch";
import type { components, paths } from "./api-schema";

type Schemas = components["schemas"];

export type Id = string;
export type User = Schemas["UserOut"];
export type Role = User["role"];
export type UserCreate = Schemas["UserCreate"];
export type UserUpdate = Schemas["UserUpdate"];
export type Patient = Schemas["PatientOut"];
export type PatientCreate = Schemas["PatientIn"];
export type PatientRef = Schemas["PatientBrief"];
export type Session = Schemas["SessionRead"];
export type SessionDetail = Schemas["SessionDetail"];
export type SessionCreate = Schemas["SessionCreate"];
export type Phase = Session["phase"];
export type PhaseChange = Schemas["PhaseChangeOut"];
export type Checklist = Schemas["Checklist"];
export type ChecklistPatch = Schemas["ChecklistIn"];
export type Discharge = Schemas["Discharge"];
export type DischargeCriterion = Schemas["Criterion"];
export type AldreteScores = Schemas["Aldrete"];
export type TransitionIn = Schemas["TransitionIn"];
export type ReadingIn = Schemas["ReadingIn"];
export type InfusionRecord = Schemas["InfusionRecord"];
export type OrderIn = Schemas["OrderIn"];
export type PumpEventIn = Schemas["EventIn"];
export type ClinicalRecord = Schemas["ClinicalRecord"];
export type SideEffectIn = Schemas["SideEffectIn"];
export type PrnIn = Schemas["PrnIn"];
export type AssessmentIn = Schemas["AssessmentIn"];
export type ScreeningIn = Schemas["ScreeningIn"];
export type Screening = Schemas["ScreeningOut"];
export type ScreeningQuestions = Schemas["Questions"];
export type ReadingAmend = Schemas["ReadingAmend"];
export type Reading = Schemas["ReadingOut"];
export type ReadingReview = Schemas["ReadingReview"];
export type Consciousness = NonNullable<Reading["consciousness"]>;
export type Site = Schemas["SiteOut"];
export type Chair = Schemas["ChairOut"];
export type SiteCreate = Schemas["SiteCreate"];
export type SiteUpdate = Schemas["SiteUpdate"];
export type ChairCreate = Schemas["ChairCreate"];
export type ChairUpdate = Schemas["ChairUpdate"];
export type RuleOff = Schemas["RuleOff"];
/** The PUT answer (201 first time, 200 on identical replay). */
export type ReadingAnswer = Schemas["ReadingAnswer"];
export type Alert = Schemas["AlertOut"];
export type Priority = Alert["priority"];
export type AlertState = Alert["state"];
export type News2 = Schemas["News2Out"];
export type HeldMessage = Schemas["HeldMessageOut"];
export type AlertRule = Schemas["AlertRuleOut"];
export type Threshold = Schemas["ThresholdIO"];
export type NoteKind = Schemas["NoteIn"]["kind"];
export type Note = Schemas["NoteOut"];
export type TimelineEvent = Schemas["TimelineItem"];
export type AuditEntry = Schemas["AuditOut"];
export type ChainCheck = Schemas["ChainOut"];
export type ClientConfig = Schemas["ClientConfig"];
export type MfaStatus = Schemas["MfaStatus"];
export type MfaEnrolment = Schemas["MfaEnrolment"];
/** The pump log folded, as the session tile carries it (app/infusion/schemas.py). */
export type InfusionTile = Schemas["InfusionTile"];
export type CtlAct = paths["/api/controlled/acts"]["get"]["responses"][200]["content"]["application/json"][number];
export type CtlContainer = Schemas["ContainerOut"];
export type CtlEntry = Schemas["EntryOut"];
export type CtlDiscrepancy = Schemas["Discrepancy"];
export type CtlWitness = Schemas["WitnessOption"];
export type CtlWitnessIn = Schemas["WitnessIn"];
export type CtlCheck = Schemas["LogCheck"];
export type CtlRoleLine = Schemas["RoleLine"];
export type Protocol = Schemas["ProtocolOut"];
export type ProtocolIn = Schemas["ProtocolIn"];
export type ProtocolRules = Schemas["ProtocolRules"];
export type Checkpoint = Schemas["Checkpoint"];
export type RemsDue = Schemas["RemsDue"];
export type SubmittedIn = Schemas["SubmittedIn"];
type ValidationItem = Schemas["ValidationError"];

/** The `data` of a live event or a timeline row (docs/architecture.md "Wire shapes"): outside
 * the OpenAPI document because it travels on the websocket and in the timeline as free JSON. */
export interface EventData {
  reading?: Reading;
  /** A nurse's review of monitor readings (readings.validated / readings.rejected). */
  readings?: Reading[];
  session?: Session;
  alert?: Alert;
  note?: Note;
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

/** The server's `detail`: a sentence, or FastAPI's list of field errors. */
export function detailMessage(detail: unknown, status?: number): string {
  if (typeof detail === "string" && detail.trim()) return detail;
  if (Array.isArray(detail) && detail.length) {
    return (detail as ValidationItem[])
      .map((d) => {
        // drop "body"/"query"/"path" and bare list indexes: the message names the item
        const loc = d.loc.filter((p) => p !== "body" && p !== "query" && p !== "path" && typeof p !== "number");
        return `${loc.length ? `${loc.join(".")}: ` : ""}${d.msg}`;
      })
      .join("; ");
  }
  if (status === 401) return "Please sign in.";
  if (status === 403) return "Your role may not do this.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many attempts; please wait and try again.";
  if (status && status >= 500) return `The server failed (HTTP ${status}); please try again.`;
  return status ? `Request failed (HTTP ${status}).` : "Request failed.";
}

/** An error body (parsed JSON `{detail}`, or text) → ApiError. */
function apiError(res: Response, body: unknown): ApiError {
  const detail = body && typeof body === "object" && "detail" in body ? body.detail : body || null;
  let msg = detailMessage(detail, res.status);
  const retry = res.headers.get("Retry-After");
  if (res.status === 429 && retry) msg += ` (retry after ${retry} s)`;
  return new ApiError(res.status, msg, detail);
}

/** Read an error response into an ApiError (for callers with a raw Response: the outbox). */
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a plain-text body is the message itself
  }
  return apiError(res, body);
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
  const url = input instanceof Request ? input.url : String(input);
  if (res.status === 401 && !url.includes("/api/auth/login")) notifyUnauthorized();
  return res;
};

const client = createClient<paths>({ fetch: (request) => appFetch(request), headers: { Accept: "application/json" } });

/** The answer's body, or the server's error as an ApiError. */
async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiError(response, error);
  return data as T;
}

/** Query values a person left empty are not sent (the server would read "" as a value). */
function filled<T extends Record<string, string | undefined>>(q: T): Partial<T> {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v)) as Partial<T>;
}

const sid = (session_id: Id) => ({ params: { path: { session_id } } });
const site = (site_id: Id) => ({ params: { path: { site_id } } });

export const api = {
  login: (username: string, password: string, otp?: string) =>
    ok(client.POST("/api/auth/login", { body: { username, password, ...(otp ? { otp } : {}) } })),
  logout: () => ok(client.POST("/api/auth/logout")),
  me: () => ok(client.GET("/api/auth/me")),
  mfaStatus: () => ok(client.GET("/api/auth/mfa")),
  mfaEnrol: () => ok(client.POST("/api/auth/mfa/enrol")),
  mfaConfirm: (code: string) => ok(client.POST("/api/auth/mfa/confirm", { body: { code } })),
  mfaRecoveryCodes: (code: string) => ok(client.POST("/api/auth/mfa/recovery-codes", { body: { code } })),
  mfaRemove: (code: string) => ok(client.POST("/api/auth/mfa/remove", { body: { code } })),
  clientConfig: () => ok(client.GET("/api/client-config")),

  users: () => ok(client.GET("/api/users")),
  createUser: (body: UserCreate) => ok(client.POST("/api/users", { body })),
  updateUser: (user_id: Id, body: UserUpdate) => ok(client.PATCH("/api/users/{user_id}", { params: { path: { user_id } }, body })),

  patients: (q: string) => ok(client.GET("/api/patients", { params: { query: filled({ q }) } })),
  createPatient: (body: PatientCreate) => ok(client.POST("/api/patients", { body })),

  sessions: (active?: boolean, site_id?: Id) => ok(client.GET("/api/sessions", { params: { query: { active, site_id } } })),
  session: (id: Id) => ok(client.GET("/api/sessions/{session_id}", sid(id))),
  createSession: (body: SessionCreate) => ok(client.POST("/api/sessions", { body })),
  sites: (include_retired?: boolean) => ok(client.GET("/api/sites", { params: { query: { include_retired } } })),
  createSite: (body: SiteCreate) => ok(client.POST("/api/sites", { body })),
  updateSite: (site_id: Id, body: SiteUpdate) => ok(client.PATCH("/api/sites/{site_id}", { params: { path: { site_id } }, body })),
  addChair: (site_id: Id, body: ChairCreate) => ok(client.POST("/api/sites/{site_id}/chairs", { params: { path: { site_id } }, body })),
  updateChair: (chair_id: Id, body: ChairUpdate) => ok(client.PATCH("/api/chairs/{chair_id}", { params: { path: { chair_id } }, body })),
  siteMembers: (site_id: Id) => ok(client.GET("/api/sites/{site_id}/members", { params: { path: { site_id } } })),
  setSiteMember: (site_id: Id, user_id: Id, member: boolean) => {
    const params = { params: { path: { site_id, user_id } } };
    return ok(
      member
        ? client.PUT("/api/sites/{site_id}/members/{user_id}", params)
        : client.DELETE("/api/sites/{site_id}/members/{user_id}", params),
    );
  },
  rulesOff: () => ok(client.GET("/api/alert-rules/off")),
  patchChecklist: (id: Id, body: ChecklistPatch) => ok(client.PATCH("/api/sessions/{session_id}/checklist", { ...sid(id), body })),
  transition: (id: Id, body: TransitionIn) => ok(client.POST("/api/sessions/{session_id}/transitions", { ...sid(id), body })),
  addNote: (id: Id, kind: NoteKind, text: string) =>
    ok(client.POST("/api/sessions/{session_id}/notes", { ...sid(id), body: { kind, text } })),
  timeline: (id: Id) => ok(client.GET("/api/sessions/{session_id}/timeline", sid(id))),
  infusion: (id: Id) => ok(client.GET("/api/sessions/{session_id}/infusion", sid(id))),
  saveOrder: (id: Id, body: OrderIn) => ok(client.PUT("/api/sessions/{session_id}/infusion/order", { ...sid(id), body })),
  verifyOrder: (id: Id, rate_ml_per_h: number) =>
    ok(client.POST("/api/sessions/{session_id}/infusion/verify", { ...sid(id), body: { rate_ml_per_h } })),
  pumpEvent: (id: Id, body: PumpEventIn) => ok(client.POST("/api/sessions/{session_id}/infusion/events", { ...sid(id), body })),
  clinical: (id: Id) => ok(client.GET("/api/sessions/{session_id}/clinical", sid(id))),
  addSideEffect: (id: Id, body: SideEffectIn) => ok(client.POST("/api/sessions/{session_id}/side-effects", { ...sid(id), body })),
  addOutcome: (session_id: Id, side_effect_id: Id, outcome: Schemas["OutcomeIn"]["outcome"]) =>
    ok(
      client.POST("/api/sessions/{session_id}/side-effects/{side_effect_id}/outcomes", {
        params: { path: { session_id, side_effect_id } },
        body: { outcome },
      }),
    ),
  addPrn: (id: Id, body: PrnIn) => ok(client.POST("/api/sessions/{session_id}/prn", { ...sid(id), body })),
  addAssessment: (id: Id, body: AssessmentIn) => ok(client.POST("/api/sessions/{session_id}/assessments", { ...sid(id), body })),
  screeningQuestions: () => ok(client.GET("/api/screening/questions")),
  screening: (id: Id) => ok(client.GET("/api/sessions/{session_id}/screening", sid(id))),
  recordScreening: (id: Id, body: ScreeningIn) => ok(client.POST("/api/sessions/{session_id}/screening", { ...sid(id), body })),
  overrideScreening: (id: Id, reason: string) =>
    ok(client.POST("/api/sessions/{session_id}/screening/override", { ...sid(id), body: { reason } })),
  readings: (id: Id) => ok(client.GET("/api/sessions/{session_id}/readings", sid(id))),
  amendReading: (session_id: Id, reading_id: Id, body: ReadingAmend) =>
    ok(client.POST("/api/sessions/{session_id}/readings/{reading_id}/amend", { params: { path: { session_id, reading_id } }, body })),
  enteredInError: (session_id: Id, reading_id: Id, reason: string) =>
    ok(
      client.POST("/api/sessions/{session_id}/readings/{reading_id}/entered-in-error", {
        params: { path: { session_id, reading_id } },
        body: { reason },
      }),
    ),
  reviewReadings: (session_id: Id, body: ReadingReview) =>
    ok(client.POST("/api/sessions/{session_id}/readings/review", { ...sid(session_id), body })),
  chooseBaseline: (session_id: Id, reading_id: Id, reason: string, confirm_value: boolean) =>
    ok(
      client.POST("/api/sessions/{session_id}/readings/{reading_id}/baseline", {
        params: { path: { session_id, reading_id } },
        body: { reason, confirm_value },
      }),
    ),

  unmatched: () => ok(client.GET("/api/devices/unmatched")),
  assignHeld: (message_id: Id, session_id: Id) =>
    ok(client.POST("/api/devices/unmatched/{message_id}/assign", { params: { path: { message_id } }, body: { session_id } })),
  discardHeld: (message_id: Id, reason: string) =>
    ok(client.POST("/api/devices/unmatched/{message_id}/discard", { params: { path: { message_id } }, body: { reason } })),
  alerts: (state: AlertState | "open" = "active") => ok(client.GET("/api/alerts", { params: { query: { state } } })),
  /** Every alert of one session, newest first: its alarm history. */
  sessionAlerts: (session_id: Id) => ok(client.GET("/api/alerts", { params: { query: { session_id } } })),
  acknowledge: (alert_id: Id, note?: string) =>
    ok(client.POST("/api/alerts/{alert_id}/acknowledge", { params: { path: { alert_id } }, body: note ? { note } : {} })),

  alertRules: () => ok(client.GET("/api/alert-rules")),
  putAlertRules: (body: AlertRule[], reason?: string, confirm?: boolean) =>
    ok(client.PUT("/api/alert-rules", { body, params: { query: { reason, confirm } } })),
  patientAlertRules: (patient_id: Id) => ok(client.GET("/api/patients/{patient_id}/alert-rules", { params: { path: { patient_id } } })),
  putPatientAlertRules: (patient_id: Id, body: AlertRule[], reason?: string, confirm?: boolean) =>
    ok(client.PUT("/api/patients/{patient_id}/alert-rules", { params: { path: { patient_id }, query: { reason, confirm } }, body })),

  protocols: () => ok(client.GET("/api/protocols")),
  protocol: (code: string) => ok(client.GET("/api/protocols/{code}", { params: { path: { code } } })),
  /** Adds the protocol `code` or replaces it whole; sessions already created keep their rules. */
  saveProtocol: (code: string, body: ProtocolIn) => ok(client.PUT("/api/protocols/{code}", { params: { path: { code } }, body })),
  remsDue: () => ok(client.GET("/api/rems/due")),
  remsSubmitted: (session_id: Id, body: SubmittedIn) =>
    ok(client.POST("/api/rems/sessions/{session_id}/submitted", { ...sid(session_id), body })),

  audit: (f: { from?: string; to?: string; user?: string; action?: string }) =>
    ok(client.GET("/api/audit", { params: { query: filled(f) } })),
  auditVerify: () => ok(client.GET("/api/audit/verify")),

  patientCourses: (patient_id: Id) => ok(client.GET("/api/patients/{patient_id}/courses", { params: { path: { patient_id } } })),
  createCourse: (patient_id: Id, body: Schemas["CourseCreate"]) =>
    ok(client.POST("/api/patients/{patient_id}/courses", { params: { path: { patient_id } }, body })),
  course: (course_id: Id) => ok(client.GET("/api/courses/{course_id}", { params: { path: { course_id } } })),
  scales: () => ok(client.GET("/api/scales")),
  respond: (course_id: Id, body: Schemas["ResponseIn"]) =>
    ok(client.POST("/api/courses/{course_id}/responses", { params: { path: { course_id } }, body })),
  openQuestionnaireLink: (course_id: Id, body: Schemas["LinkCreate"]) =>
    ok(client.POST("/api/courses/{course_id}/questionnaire-links", { params: { path: { course_id } }, body })),

  ctlActs: () => ok(client.GET("/api/controlled/acts")),
  ctlRoles: () => ok(client.GET("/api/controlled/roles")),
  ctlSetRoles: (body: CtlRoleLine[]) => ok(client.PUT("/api/controlled/roles", { body })),
  ctlContainers: (site_id: Id) => ok(client.GET("/api/controlled/sites/{site_id}/containers", site(site_id))),
  ctlLog: (site_id: Id) => ok(client.GET("/api/controlled/sites/{site_id}/log", site(site_id))),
  ctlWitnesses: (site_id: Id) => ok(client.GET("/api/controlled/sites/{site_id}/witnesses", site(site_id))),
  ctlDiscrepancies: (site_id: Id) => ok(client.GET("/api/controlled/sites/{site_id}/discrepancies", site(site_id))),
  ctlVerify: (site_id: Id) => ok(client.GET("/api/controlled/sites/{site_id}/verify", site(site_id))),
  ctlReceive: (body: Schemas["ReceiveIn"]) => ok(client.POST("/api/controlled/receipts", { body })),
  ctlDraw: (body: Schemas["DrawIn"]) => ok(client.POST("/api/controlled/draws", { body })),
  ctlWaste: (entry_id: number, body: Schemas["WasteIn"]) =>
    ok(client.POST("/api/controlled/draws/{entry_id}/waste", { params: { path: { entry_id } }, body })),
  ctlLoss: (container_id: Id, body: Schemas["LossIn"]) =>
    ok(client.POST("/api/controlled/containers/{container_id}/losses", { params: { path: { container_id } }, body })),
  ctlDestroy: (container_id: Id, body: Schemas["DestroyIn"]) =>
    ok(client.POST("/api/controlled/containers/{container_id}/destruction", { params: { path: { container_id } }, body })),
  ctlCount: (body: Schemas["CountIn"]) => ok(client.POST("/api/controlled/counts", { body })),
  ctlResolve: (entry_id: number, body: Schemas["ResolveIn"]) =>
    ok(client.POST("/api/controlled/discrepancies/{entry_id}/resolution", { params: { path: { entry_id } }, body })),
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

const enc = encodeURIComponent;
const range = (from: string, to: string, site_id?: Id) => `?${new URLSearchParams(site_id ? { from, to, site_id } : { from, to })}`;

/** Download links (plain GETs the browser saves; the contract marks them as files). */
export const exportLinks = {
  session: (id: Id) => ({
    csv: `/api/exports/sessions/${enc(id)}.csv`,
    json: `/api/exports/sessions/${enc(id)}.json`,
    fhir: `/api/exports/sessions/${enc(id)}.fhir.json`,
    pdf: `/api/exports/sessions/${enc(id)}.pdf`,
  }),
  /** from/to: ISO 8601 datetimes with offset (see dayRange); site_id: one site (default: all the user's). */
  rangeCsv: (from: string, to: string, site_id?: Id) => `/api/exports/sessions.csv${range(from, to, site_id)}`,
  rangeFhir: (from: string, to: string, site_id?: Id) => `/api/exports/sessions.fhir.ndjson${range(from, to, site_id)}`,
  course: (id: Id) => ({
    csv: `/api/exports/courses/${enc(id)}.csv`,
    fhir: `/api/exports/courses/${enc(id)}.fhir.json`,
    pdf: `/api/exports/courses/${enc(id)}.pdf`,
  }),
  /** The Spravato REMS Patient Monitoring Form, pre-filled (physicians, admins; audited). */
  remsForm: (sessionId: Id) => `/api/rems/sessions/${enc(sessionId)}.pdf`,
  /** The controlled-substance log's reports (admins; each download is audited). */
  controlled: (siteId: Id) => ({
    logCsv: `/api/controlled/sites/${enc(siteId)}/log.csv`,
    logPdf: `/api/controlled/sites/${enc(siteId)}/log.pdf`,
    /** asOf: an ISO datetime with offset, or "" for now. */
    inventoryPdf: (asOf: string) =>
      `/api/controlled/sites/${enc(siteId)}/inventory.pdf${asOf ? `?${new URLSearchParams({ as_of: asOf })}` : ""}`,
    inventoryCsv: (asOf: string) =>
      `/api/controlled/sites/${enc(siteId)}/inventory.csv${asOf ? `?${new URLSearchParams({ as_of: asOf })}` : ""}`,
    dispensingCsv: (start: string, end: string) =>
      `/api/controlled/sites/${enc(siteId)}/dispensing.csv?${new URLSearchParams({ start, end })}`,
    containerPdf: (containerId: Id) => `/api/controlled/containers/${enc(containerId)}/log.pdf`,
  }),
};
