import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Property suites run >= 200 cases each; give them room on a 2-core CI machine.
    testTimeout: 60_000,
  },
});
