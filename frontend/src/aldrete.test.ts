import { describe, expect, it } from "vitest";
import { aldreteFromReadings } from "./aldrete";

const r = (systolic: number, spo2: number, on_oxygen: boolean | null = null, consciousness: "A" | "C" | "V" | "P" | "U" | null = null) => ({
  systolic,
  spo2,
  on_oxygen,
  consciousness,
});

describe("aldreteFromReadings", () => {
  it("scores circulation against the baseline systolic", () => {
    expect(aldreteFromReadings(r(130, 98), { systolic: 120 }).circulation).toBe(2);
    expect(aldreteFromReadings(r(150, 98), { systolic: 120 }).circulation).toBe(1);
    expect(aldreteFromReadings(r(96, 98), { systolic: 120 }).circulation).toBe(2);
    expect(aldreteFromReadings(r(185, 98), { systolic: 120 }).circulation).toBe(0);
    expect(aldreteFromReadings(r(130, 98), null).circulation).toBeUndefined();
  });
  it("scores saturation only where the readings decide it", () => {
    expect(aldreteFromReadings(r(120, 97), null).oxygen_saturation).toBe(2);
    expect(aldreteFromReadings(r(120, 92), null).oxygen_saturation).toBeUndefined();
    expect(aldreteFromReadings(r(120, 94, true), null).oxygen_saturation).toBe(1);
    expect(aldreteFromReadings(r(120, 88, true), null).oxygen_saturation).toBe(0);
  });
  it("maps ACVPU where it says the same thing, and nothing without a reading", () => {
    expect(aldreteFromReadings(r(120, 97, null, "A"), null).consciousness).toBe(2);
    expect(aldreteFromReadings(r(120, 97, null, "V"), null).consciousness).toBe(1);
    expect(aldreteFromReadings(r(120, 97, null, "C"), null).consciousness).toBeUndefined();
    expect(aldreteFromReadings(null, { systolic: 120 })).toEqual({});
  });
});
