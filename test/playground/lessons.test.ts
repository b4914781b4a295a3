/**
 * Each lesson's packets traced by the playground's Session (the library as
 * the page runs it) give the same path and datapath actions as `ovsim run`
 * / `ovsim cloud` tracing them after the same lesson script, in a child
 * process. No browser needed.
 */
import { describe, expect, it } from "vitest";
import { LESSONS } from "../../playground/src/lessons/index.js";
import { Session } from "../../playground/src/session.js";
import { cliTraces, parseTraces } from "./cli-oracle.js";
import type { ResolvedPacket } from "./cli-oracle.js";

describe("playground lessons against the ovsim command", () => {
  for (const lesson of LESSONS) {
    it(`${lesson.id}: the page's traces equal ovsim's`, async () => {
      const s = await Session.open(lesson);
      const packets: ResolvedPacket[] = [lesson.packet, ...(lesson.more ?? [])].map((p) => ({ ...(p.host === undefined ? {} : { host: p.host }), bridge: p.bridge, flow: s.resolve(p.flow) }));
      const page = packets.map((p) => {
        if (p.host !== undefined) s.host = p.host;
        const t = s.trace(p.bridge, p.flow);
        return { path: t.steps.filter((x) => x.rule !== null).map((x) => `${x.bridge}/table=${x.table}`), datapathActions: t.datapathActions };
      });
      const cli = cliTraces(lesson, packets);
      expect(page).toEqual(cli);
      // Not vacuous: every lesson packet goes through at least one table, and something happens.
      for (const t of cli) expect(t.path.length).toBeGreaterThan(0);
      expect(cli.some((t) => t.datapathActions !== "drop")).toBe(true);
    }, 60_000);
  }

  it("reads the path and actions of an ofproto/trace text, misses left out", () => {
    const text = ['Flow: in_port=1', '', 'bridge("br0")', "-----", " 0. in_port=1, priority 32768", "    resubmit(,1)", " 1. No match.", "    drop", "", "Final flow: unchanged", "Datapath actions: drop"].join("\n");
    expect(parseTraces(text)).toEqual([{ path: ["br0/table=0"], datapathActions: "drop" }]);
  });

  it("catches a page that traces a different state (a flow edit the CLI did not see)", async () => {
    const lesson = LESSONS.find((l) => l.id === "acl")!;
    const s = await Session.open(lesson);
    expect(s.applyFlows("br0", "table=0,actions=drop")).toEqual([]);
    const t = s.trace(lesson.packet.bridge, lesson.packet.flow);
    const [cli] = cliTraces(lesson, [lesson.packet]);
    expect(t.datapathActions).not.toBe(cli?.datapathActions);
  }, 60_000);
});
