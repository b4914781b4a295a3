/**
 * Tenant isolation in NORMAL: for random bridges of access and trunk ports
 * and random sequences of received frames (learning as they go, through
 * `ovs-appctl netdev-dummy/receive`), every frame NORMAL delivers
 *
 * - leaves on a port that carries the frame's VLAN (an access port of that
 *   VLAN, untagged; a trunk that trunks it, tagged with it, or untagged for
 *   VLAN 0) — the VLAN being the input access port's tag, or the VID the
 *   frame arrived with on a trunk;
 * - never leaves on its input port;
 * - is dropped when its input port does not admit it (a VLAN-tagged frame on
 *   an access port, a VID a trunk does not trunk; VID 0 is a priority tag
 *   and means VLAN 0 on a trunk, the port's VLAN on an access port).
 *
 * The datapath actions are replayed on the frame's VLAN header (push_vlan,
 * pop_vlan) to see what each output port gets.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { propertyRuns } from "../../src/testing/runs.js";

type PortSpec = { readonly kind: "access"; readonly tag: number } | { readonly kind: "trunk"; readonly trunks: readonly number[] };

interface Frame {
  readonly port: number;
  readonly src: number;
  readonly dst: number;
  /** VID the frame arrives tagged with, or null for untagged. */
  readonly vid: number | null;
}

const VLANS = [1, 2, 3];
const portSpec: fc.Arbitrary<PortSpec> = fc.oneof(
  fc.record({ kind: fc.constant("access" as const), tag: fc.constantFrom(...VLANS) }),
  fc.record({ kind: fc.constant("trunk" as const), trunks: fc.subarray([0, ...VLANS]) }),
);
const mac = (n: number): string => `50:54:00:00:00:${n.toString(16).padStart(2, "0")}`;
const BROADCAST = 0xff;

function carries(spec: PortSpec, vlan: number): boolean {
  if (spec.kind === "access") return spec.tag === vlan;
  return spec.trunks.length === 0 || spec.trunks.includes(vlan);
}

/** The VLAN a frame is in inside the bridge, or null when its input port drops it. */
function admitted(spec: PortSpec, vid: number | null): number | null {
  // VID 0 is a priority tag, not a VLAN: an access port admits it.
  if (spec.kind === "access") return vid === null || vid === 0 ? spec.tag : null;
  const v = vid ?? 0;
  return carries(spec, v) ? v : null;
}

function receiveLine(f: Frame): string {
  const eth = `eth(src=${mac(f.src)},dst=${f.dst === BROADCAST ? "ff:ff:ff:ff:ff:ff" : mac(f.dst)})`;
  const l3 = "eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)";
  const body = f.vid === null ? `${eth},${l3}` : `${eth},eth_type(0x8100),vlan(vid=${f.vid},pcp=0),encap(${l3})`;
  return `ovs-appctl netdev-dummy/receive p${f.port} 'in_port(1),${body}'`;
}

/** Each output's datapath port and the VID the frame leaves with (null: untagged). */
function deliveries(actions: readonly OdpAction[], vid: number | null): { port: number; vid: number | null }[] {
  const out: { port: number; vid: number | null }[] = [];
  let tag = vid;
  for (const a of actions) {
    if (a.type === "push_vlan") tag = a.tci & 0xfff;
    else if (a.type === "pop_vlan") tag = null;
    else if (a.type === "output") out.push({ port: a.port, vid: tag });
    else throw new Error(`unexpected datapath action ${a.type}`);
  }
  return out;
}

describe("NORMAL isolation (property)", () => {
  it("delivers frames only within their VLAN and never back to the input port", () => {
    const scenario = fc
      .array(portSpec, { minLength: 2, maxLength: 6 })
      .chain((ports) =>
        fc.tuple(
          fc.constant(ports),
          fc.array(
            fc.record({
              port: fc.integer({ min: 1, max: ports.length }),
              src: fc.integer({ min: 1, max: 6 }),
              dst: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(BROADCAST)),
              vid: fc.option(fc.constantFrom(0, ...VLANS, 4), { nil: null }),
            }),
            { minLength: 1, maxLength: 25 },
          ),
        ),
      );
    fc.assert(
      fc.property(scenario, ([ports, frames]) => {
        const world = new Switch();
        runLine(world, "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy");
        ports.forEach((spec, i) => {
          const cfg = spec.kind === "access" ? ` -- set Port p${i + 1} tag=${spec.tag}` : spec.trunks.length > 0 ? ` -- set Port p${i + 1} trunks=${spec.trunks.join(",")}` : "";
          runLine(world, `ovs-vsctl add-port br0 p${i + 1} -- set Interface p${i + 1} type=dummy ofport_request=${i + 1}${cfg}`);
        });
        const br = world.bridge("br0")!;
        const byOdp = new Map(br.ports().map((p) => [p.odpPort, p]));
        for (const f of frames) {
          expect(runLine(world, receiveLine(f)).ok).toBe(true);
          const [pkt] = world.io.takeReceived();
          if (pkt === undefined) throw new Error("no packet recorded");
          const inSpec = ports[f.port - 1]!;
          const vlan = admitted(inSpec, f.vid);
          const outs = deliveries(pkt.odpActions, f.vid);
          if (vlan === null) {
            expect(outs).toEqual([]);
            continue;
          }
          for (const o of outs) {
            const p = byOdp.get(o.port);
            if (p === undefined) throw new Error(`output to unknown datapath port ${o.port}`);
            expect(p.ofport).not.toBe(f.port);
            // The bridge's own port (LOCAL) is a trunk of every VLAN.
            const spec: PortSpec = p.ofport <= ports.length ? ports[p.ofport - 1]! : { kind: "trunk", trunks: [] };
            expect(carries(spec, vlan)).toBe(true);
            expect(o.vid).toBe(spec.kind === "access" || vlan === 0 ? null : vlan);
          }
        }
      }),
      { numRuns: propertyRuns(100) },
    );
  });
});
