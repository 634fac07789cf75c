// Built by vite.config.ts from openapi.json: ReadingIn's fields and their limits.
declare module "virtual:reading-contract" {
  interface FieldContract {
    type?: "integer" | "number" | "string" | "boolean";
    minimum?: number;
    maximum?: number;
    maxLength?: number;
    "x-confirm-below"?: number;
  }
  const readingIn: Record<string, FieldContract>;
  export default readingIn;
}
