import { defineConfig, type Plugin } from "vitest/config";
import spec from "./openapi.json" with { type: "json" };

// The reading limits the tablet checks, and each vital's labels and unit, come from the API contract
// (openapi.json, which `make lint` keeps equal to the server's schemas), not from a copy: only
// ReadingIn's field limits, labels and required fields are bundled.
function readingContract(): Plugin {
  const id = "virtual:reading-contract";
  return {
    name: "vigil-reading-contract",
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load(resolved) {
      if (resolved !== `\0${id}`) return null;
      const schema = spec.components.schemas.ReadingIn;
      const props = schema.properties as Record<string, Record<string, unknown>>;
      const required = new Set<string>(schema.required ?? []);
      const limits: Record<string, Record<string, unknown>> = {};
      for (const [name, prop] of Object.entries(props)) {
        const branch = (prop.anyOf as Record<string, unknown>[] | undefined)?.find((b) => b.type !== "null") ?? prop;
        const keep = ["type", "minimum", "maximum", "minLength", "maxLength", "x-confirm-below", "x-label", "x-name", "x-unit"];
        limits[name] = { ...Object.fromEntries(keep.filter((k) => k in branch).map((k) => [k, branch[k]])), required: required.has(name) };
      }
      return `export default ${JSON.stringify(limits)};`;
    },
  };
}

// Built to frontend/dist and served by the backend at "/" (hash routing, so any
// static path works). No inline scripts: the backend's CSP is script-src 'self'.
export default defineConfig({
  base: "/",
  plugins: [readingContract()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8000", ws: true, changeOrigin: false },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts"],
  },
});
