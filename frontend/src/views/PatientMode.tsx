// Patient mode: the tablet shows only the questionnaires its capability names. No patient data,
// no navigation; the one way out is a staff sign-in.

import { useEffect, useState } from "preact/hooks";
import type { User } from "../api";
import { collectAnswers, PATIENT_MODE_KEY, type PatientModeOut, patientApi } from "../courses";
import { homeFor } from "../route";
import { ErrorBox, errText } from "../widgets";
import { ScaleForm } from "./Course";
import { Login } from "./Login";

function leave(user: User): void {
  sessionStorage.removeItem(PATIENT_MODE_KEY);
  location.replace(homeFor(user.role));
  location.reload();
}

export function PatientMode({ token }: { token: string }) {
  const [view, setView] = useState<PatientModeOut | null>(null);
  const [picked, setPicked] = useState<Record<string, Record<number, number>>>({});
  const [err, setErr] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [staff, setStaff] = useState(false);
  useEffect(() => {
    patientApi.view(token).then(setView, (e) => setErr(errText(e)));
  }, [token]);

  if (staff) return <Login notice="Staff sign-in ends patient mode." onLogin={leave} />;
  const submit = async () => {
    if (!view) return;
    const responses = [];
    for (const scale of view.scales) {
      const answers = collectAnswers(scale, picked[scale.code] ?? {});
      if (!Array.isArray(answers)) {
        setErr(`Please answer every question of ${scale.title}: still open ${answers.missing.join(", ")}.`);
        return;
      }
      responses.push({ scale: scale.code, answers });
    }
    try {
      await patientApi.submit(token, responses);
      setDone(true);
      setErr(null);
    } catch (e) {
      setErr(errText(e));
    }
  };
  return (
    <div class="patient-mode">
      <header class="patient-head">
        <h1>Questionnaire</h1>
        <button type="button" class="staff-exit" onClick={() => setStaff(true)}>
          Staff sign-in
        </button>
      </header>
      <main id="main">
        {done ? (
          <p class="thanks" role="status">
            ✓ Thank you. Your answers were saved. Please hand the tablet back to the staff.
          </p>
        ) : (
          <>
            {view?.scales.map((scale) => (
              <ScaleForm
                key={scale.code}
                scale={scale}
                picked={picked[scale.code] ?? {}}
                onPick={(n, v) => setPicked({ ...picked, [scale.code]: { ...(picked[scale.code] ?? {}), [n]: v } })}
              />
            ))}
            <ErrorBox error={err} />
            {view && (
              <button type="button" class="primary big" onClick={submit}>
                Send my answers
              </button>
            )}
          </>
        )}
      </main>
    </div>
  );
}
