// Built by vite.config.ts from openapi.json: ReadingIn's fields, their limits, labels and
// whether a nurse's reading needs them.
declare module "virtual:reading-contract" {
  interface FieldContract {
    type?: "integer" | "number" | "string" | "boolean";
    minimum?: number;
    maximum?: number;
    minLength?: number;
    maxLength?: number;
    "x-confirm-below"?: number;
    /** A vital's short label (tiles, charts, alert messages), its name in words (forms), its unit. */
    "x-label"?: string;
    "x-name"?: string;
    "x-unit"?: string;
    /** In ReadingIn's `required`: a nurse's reading is refused without it. */
    required: boolean;
  }
  const readingIn: Record<string, FieldContract>;
  export default readingIn;
}
