/** docs/testing.md's worked example, a vitest file (its one ```typescript block), for the tests that run it. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The vitest file of docs/testing.md (its one ```typescript block). */
export function testingDocExample(): string {
  const blocks = [...readFileSync(`${ROOT}docs/testing.md`, "utf8").matchAll(/^```typescript\n([\s\S]*?)^```$/gm)];
  if (blocks.length !== 1) throw new Error(`docs/testing.md has ${blocks.length} typescript blocks, expected the one worked example`);
  return blocks[0]?.[1] ?? "";
}
