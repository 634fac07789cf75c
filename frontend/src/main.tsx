import { render } from "preact";
import { App } from "./app";
import { PATIENT_MODE_KEY } from "./courses";
import "./styles.css";
import { PatientMode } from "./views/PatientMode";

const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
// A tablet handed to a patient shows the questionnaire and nothing else, whatever the URL says,
// until staff sign in (views/PatientMode.tsx); the staff login was ended when it was handed over.
const patientToken = sessionStorage.getItem(PATIENT_MODE_KEY);
render(patientToken ? <PatientMode token={patientToken} /> : <App />, root);
