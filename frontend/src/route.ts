// Hash routes (#/account, #/dashboard, #/sessions/<id>, #/courses/<id>, #/nurse, #/nurse/<id>, #/record/<id>,
// #/screening/<id>, #/monitors, #/admin[/<tab>], #/safe, #/login),
// so the app works from any static path the backend serves.

import type { Role } from "./api";

export type Route =
  | { name: "login" }
  | { name: "home" }
  | { name: "account" }
  | { name: "dashboard" }
  | { name: "session"; id: string }
  | { name: "course"; id: string }
  | { name: "nurse" }
  | { name: "nurseSession"; id: string }
  | { name: "record"; id: string }
  | { name: "screening"; id: string }
  | { name: "monitors" }
  | { name: "admin"; tab: string }
  | { name: "safe" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [head, arg] = parts;
  switch (head) {
    case "login":
      return { name: "login" };
    case "account":
      return { name: "account" };
    case "dashboard":
      return { name: "dashboard" };
    case "sessions":
      return arg ? { name: "session", id: arg } : { name: "dashboard" };
    case "courses":
      return arg ? { name: "course", id: arg } : { name: "home" };
    case "nurse":
      return arg ? { name: "nurseSession", id: arg } : { name: "nurse" };
    case "record":
      return arg ? { name: "record", id: arg } : { name: "nurse" };
    case "screening":
      return arg ? { name: "screening", id: arg } : { name: "nurse" };
    case "admin":
      return { name: "admin", tab: arg ?? "" };
    case "safe":
      return { name: "safe" };
    case "monitors":
      return { name: "monitors" };
    default:
      return { name: "home" };
  }
}

export function homeFor(role: Role): string {
  return role === "nurse" ? "#/nurse" : role === "physician" ? "#/dashboard" : "#/admin";
}

/** Which role may open which page (the server enforces the same on every route). */
export function allowed(route: Route, role: Role): boolean {
  switch (route.name) {
    case "nurse":
    case "nurseSession":
    case "record":
    case "screening":
    case "monitors":
      return role === "nurse" || role === "physician";
    case "admin":
      return role === "admin" || role === "physician"; // physicians: the exports tab only
    default:
      return true;
  }
}
