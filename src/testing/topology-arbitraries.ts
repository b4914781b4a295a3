/**
 * VLAN and tunnel topologies, as Pipelines (installable, printable as
 * scripts, with packets from packet-arbitraries.ts).
 *
 * A VLAN topology is one NORMAL bridge whose dummy ports are access ports
 * (`tag`), trunks (`trunks`, sometimes with a native VLAN in `native-tagged`
 * or `native-untagged` mode) or plain untagged ports, with the bridge's
 * `priority=0,actions=NORMAL` flow: what OVS's VLAN, flooding and MAC
 * learning code sees on a compute host's br-int.
 *
 * A tunnel topology is a br-tun: dummy ports (the local VLANs' side) and
 * tunnel ports of one type (vxlan, gre or geneve) to distinct remote IPs, with
 * `key=flow` or a fixed key and sometimes a non-default vxlan UDP port, and
 * flows that set the tunnel id and output to a tunnel, or flood to all.
 */
import fc from "fast-check";
import type { Pipeline, PortSpec } from "./pipeline.js";
import type { Universe } from "./universe.js";
import { DEFAULT_UNIVERSE } from "./universe.js";

export interface TopologyOptions {
  /** Dummy ports (2..6; 4). */
  readonly ports?: number;
  readonly universe?: Universe;
}

const EMPTY_MATCH = { protocol: null, fields: [] } as const;

function vlanPort(name: string, ofport: number, u: Universe): fc.Arbitrary<PortSpec> {
  const vlan = fc.constantFrom(...u.vlans);
  return fc.oneof(
    vlan.map((tag): PortSpec => ({ name, ofport, type: "dummy", tag })),
    fc.subarray([...u.vlans], { minLength: 1 }).map((trunks): PortSpec => ({ name, ofport, type: "dummy", trunks })),
    fc
      .tuple(vlan, fc.subarray([...u.vlans], { minLength: 1 }), fc.constantFrom("native-tagged", "native-untagged"))
      .map(([tag, trunks, vlanMode]): PortSpec => ({ name, ofport, type: "dummy", tag, trunks, vlanMode })),
    fc.constant<PortSpec>({ name, ofport, type: "dummy" }),
  );
}

/** One NORMAL bridge `br0` with access, trunk and untagged dummy ports p1..pN. */
export function vlanTopologies(o: TopologyOptions = {}): fc.Arbitrary<Pipeline> {
  const u = o.universe ?? DEFAULT_UNIVERSE;
  const n = Math.max(2, Math.min(6, o.ports ?? 4));
  return fc.tuple(...Array.from({ length: n }, (_, i) => vlanPort(`p${i + 1}`, i + 1, u))).map(
    (ports): Pipeline => ({ bridges: [{ name: "br0", ports }], flows: [{ bridge: "br0", table: 0, priority: 0, match: EMPTY_MATCH, actions: "NORMAL" }] }),
  );
}

/** Tunnel ports' first ofport (dummy ports are 1..N). */
export const TUNNEL_OFPORT_BASE = 10;

/** A br-tun `br0`: dummy ports p1..pN, 1-3 tunnels of one type, flows from each dummy port into a tunnel (with a tunnel id) or flooding. */
export function tunnelTopologies(o: TopologyOptions = {}): fc.Arbitrary<Pipeline> {
  const n = Math.max(1, Math.min(6, o.ports ?? 2));
  const dummies: PortSpec[] = Array.from({ length: n }, (_, i) => ({ name: `p${i + 1}`, ofport: i + 1, type: "dummy" }));
  const tunnel = fc.record({ key: fc.constantFrom("flow", "100", "200"), dstPort: fc.option(fc.constant("4790"), { nil: undefined, freq: 4 }) });
  return fc
    .tuple(fc.constantFrom<"vxlan" | "gre" | "geneve">("vxlan", "gre", "geneve"), fc.array(tunnel, { minLength: 1, maxLength: 3 }))
    .chain(([type, specs]) => {
      const tunnels: PortSpec[] = specs.map((s, i) => ({
        name: `${type}${i}`,
        ofport: TUNNEL_OFPORT_BASE + i,
        type,
        options: { remote_ip: `172.31.0.${i + 2}`, key: s.key, ...(type === "vxlan" && s.dstPort !== undefined ? { dst_port: s.dstPort } : {}) },
      }));
      const action = fc.oneof(
        fc.tuple(fc.constantFrom(...tunnels), fc.constantFrom(100, 200, 300)).map(([t, id]) => `set_tunnel:${id},output:${t.ofport}`),
        fc.constant(`set_tunnel:100,${tunnels.map((t) => `output:${t.ofport}`).join(",")}`),
        fc.constant("NORMAL"),
      );
      return fc.tuple(...dummies.map(() => action)).map(
        (acts): Pipeline => ({
          bridges: [{ name: "br0", ports: [...dummies, ...tunnels] }],
          flows: acts.map((actions, i) => ({
            bridge: "br0",
            table: 0,
            priority: 10,
            match: { protocol: null, fields: [{ field: "in_port", text: String(i + 1), packet: String(i + 1) }] },
            actions,
          })),
        }),
      );
    });
}
