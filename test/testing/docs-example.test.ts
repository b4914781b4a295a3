/**
 * docs/testing.md's worked example is a vitest file (the ```typescript block:
 * test/docs/doc-examples.test.ts runs `ts` blocks inside its own test, where
 * a file's `describe` / `it` cannot run). Here it runs as a user runs it: its
 * own vitest process, `ovsim` and `ovsim/testing` resolved to this checkout's
 * source. test/package/pack.test.ts runs it again on the packed package.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { testingDocExample } from "./docs-example.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIR = fileURLToPath(new URL("../.doc-examples/testing/", import.meta.url));

const CONFIG = `import { defineConfig } from "vitest/config";
export default defineConfig({
  resolve: { alias: [
    { find: /^ovsim$/, replacement: ${JSON.stringify(`${ROOT}src/index.ts`)} },
    { find: /^ovsim\\/testing$/, replacement: ${JSON.stringify(`${ROOT}src/testing/index.ts`)} },
  ] },
  test: { include: ["*.test.ts"], testTimeout: 300_000 },
});
`;

describe("docs/testing.md's worked example", () => {
  it("passes as a vitest file of its own", () => {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(`${DIR}my-flows.test.ts`, testingDocExample());
    writeFileSync(`${DIR}vitest.config.mjs`, CONFIG);
    const r = spawnSync(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, "run", "--root", DIR, "--config", `${DIR}vitest.config.mjs`], {
      cwd: DIR,
      encoding: "utf8",
      env: { ...process.env, CI: "true", NO_COLOR: "1" },
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+3 passed/);
  }, 300_000);
});
