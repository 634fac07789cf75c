// This patient's alert limits as the server holds them, for the chart and the entry form;
// loaded again whenever rules change anywhere (the live `alert_rules.changed` event, which a
// physician's own change sends too) and after every reconnect.

import { useEffect, useState } from "preact/hooks";
import { type AlertRule, api } from "../api";
import { effectiveRules } from "../limits";
import { useServices } from "../services";
import { errText } from "../widgets";

/** Empty until they have loaded: nothing is drawn or flagged by a limit the server did not give. */
export function usePatientRules(patientId: string | undefined): { rules: AlertRule[]; error: string | null } {
  const { live } = useServices();
  const [rules, setRules] = useState<AlertRule[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!patientId) return;
    let gone = false;
    const load = () =>
      Promise.all([api.alertRules(), api.patientAlertRules(patientId)]).then(
        ([clinic, patient]) => {
          if (gone) return;
          setRules(effectiveRules(clinic, patient));
          setError(null);
        },
        (e: unknown) => {
          if (!gone) setError(`Alert limits could not be loaded: ${errText(e)}`);
        },
      );
    void load();
    const unsub = live.subscribe((m) => {
      if (m.type === "snapshot" || (m.type === "event" && m.event === "alert_rules.changed")) void load();
    });
    return () => {
      gone = true;
      unsub();
    };
  }, [patientId, live]);
  return { rules, error };
}
