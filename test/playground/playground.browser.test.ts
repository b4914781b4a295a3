/**
 * The playground in a real browser (chromium through playwright-core): each
 * lesson loaded from the menu, its packet traced, the highlighted path and
 * the datapath actions compared with what `ovsim run` / `ovsim cloud` print
 * for the same lesson (cli-oracle.ts), the trace stepped forward and back,
 * the packet sent twice (megaflow miss, then hit), a flow edit refused at
 * its position, a VM booted and pinged in the cloud lesson, the state
 * shared as a URL. Screenshots go to test/playground/.screenshots/ (not
 * committed); the bundle's gzip size and the time to first trace are
 * measured and written there as metrics.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LESSONS } from "../../playground/src/lessons/index.js";
import type { Lesson } from "../../playground/src/lessons/lesson.js";
import { Session } from "../../playground/src/session.js";
import { chromiumOrSkip, launch, ROOT, servePlayground, SHOTS } from "./browser.js";
import { cliTracesAsync } from "./cli-oracle.js";
import type { CliTrace } from "./cli-oracle.js";

/** What the page's functions (run in the browser by waitForFunction / evaluate) see; the tests' tsconfig has no DOM library. */
interface PageGlobals {
  readonly __ovsimFirstTrace?: number;
  readonly document: { getElementById(id: string): { readonly textContent: string | null } | null };
}

const chromium = chromiumOrSkip();

describe.skipIf(chromium === null)("the playground in chromium", () => {
  let browser: Browser;
  let page: Page;
  let url = "";
  let close: () => Promise<void> = async () => {};
  const metrics: Record<string, number | string> = {};
  /** What ovsim prints for each lesson's first packet, computed while the page builds. */
  const expected = new Map<string, CliTrace>();

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // ovsim's traces run in child processes while Vite builds the page.
    const oracle = Promise.all(
      LESSONS.map(async (l) => {
        const p = l.packet;
        const [t] = await cliTracesAsync(l, [{ ...(p.host === undefined ? {} : { host: p.host }), bridge: p.bridge, flow: (await Session.open(l)).resolve(p.flow) }]);
        if (t !== undefined) expected.set(l.id, t);
      }),
    );
    ({ url, close } = await servePlayground());
    await oracle;
    const assets = join(ROOT, "playground/dist/assets");
    // The first load is what index.html names (index-*.js / .css); the cloud lessons' chunk comes on demand.
    const gz = (f: string): number => gzipSync(readFileSync(join(assets, f))).length;
    const files = readdirSync(assets);
    metrics["firstLoadGzipBytes"] = files.filter((f) => f.startsWith("index-")).reduce((n, f) => n + gz(f), 0);
    metrics["allAssetsGzipBytes"] = files.reduce((n, f) => n + gz(f), 0);
    browser = await launch(chromium!);
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const t0 = Date.now();
    await page.goto(url);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).__ovsimFirstTrace !== undefined, null, { timeout: 30_000 });
    metrics["firstTraceMs"] = Math.round(await page.evaluate(() => (globalThis as unknown as PageGlobals).__ovsimFirstTrace ?? -1));
    metrics["firstTraceWallMs"] = Date.now() - t0;
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    writeFileSync(join(SHOTS, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
    console.log(`playground metrics: ${JSON.stringify(metrics)}`);
    await browser?.close();
    await close();
  });

  async function open(lesson: Lesson): Promise<void> {
    await page.selectOption("#lesson", lesson.id);
    await page.waitForFunction((title) => (globalThis as unknown as PageGlobals).document.getElementById("status")?.textContent?.startsWith(`${title}: ready`) === true, lesson.title, { timeout: 30_000 });
    // The page says how long the lesson took to build and trace (the cloud lessons run their agents first).
    const ms = /ready in (\d+) ms/.exec((await page.textContent("#status")) ?? "")?.[1];
    if (ms !== undefined) metrics[`lessonReadyMs.${lesson.id}`] = Number(ms);
  }

  /** The table nodes of the highlighted rows, in the pipeline's SVG. */
  async function highlightedTables(): Promise<string[]> {
    const rows = await page.$$eval("#trace svg rect.hl", (els) => els.map((e) => e.getAttribute("data-row") ?? ""));
    return [...new Set(rows.map((r) => r.replace(/#\d+$/, "")))].sort();
  }

  for (const lesson of LESSONS) {
    it(`${lesson.id}: traces the lesson's packet as ovsim does, steps through it, sends it twice`, async () => {
      await open(lesson);
      const want = expected.get(lesson.id)!;
      expect(await page.textContent("[data-testid=odp-actions]")).toBe(want.datapathActions);
      expect(await highlightedTables()).toEqual([...new Set(want.path)].sort());
      // Step forward through every tick, then back one.
      const ticks: string[] = [await page.textContent("[data-testid=tick]") ?? ""];
      while (!(await page.isDisabled(".step-forward"))) {
        await page.click(".step-forward");
        ticks.push((await page.textContent("[data-testid=tick]")) ?? "");
      }
      expect(ticks[0]).toMatch(new RegExp(`^step 1 of ${ticks.length}: ${want.path[0]!.replace("/table=", " table ")}: `));
      expect(ticks.at(-1)).toMatch(/Final flow/);
      await page.click(".step-back");
      expect(await page.textContent("[data-testid=tick]")).toBe(ticks.at(-2));
      // Halfway, for the screenshot: the current table framed, the packet's fields beside it.
      await page.click(".step-first");
      for (let i = 0; i < Math.floor(ticks.length / 2); i++) await page.click(".step-forward");
      await page.click("#send-button");
      expect(await page.textContent("[data-testid=cache]")).toMatch(/megaflow cache miss/);
      await page.click("#send-button");
      expect(await page.textContent("[data-testid=cache]")).toMatch(/megaflow cache hit/);
      await page.screenshot({ path: join(SHOTS, `${lesson.id}.png`), fullPage: true });
    }, 60_000);
  }

  it("neutron: stepping through the ARP responder shows arp_op turning into a reply", async () => {
    await open(LESSONS.find((l) => l.id === "neutron")!);
    for (let i = 0; i < 60 && !(await page.textContent("[data-testid=tick]"))?.includes("set_field:2->arp_op"); i++) await page.click(".step-forward");
    expect(await page.textContent("[data-testid=tick]")).toContain("set_field:2->arp_op");
    const changed = await page.$$eval(".fields tr.changed", (trs) => trs.map((tr) => tr.textContent));
    expect(changed).toEqual(["arp_op2"]);
    await page.screenshot({ path: join(SHOTS, "neutron-arp-responder.png"), fullPage: true });
  }, 60_000);

  it("acl: a refused flow is shown at its position and the bridge keeps its flows", async () => {
    await open(LESSONS.find((l) => l.id === "acl")!);
    const before = await page.inputValue("textarea.flows[data-bridge=br0]");
    await page.fill("textarea.flows[data-bridge=br0]", `${before}\ntable=1,priority=90,tcp,tp_dst=80,actions=outptu:2`);
    await page.click("button.apply[data-bridge=br0]");
    const err = page.locator(".errors .error").first();
    await err.waitFor();
    expect(await err.getAttribute("data-line")).toBe(String(before.split("\n").length + 1));
    expect(await err.textContent()).toMatch(/outptu/);
    expect(await page.textContent("[data-testid=odp-actions]")).toBe(expected.get("acl")!.datapathActions);
    await page.screenshot({ path: join(SHOTS, "acl-error.png"), fullPage: true });
  }, 60_000);

  it("vxlan-cloud: boots a VM on hv2 and pings it from hv1; the state travels as a URL", async () => {
    await open(LESSONS.find((l) => l.id === "vxlan-cloud")!);
    await page.fill("#boot-vm", "c-1");
    await page.selectOption("#boot-host", "hv2");
    await page.click("#boot");
    await page.fill("#ping-from", "a-1");
    await page.fill("#ping-to", "c-1");
    await page.click("#ping");
    expect(await page.textContent("[data-testid=cloud-log]")).toMatch(/a-1 -> c-1 \(10\.1\.0\.\d+\): 1\/1 received/);
    await page.click("#share");
    const shared = await page.inputValue("#share-url");
    expect(shared).toMatch(/#s=/);
    await page.screenshot({ path: join(SHOTS, "vxlan-cloud.png"), fullPage: true });
    const other = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    await other.goto(shared);
    await other.waitForFunction(() => (globalThis as unknown as PageGlobals).document.getElementById("status")?.textContent?.includes("ready") === true, null, { timeout: 30_000 });
    expect(await other.inputValue("#lesson")).toBe("vxlan-cloud");
    expect(await other.textContent("[data-testid=odp-actions]")).toBe(await page.textContent("[data-testid=odp-actions]"));
    // c-1 was booted again from the URL: the shared page can ping it.
    await other.fill("#ping-from", "a-1");
    await other.fill("#ping-to", "c-1");
    await other.click("#ping");
    expect(await other.textContent("[data-testid=cloud-log]")).toMatch(/a-1 -> c-1 \(10\.1\.0\.\d+\): 1\/1 received/);
    await other.close();
  }, 60_000);
});
