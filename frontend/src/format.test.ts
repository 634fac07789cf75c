import { describe, expect, it } from "vitest";
import type { Alert, Reading } from "./api";
import { detailMessage } from "./api";
import { makeAlert, makeReading } from "./fixtures";
import {
  alertLabel,
  checkEntry,
  checkField,
  fmtBP,
  fmtClockSeconds,
  fmtDue,
  fmtVital,
  lateTakenAt,
  news2Label,
  parseEntry,
  sortAlerts,
  sourceText,
  timeSince,
  worstAlert,
} from "./format";

const NOW = Date.parse("2026-03-01T10:00:00Z");

function alert(p: Partial<Alert>): Alert {
  return makeAlert("a", { priority: "medium", raised_at: "2026-03-01T09:50:00Z", ...p });
}

describe("vital formatting", () => {
  const r: Partial<Reading> = {
    heart_rate: 72,
    systolic: 128,
    diastolic: 82,
    spo2: 97,
    respiratory_rate: null,
    temperature_c: 36.84,
    sedation_rass: 1,
    dissociation_cadss6: 0,
  };
  it("formats values, BP and missing ones", () => {
    expect(fmtBP(128, 82)).toBe("128/82");
    expect(fmtBP(128, null)).toBe("—");
    expect(fmtVital(r, "hr")).toBe("72");
    expect(fmtVital(r, "bp")).toBe("128/82");
    expect(fmtVital(r, "spo2")).toBe("97");
    expect(fmtVital(r, "rr")).toBe("—");
    expect(fmtVital(r, "temp")).toBe("36.8");
    expect(fmtVital(r, "rass")).toBe("+1");
    expect(fmtVital({ sedation_rass: -3 }, "rass")).toBe("-3");
    expect(fmtVital(r, "cadss")).toBe("0");
    expect(fmtVital(null, "hr")).toBe("—");
  });

  it("says how long ago", () => {
    expect(timeSince("2026-03-01T09:59:30Z", NOW)).toBe("just now");
    expect(timeSince("2026-03-01T09:57:00Z", NOW)).toBe("3 min ago");
    expect(timeSince("2026-03-01T08:55:00Z", NOW)).toBe("1 h 5 min ago");
    expect(timeSince("2026-03-01T08:00:00Z", NOW)).toBe("2 h ago");
    expect(timeSince(null, NOW)).toBe("—");
  });

  it("says when the next reading is due or how overdue it is", () => {
    expect(fmtDue("2026-03-01T10:04:00Z", NOW)).toEqual({ text: "due in 4 min", overdue: false });
    expect(fmtDue("2026-03-01T10:00:10Z", NOW)).toEqual({ text: "due now", overdue: false });
    expect(fmtDue("2026-03-01T09:57:00Z", NOW)).toEqual({ text: "overdue 3 min", overdue: true });
    expect(fmtDue(null, NOW)).toEqual({ text: "no reading due", overdue: false, none: true });
  });

  it("labels NEWS2 as partial when parameters are missing", () => {
    expect(news2Label({ score: 5, partial: true, missing: ["temperature_c"], carried: [], band: "medium", components: {} })).toBe(
      "NEWS2 5 (partial)",
    );
    expect(news2Label({ score: 2, partial: false, missing: [], carried: [], band: "low", components: {} })).toBe("NEWS2 2");
    expect(news2Label(null)).toBe("NEWS2 —");
  });
});

describe("alert labels and order", () => {
  it("names the priority in words and symbols, not colour", () => {
    expect(alertLabel(alert({ priority: "high" }))).toBe("!!! HIGH — SBP 186 ≥ 180 (baseline 128)");
    expect(alertLabel(alert({ priority: "medium" }))).toBe("!! MEDIUM — SBP 186 ≥ 180 (baseline 128)");
    expect(alertLabel(alert({ priority: "low", message: "Reading overdue" }))).toBe("! LOW — Reading overdue");
    expect(alertLabel(alert({ priority: "high", escalated: true }))).toBe("!!! HIGH · ESCALATED — SBP 186 ≥ 180 (baseline 128)");
    expect(alertLabel(alert({ priority: "high", state: "acknowledged" }))).toContain("acknowledged");
  });

  it("orders by priority, then unacknowledged first, then oldest first", () => {
    const list = [
      alert({ id: "m-old", priority: "medium", raised_at: "2026-03-01T09:00:00Z" }),
      alert({ id: "h-new", priority: "high", raised_at: "2026-03-01T09:59:00Z" }),
      alert({ id: "l", priority: "low", raised_at: "2026-03-01T08:00:00Z" }),
      alert({ id: "h-old", priority: "high", raised_at: "2026-03-01T09:30:00Z" }),
      alert({ id: "h-ack", priority: "high", state: "acknowledged", raised_at: "2026-03-01T09:00:00Z" }),
    ];
    expect(sortAlerts(list).map((a) => a.id)).toEqual(["h-old", "h-new", "h-ack", "m-old", "l"]);
    expect(worstAlert(list)?.id).toBe("h-old");
    expect(worstAlert([alert({ state: "resolved" })])).toBeNull();
  });
});

describe("entry checks while typing", () => {
  it("parses numbers leniently but rejects garbage", () => {
    expect(parseEntry("37,5")).toBe(37.5);
    expect(parseEntry(" 80 ")).toBe(80);
    expect(parseEntry("")).toBeNull();
    expect(parseEntry("8o")).toBeNaN();
    expect(parseEntry("-2")).toBe(-2);
  });

  it("flags impossible values as errors", () => {
    expect(checkField("hr", { hr: "301" }, []).error).toMatch(/between 0 and 300/);
    expect(checkField("hr", { hr: "-1" }, []).error).toBeDefined();
    expect(checkField("sbp", { sbp: "310" }, []).error).toBeDefined();
    expect(checkField("spo2", { spo2: "101" }, []).error).toMatch(/between 0 and 100/);
    expect(checkField("rr", { rr: "81" }, []).error).toBeDefined();
    expect(checkField("temp", { temp: "24.9" }, []).error).toBeDefined();
    expect(checkField("temp", { temp: "45.1" }, []).error).toBeDefined();
    expect(checkField("rass", { rass: "5" }, []).error).toBeDefined();
    expect(checkField("rass", { rass: "-6" }, []).error).toBeDefined();
    expect(checkField("cadss", { cadss: "25" }, []).error).toBeDefined();
    expect(checkField("dbp", { sbp: "120", dbp: "120" }, []).error).toBe("Diastolic must be lower than systolic");
    expect(checkField("hr", { hr: "72.5" }, []).error).toMatch(/whole number/);
  });

  it("checks the whole form: required fields and errors block, warnings do not", () => {
    expect(checkEntry({ hr: "80", sbp: "128", dbp: "82", spo2: "97" }, []).ok).toBe(true);
    expect(checkEntry({ hr: "80", sbp: "190", dbp: "82", spo2: "97" }, []).ok).toBe(true);
    const missing = checkEntry({ hr: "80", sbp: "128" }, []);
    expect(missing.ok).toBe(false);
    expect(missing.missing).toEqual(["dbp", "spo2"]);
    // What a nurse's reading needs is the contract's ReadingIn `required`, vitals in box order.
    expect(checkEntry({}, []).missing).toEqual(["hr", "sbp", "dbp", "spo2"]);
    const bad = checkEntry({ hr: "80", sbp: "128", dbp: "82", spo2: "197" }, []);
    expect(bad.ok).toBe(false);
    expect(bad.fields.spo2?.error).toBeDefined();
  });
});

describe("server error messages", () => {
  it("turns FastAPI detail into a readable message", () => {
    expect(detailMessage("Baseline BP 150/95 above 140/90: physician override required")).toBe(
      "Baseline BP 150/95 above 140/90: physician override required",
    );
    expect(
      detailMessage([
        { loc: ["body", "spo2"], msg: "SpO2 must be between 0 and 100", type: "value_error" },
        { loc: ["body", "heart_rate"], msg: "Field required", type: "missing" },
      ]),
    ).toBe("spo2: SpO2 must be between 0 and 100; heart_rate: Field required");
    expect(detailMessage(null, 503)).toMatch(/HTTP 503/);
  });
});

describe("where a reading came from", () => {
  const at = "2026-03-01T10:02:05Z";
  const monitor = { source: "device" as const, device_id: "00A0" };
  it("says whether a monitor's reading was validated, and by whom", () => {
    expect(sourceText(makeReading("n", at))).toBe("Entered by a nurse");
    expect(sourceText(makeReading("d", at, monitor))).toBe("Monitor 00A0: device, not validated");
    expect(sourceText(makeReading("v", at, { ...monitor, validated_at: at, validated_by_name: "Grace" }))).toMatch(
      /^Monitor 00A0: validated by Grace at \d\d:\d\d$/,
    );
    // A rejected one says "entered in error" beside it; it is not waiting for a check.
    expect(sourceText(makeReading("x", at, { ...monitor, status: "entered_in_error" }))).toBe("Monitor 00A0");
  });
  it("gives a monitor's times to the second", () => {
    expect(fmtClockSeconds(at)).toMatch(/^\d\d:\d\d:05$/);
  });
});

describe("a late entry's time", () => {
  // Local clock times: the tablet's, as on the paper record.
  const now = new Date(2026, 2, 2, 8, 10);
  it("is today when the clock time has passed", () => {
    expect(lateTakenAt("07:45", now)).toEqual(new Date(2026, 2, 2, 7, 45));
  });
  it("is last night when it has not", () => {
    expect(lateTakenAt("23:40", now)).toEqual(new Date(2026, 2, 1, 23, 40));
  });
  it("waits for a time", () => {
    expect(lateTakenAt("", now)).toBeUndefined();
    expect(lateTakenAt("7:5", now)).toBeUndefined();
  });
});
