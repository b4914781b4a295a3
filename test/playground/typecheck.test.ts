/**
 * The page's sources (DOM code) type-check with their own tsconfig: the
 * project's `npm run typecheck` has no DOM library, so it does not see them.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("the playground's sources", () => {
  it("type-check (tsc -p playground/tsconfig.json)", () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL("../../node_modules/typescript/bin/tsc", import.meta.url)), "-p", "playground/tsconfig.json"], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  }, 180_000);
});
