/**
 * The table graph (src/diagram): edges read from each kind of action, the
 * dot / Mermaid / SVG texts, the dagre layout's invariants (boxes apart,
 * edges from box to box), and `ovsim diagram` on a script and a cloud file.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { LESSONS } from "../../playground/src/lessons/index.js";
import { describe, expect, it } from "vitest";
import { layoutGraph } from "../../src/diagram/graph-layout.js";
import { toSvg } from "../../src/diagram/graph-svg.js";
import { toDot, toMermaid } from "../../src/diagram/graph-text.js";
import { restrictGraph, tableGraph } from "../../src/diagram/table-graph.js";
import type { TableGraph } from "../../src/diagram/table-graph.js";
import { runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCRIPT = `ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-br br1 -- set bridge br1 datapath_type=dummy
ovs-vsctl add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1
ovs-vsctl add-port br0 patch-a -- set Interface patch-a type=patch options:peer=patch-b ofport_request=2
ovs-vsctl add-port br1 patch-b -- set Interface patch-b type=patch options:peer=patch-a ofport_request=1
ovs-vsctl add-port br1 vx -- set Interface vx type=vxlan options:remote_ip=192.0.2.2 ofport_request=2
ovs-ofctl del-flows br0
ovs-ofctl del-flows br1
ovs-ofctl add-flow br0 table=0,in_port=1,actions=resubmit(,1)
ovs-ofctl add-flow br0 table=0,priority=0,actions=drop
ovs-ofctl add-flow br0 table=1,ip,actions=ct(table=2,zone=1)
ovs-ofctl add-flow br0 table=1,priority=0,actions=clone(resubmit(,1))
ovs-ofctl -O OpenFlow13 add-flow br0 table=2,arp,actions=goto_table:4
ovs-ofctl add-flow br0 "table=2,actions=learn(table=3,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[]),output:patch-a"
ovs-ofctl add-flow br1 table=0,in_port=1,actions=output:vx
ovs-ofctl add-flow br1 table=0,priority=0,actions=NORMAL
`;

function graphOf(script: string, bridges?: readonly string[]): TableGraph {
  const sw = new Switch();
  const out = runScript(script, sw);
  expect(out.lines.flatMap((l) => l.result.stderr)).toEqual([]);
  return tableGraph(sw, bridges);
}

describe("the table graph", () => {
  const g = graphOf(SCRIPT);

  it("has a node per table with flows or reached, and the tunnel's far end", () => {
    expect(g.nodes.map((n) => n.id)).toEqual(["br0/table=0", "br0/table=1", "br0/table=2", "br0/table=3", "br0/table=4", "br1/table=0", "remote/vxlan/192.0.2.2"]);
    expect(g.nodes.find((n) => n.id === "br0/table=1")?.flows.map((f) => f.priority)).toEqual([32768, 0]);
  });

  it("reads resubmit, clone, ct, goto_table, learn, patch and tunnel edges, each from its row", () => {
    expect(g.edges.map((e) => `${e.from}#${e.flow} -${e.kind}-> ${e.to}`)).toEqual([
      "br0/table=0#0 -resubmit-> br0/table=1",
      "br0/table=1#0 -ct-> br0/table=2",
      "br0/table=1#1 -resubmit-> br0/table=1",
      "br0/table=2#0 -goto_table-> br0/table=4",
      "br0/table=2#1 -learn-> br0/table=3",
      "br0/table=2#1 -patch-> br1/table=0",
      "br1/table=0#0 -tunnel-> remote/vxlan/192.0.2.2",
      "br1/table=0#1 -patch-> br0/table=0",
      "br1/table=0#1 -tunnel-> remote/vxlan/192.0.2.2",
    ]);
  });

  it("leaves out patch edges to a bridge not drawn, and keeps a trace's part", () => {
    const one = graphOf(SCRIPT, ["br0"]);
    expect(one.edges.some((e) => e.kind === "patch")).toBe(false);
    const part = restrictGraph(g, new Set(["br0/table=0", "br0/table=1"]));
    expect(part.nodes.map((n) => n.id)).toEqual(["br0/table=0", "br0/table=1"]);
    expect(part.edges.map((e) => e.kind)).toEqual(["resubmit", "resubmit"]);
  });

  it("refuses an unknown bridge", () => {
    expect(() => graphOf(SCRIPT, ["br9"])).toThrow(/br9: no such bridge/);
  });

  it("prints dot and Mermaid with every table, row and edge", () => {
    const dot = toDot(g);
    expect(dot.startsWith("digraph tables {")).toBe(true);
    expect(dot.match(/ -> /g)).toHaveLength(g.edges.length);
    expect(dot).toContain('n0 [label="br0 table 0\\lpriority=32768,in_port=1 actions=resubmit(,1)\\lpriority=0 actions=drop\\l"];');
    const mermaid = toMermaid(g);
    expect(mermaid.split("\n")[0]).toBe("flowchart LR");
    expect(mermaid.match(/-->|-\.->|==>/g)).toHaveLength(g.edges.length);
    expect(mermaid).toContain('n6(["vxlan to 192.0.2.2"])');
  });

  it("lays out boxes that do not overlap, with every edge running from its source box to its target box", () => {
    for (const rankdir of ["LR", "TB"] as const) {
      const lay = layoutGraph(g, rankdir);
      const boxes = lay.nodes;
      for (const [i, a] of boxes.entries()) {
        for (const b of boxes.slice(i + 1)) {
          const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
          expect(apart, `${a.node.id} and ${b.node.id} overlap (${rankdir})`).toBe(true);
        }
      }
      const near = (p: { x: number; y: number } | undefined, id: string, margin = 1): boolean => {
        const b = boxes.find((x) => x.node.id === id)!;
        return p !== undefined && p.x >= b.x - margin && p.x <= b.x + b.width + margin && p.y >= b.y - margin && p.y <= b.y + b.height + margin;
      };
      for (const e of lay.edges) {
        if (e.edge.from === e.edge.to) {
          // dagre draws a self-loop (resubmit to the same table) as a small loop beside its box.
          for (const p of e.points) expect(near(p, e.edge.from, 60), `loop ${e.edge.label} stays by ${e.edge.from}`).toBe(true);
          continue;
        }
        expect(near(e.points[0], e.edge.from), `edge ${e.edge.label} starts at ${e.edge.from}`).toBe(true);
        expect(near(e.points.at(-1), e.edge.to), `edge ${e.edge.label} ends at ${e.edge.to}`).toBe(true);
      }
      for (const b of boxes) expect(b.x + b.width).toBeLessThanOrEqual(lay.width + 1);
    }
  });

  it("writes SVG with the highlighted rows and the taken edges marked", () => {
    const svg = toSvg(g, { highlight: new Set(["br0/table=0#0"]), current: "br0/table=0#0" });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect class="hl"/g)).toHaveLength(1);
    expect(svg.match(/class="edge [a-z_]+ taken"/g)).toHaveLength(1);
    expect(svg).toContain('<g class="table current" data-id="br0/table=0">');
    expect(svg).toContain("learn(table=3,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_P\u2026");
    expect(svg).not.toMatch(/<text[^>]*>[^<]*[<>&][^<]*<\/text>/);
  });
});

function ovsim(args: readonly string[], input = ""): { status: number | null; stdout: string; stderr: string } {
  const program = `const { main } = await import(${JSON.stringify(join(ROOT, "src/cli/main.ts"))}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], { cwd: ROOT, input, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ovsim diagram", () => {
  it("draws a script's bridge as dot, mermaid and svg", () => {
    const dot = ovsim(["diagram", "--bridge", "br0", "-"], SCRIPT);
    expect(dot.status).toBe(0);
    expect(dot.stdout).toBe(toDot(graphOf(SCRIPT, ["br0"])));
    const mermaid = ovsim(["diagram", "--format=mermaid", "-"], SCRIPT);
    expect(mermaid.stdout).toBe(toMermaid(g0()));
    const svg = ovsim(["diagram", "--format", "svg", "-"], SCRIPT);
    expect(svg.stdout).toBe(toSvg(g0()));
  }, 60_000);

  it("draws one host of a cloud file (the playground's two-host lesson): br-tun's tunnel to the other host", () => {
    const cloud = LESSONS.find((l) => l.id === "vxlan-cloud")!.cloud;
    const r = ovsim(["diagram", "--host", "hv1", "--bridge", "br-tun", "--format", "mermaid", "-"], JSON.stringify(cloud));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("br-tun table 0");
    expect(r.stdout).toMatch(/==>\|"output:vxlan-c0000202 \(row \d+\)"\| n\d+/);
    expect(r.stdout).toContain('(["vxlan to 192.0.2.2"])');
  }, 60_000);

  it("says what is wrong: a bad format, an unknown bridge", () => {
    const bad = ovsim(["diagram", "--format", "png", "-"], SCRIPT);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown format 'png'/);
    const nobr = ovsim(["diagram", "--bridge", "br9", "-"], SCRIPT);
    expect(nobr.status).toBe(1);
    expect(nobr.stderr).toMatch(/br9: no such bridge/);
  }, 60_000);
});

function g0(): TableGraph {
  return graphOf(SCRIPT);
}
