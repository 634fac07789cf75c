import { defineConfig } from "vitest/config";

// Built to frontend/dist and served by the backend at "/" (hash routing, so any
// static path works). No inline scripts: the backend's CSP is script-src 'self'.
export default defineConfig({
  base: "/",
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
