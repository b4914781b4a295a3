/**
 * ovsim/testing's arbitraries make what they promise: matches the switch
 * accepts (prerequisites honoured: OVS refuses a match without them, with
 * OFPBMC_BAD_PREREQ), pipelines and topologies that install, packets that
 * hit the flow they were aimed at, and the same values for the same seed.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extractFlow } from "../../src/datapath/packet/extract.js";
import { Packet } from "../../src/datapath/packet/packet.js";
import { parseExactFlow } from "../../src/flowtable/exact-flow-parse.js";
import { FLOW_WORDS } from "../../src/flowtable/flow-layout.js";
import { Switch } from "../../src/vswitchd/switch.js";
import {
  cases,
  fieldsFor,
  installPipeline,
  matches,
  matchText,
  packetBytes,
  packets,
  parseUserFlow,
  pipeline,
  pipelines,
  propertyRuns,
  propertyTimeout,
  tunnelTopologies,
  vlanTopologies,
  World,
} from "../../src/testing/index.js";

/** Each test's timeout, scaled with its runs (npm run test:deep). */
const T = propertyTimeout(60_000);

function bridge(): Switch {
  const sw = new Switch();
  sw.addBridge("br0", { datapathType: "dummy" });
  return sw;
}

describe("matches", () => {
  it("only set fields whose prerequisites their protocol meets, and the switch accepts every one", () => {
    expect(fieldsFor("tcp").map((f) => f.name)).toContain("tcp_dst");
    expect(fieldsFor("udp").map((f) => f.name)).not.toContain("tcp_dst");
    expect(fieldsFor(null).map((f) => f.name)).not.toContain("ip_src");
    expect(fieldsFor("arp").map((f) => f.name)).toContain("arp_tpa");
    const sw = bridge();
    fc.assert(
      fc.property(matches({ ports: [1, 2], metadata: true }), (m) => {
        // OVS drops a field whose prerequisites the match lacks, saying so ("normalization changed ofp_match").
        const log = sw.addFlow("br0", `priority=1${m.fields.length > 0 || m.protocol !== null ? `,${matchText(m)}` : ""},actions=drop`);
        expect(log, matchText(m)).toEqual([]);
      }),
      { numRuns: propertyRuns(300) },
    );
  }, T);

  it("would be caught if a field came without its protocol", () => {
    expect(bridge().addFlow("br0", "priority=1,tcp_dst=80,actions=drop").join("\n")).toMatch(/normalization changed/);
  });
});

describe("pipelines, topologies and packets", () => {
  it("pipelines install on a Switch, and packets aimed at a table-0 flow hit table 0 at its priority or above", () => {
    fc.assert(
      fc.property(
        pipelines().chain((p) => fc.tuple(fc.constant(p), fc.array(packets(p), { minLength: 1, maxLength: 10 }))),
        ([p, pks]) => {
          const sw = new Switch();
          installPipeline(sw, p);
          for (const pk of pks) {
            const f = pk.aimedAt;
            if (f === null || f.table !== 0 || f.bridge !== pk.bridge) continue;
            const inPort = f.match.fields.find((x) => x.field === "in_port");
            if (inPort !== undefined && inPort.packet !== String(pk.ofport)) continue;
            const t = sw.trace(pk.bridge, pk.flow);
            const first = t.steps[0];
            expect(first?.table, pk.flow).toBe(0);
            expect(first?.rule?.priority ?? -1, `${pk.flow} aimed at ${matchText(f.match)}`).toBeGreaterThanOrEqual(f.priority);
          }
        },
      ),
      { numRuns: propertyRuns(100) },
    );
  }, T);

  it("packets as bytes carry the flow they are written as", () => {
    fc.assert(
      fc.property(
        pipelines({ bridges: 1 }).chain((p) => packets(p)),
        (pk) => {
          const bytes = packetBytes(pk);
          const key = new Uint32Array(FLOW_WORDS);
          extractFlow(new Packet(bytes, bytes.length), pk.ofport, key, 2);
          const want = parseExactFlow(pk.flow);
          expect(want.ok).toBe(true);
          // The parsed flow is a translation flow: the flow key, then datapath metadata words
          // (skb_priority, tun_tos, tun_ttl) that packets written as flows never set.
          if (want.ok) expect(Array.from(key), pk.flow).toEqual(Array.from(want.key.subarray(0, FLOW_WORDS)));
          if (want.ok) expect(want.key.subarray(FLOW_WORDS).every((w) => w === 0), pk.flow).toBe(true);
        },
      ),
      { numRuns: propertyRuns(200) },
    );
  }, T);

  it("VLAN and tunnel topologies install and forward packets", () => {
    fc.assert(
      fc.property(
        fc.oneof(vlanTopologies(), tunnelTopologies()).chain((p) => fc.tuple(fc.constant(p), fc.array(packets(p), { minLength: 1, maxLength: 5 }))),
        ([p, pks]) => {
          const w = new World({ cache: true });
          w.install(p);
          for (const pk of pks) w.packet(pk);
          expect(w.script.length).toBeGreaterThan(p.bridges.length);
        },
      ),
      { numRuns: propertyRuns(100) },
    );
  }, T);

  it("the same seed gives the same cases", () => {
    const a = fc.sample(cases(), { seed: 42, numRuns: 5 });
    const b = fc.sample(cases(), { seed: 42, numRuns: 5 });
    expect(JSON.stringify(a)).toEqual(JSON.stringify(b));
    expect(JSON.stringify(fc.sample(cases(), { seed: 43, numRuns: 5 }))).not.toEqual(JSON.stringify(a));
  });

  it("reads a user's flows into matches that packets aim at: aliases, CIDRs and port names resolved", () => {
    const f = parseUserFlow("br0", "table=1,priority=20,udp,nw_dst=10.0.0.0/24,tp_dst=53,actions=output:3");
    expect(f).toMatchObject({ table: 1, priority: 20, actions: "output:3", match: { protocol: "udp" } });
    expect(f.match.fields).toEqual([
      { field: "ip_dst", text: "10.0.0.0/24", packet: "10.0.0.0" },
      { field: "udp_dst", text: "53", packet: "53" },
    ]);
    const mine = pipeline({
      bridges: { br0: ["p1", "p2", "p3"] },
      flows: {
        br0: [
          "table=0,priority=100,in_port=p1,actions=resubmit(,1)",
          "table=0,priority=0,actions=drop",
          "table=1,priority=20,tcp,nw_dst=10.0.0.0/24,tp_dst=80,actions=output:3",
          "table=1,priority=20,udp,nw_src=10.0.1.1,tp_src=53,actions=output:2",
          "table=1,priority=10,arp,arp_tpa=10.0.0.2,actions=NORMAL",
        ],
      },
    });
    const sw = new Switch();
    installPipeline(sw, mine);
    fc.assert(
      fc.property(packets(mine), (pk) => {
        const f1 = pk.aimedAt;
        if (f1 === null || f1.table !== 1 || pk.port !== "p1") return;
        const step = sw.trace(pk.bridge, pk.flow).steps.find((st) => st.table === 1);
        expect(step?.rule?.priority, `${pk.flow} aimed at ${matchText(f1.match)}`).toBe(f1.priority);
      }),
      { numRuns: propertyRuns(200) },
    );
  }, T);
});
