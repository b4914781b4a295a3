import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Code examples in README and docs/ import the package by its name (test/docs).
    alias: { ovsim: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Property suites run >= 200 cases each; give them room on a 2-core CI machine.
    testTimeout: 60_000,
  },
});
