/**
 * The browser for the playground's tests: Debian's chromium (installed by
 * scripts/setup-browser.sh; OVSIM_CHROMIUM names another) driven by
 * playwright-core, and the page built by Vite and served by `vite preview`
 * on 127.0.0.1 only. Without a browser the tests skip and say why; under
 * CI=true a missing browser is a failure (browserOrSkip throws).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CONFIG = fileURLToPath(new URL("../../playground/vite.config.ts", import.meta.url));
export const SHOTS = fileURLToPath(new URL("./.screenshots/", import.meta.url));

/** The chromium to drive, or why there is none. */
export function findChromium(): { path: string } | { path: null; why: string } {
  const named = process.env["OVSIM_CHROMIUM"];
  if (named !== undefined && named !== "") return existsSync(named) ? { path: named } : { path: null, why: `OVSIM_CHROMIUM=${named} does not exist` };
  for (const bin of ["chromium", "chromium-browser"]) {
    try {
      const p = execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim();
      if (p !== "") return { path: p };
    } catch {
      // not on PATH; try the next name
    }
  }
  return { path: null, why: "no chromium on PATH (scripts/setup-browser.sh installs Debian's; OVSIM_CHROMIUM names another)" };
}

/** The chromium path; null (with the reason printed) to skip; throws under CI=true. */
export function chromiumOrSkip(): string | null {
  const found = findChromium();
  if (found.path !== null) return found.path;
  if (process.env["CI"] === "true") throw new Error(`CI=true and the playground's browser tests cannot run: ${found.why}`);
  console.warn(`test/playground: skipping the browser tests: ${found.why}`);
  return null;
}

export async function launch(executablePath: string): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  // --no-sandbox: CI containers run as root, where chromium's sandbox cannot start.
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

/** Builds the page (vite build) and serves it with vite preview on 127.0.0.1; its URL and a stop function. */
export async function servePlayground(): Promise<{ url: string; close: () => Promise<void> }> {
  const { build, preview } = await import("vite");
  await build({ configFile: CONFIG, logLevel: "warn" });
  const server = await preview({ configFile: CONFIG, logLevel: "warn", preview: { host: "127.0.0.1", port: 0, strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error("vite preview gave no local URL");
  return { url, close: () => server.close() };
}
