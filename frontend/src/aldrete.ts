// The modified Aldrete items the readings already determine, offered to the nurse to confirm.
// Pure: the discharge form pre-fills these and still asks her to check each one.

import type { AldreteScores, Reading } from "./api";

type Vitals = Pick<Reading, "systolic" | "spo2" | "on_oxygen" | "consciousness">;

export function aldreteFromReadings(latest: Vitals | null, baseline: Pick<Reading, "systolic"> | null): Partial<AldreteScores> {
  const out: Partial<AldreteScores> = {};
  if (!latest) return out;
  // A monitor's reading may hold no blood pressure or no SpO2: that item is left to the nurse.
  if (baseline?.systolic && latest.systolic !== null) {
    const change = Math.abs(latest.systolic - baseline.systolic) / baseline.systolic;
    out.circulation = change <= 0.2 ? 2 : change < 0.5 ? 1 : 0;
  }
  // The form leaves on_oxygen unset for room air.
  if (latest.spo2 !== null && latest.on_oxygen) {
    out.oxygen_saturation = latest.spo2 > 90 ? 1 : 0;
  } else if (latest.spo2 !== null && latest.spo2 > 92) {
    out.oxygen_saturation = 2;
  }
  // On room air at 92 % or less the item turns on whether oxygen would be needed: the nurse decides.
  const acvpu = { A: 2, V: 1, P: 0, U: 0 } as const;
  if (latest.consciousness && latest.consciousness in acvpu) out.consciousness = acvpu[latest.consciousness as keyof typeof acvpu];
  return out;
}
