// Admin pages behind one tab bar; each screen is its own module under ./admin.

import { canExport, useServices } from "../services";
import { AlertRules } from "./admin/AlertRules";
import { Audit } from "./admin/Audit";
import { Exports } from "./admin/Exports";
import { Protocols } from "./admin/Protocols";
import { Rems } from "./admin/Rems";
import { Sites } from "./admin/Sites";
import { Users } from "./admin/Users";

const TABS = [
  { key: "users", label: "Users", admin: true, Screen: Users },
  { key: "sites", label: "Sites & chairs", admin: true, Screen: Sites },
  { key: "protocols", label: "Protocols", admin: true, Screen: Protocols },
  { key: "rules", label: "Alert limits", admin: true, Screen: AlertRules },
  { key: "rems", label: "REMS forms", admin: true, Screen: Rems },
  { key: "exports", label: "Exports", admin: false, Screen: Exports },
  { key: "audit", label: "Audit log", admin: true, Screen: Audit },
] as const;

export function Admin({ tab }: { tab: string }) {
  const { user } = useServices();
  const tabs = TABS.filter((t) => (t.admin ? user.role === "admin" : canExport(user)));
  const current = tabs.find((t) => t.key === tab) ?? tabs[0];
  return (
    <div class="admin">
      <nav class="tabs" aria-label="Administration">
        {tabs.map((t) => (
          <a key={t.key} href={`#/admin/${t.key}`} aria-current={t.key === current?.key ? "page" : undefined}>
            {t.label}
          </a>
        ))}
      </nav>
      {current && <current.Screen />}
    </div>
  );
}
