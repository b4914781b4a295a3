import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Code examples in README and docs/ import the package by its name (test/docs), and
    // docs/testing.md its second entry; exact matches, so that "ovsim/testing" is not src/index.ts/testing.
    alias: [
      { find: /^ovsim$/, replacement: fileURLToPath(new URL("./src/index.ts", import.meta.url)) },
      { find: /^ovsim\/testing$/, replacement: fileURLToPath(new URL("./src/testing/index.ts", import.meta.url)) },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Property suites run >= 200 cases each; give them room on a 2-core CI machine.
    testTimeout: 60_000,
  },
});
