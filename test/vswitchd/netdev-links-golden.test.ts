/**
 * fixtures/netdev-links: netdev-dummy's stream links between dummy ports (a frame sent out
 * of one end is received by the other, both ways; `netdev-dummy/conn-state`) and bonds
 * (`bond/show`, `bond/list`, `bond/set-active-member` in each bond mode, with admin-state
 * changes, primaries, up/down delays; balance-slb's buckets with `bond/hash`, `bond/migrate`,
 * `bond/enable-member` / `disable-member` and NORMAL's traces through the bond; LACP between
 * two bridges with `lacp/show` and `lacp/show-stats`), as real Open vSwitch 3.1 printed them (record.sh),
 * compared line for line through runScript (standard error included, as recorded).
 *
 * Normalised on both sides: `sleep` lines (real OVS's sockets need time, ovsim delivers at
 * once) are skipped; dpctl/dump-flows lines are sorted (OVS dumps in hash order); an active
 * member's MAC (dummy netdevs' addresses follow creation order, which OVS takes from a hash
 * of the interfaces' uuids) and `next rebalance` (real OVS's clock runs until time/stop) are
 * masked; bond/list's members are sorted (OVS lists them in hash-map order).
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runScript } from "../../src/utilities/run-script.js";

const dir = new URL("../../fixtures/netdev-links/", import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".ovs"));

function normalise(text: string): string {
  const blocks = text.split(/^(?=### )/m).filter((b) => !b.startsWith("### sleep"));
  const out: string[] = [];
  for (const block of blocks) {
    const lines = block.replace(/\n$/, "").split("\n");
    const flows = lines.filter((l) => l.startsWith("recirc_id(")).sort();
    let i = 0;
    for (const l of lines) {
      let t = l.startsWith("recirc_id(") ? (flows[i++] as string) : l;
      t = t.replace(/^active member mac: [0-9a-f:]{17}\(/, "active member mac: <mac>(").replace(/^next rebalance: -?\d+ ms$/, "next rebalance: <n> ms");
      const m = /^(\S+\t\S+\t-?\d+\t)(.*)$/.exec(t);
      if (m !== null) t = `${m[1]}${(m[2] ?? "").split(", ").sort().join(", ")}`;
      out.push(t);
    }
  }
  return out.join("\n");
}

describe("stream links and bonds against real OVS (fixtures/netdev-links)", () => {
  it("has the recorded scripts", () => expect(scripts.length).toBeGreaterThanOrEqual(4));

  it.each(scripts)("%s", (name) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const text = readFileSync(new URL(name, dir), "utf8")
      .split("\n")
      .filter((l) => !l.startsWith("sleep "))
      .join("\n");
    const out = runScript(text);
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout, ...result.stderr]).join("\n") + "\n";
    expect(normalise(got)).toBe(normalise(expected));
  });
});
