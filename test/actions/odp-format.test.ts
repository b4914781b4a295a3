/**
 * Printing of datapath actions against real OVS 3.1: each entry builds by hand
 * the action list OVS installed for a case of fixtures/actions/odp/format.ovs
 * and must print as OVS's recorded `Datapath actions:` line (format.tsv).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { OdpAction } from "../../src/actions/xlate/odp-actions.js";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import type { OdpCtAction, OdpNat } from "../../src/actions/xlate/odp-ct.js";
import { CT_DEFAULTS } from "../../src/actions/xlate/odp-ct.js";
import { odpSet } from "../../src/actions/xlate/odp-set.js";
import type { OdpTnlPushAction, TnlEncapHeader } from "../../src/actions/xlate/odp-tnl-push.js";

const recorded = new Map(
  readFileSync(new URL("../../fixtures/actions/odp/format.tsv", import.meta.url), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t") as [string, string]),
);

const ip4 = (s: string): number => s.split(".").reduce((a, p) => a * 256 + Number(p), 0);
const mac = (s: string): number => parseInt(s.replaceAll(":", ""), 16);
const out = (port: number): OdpAction => ({ type: "output", port });
const ct = (o: Partial<OdpCtAction>): OdpCtAction => ({ ...CT_DEFAULTS, ...o });
const nat = (o: Partial<OdpNat>): OdpNat => ({
  kind: null,
  addrs: null,
  protoMin: 0,
  protoMax: 0,
  persistent: false,
  hash: false,
  random: false,
  ...o,
});

function tnlPush(tnlPort: number, proto: number, encap: TnlEncapHeader, tos = 0): OdpTnlPushAction {
  return {
    type: "tnl_push",
    tnlPort,
    eth: { dst: mac("aa:55:aa:55:00:02"), src: mac("aa:55:aa:55:00:01"), ethType: 0x0800 },
    ip: { version: 4, src: ip4("172.31.0.1"), dst: ip4("172.31.0.2"), proto, tos, ttl: 64, fragOff: 0x4000 },
    encap,
    outPort: 4,
  };
}

const controller = (reason: number, recircId: number, ruleCookie: bigint, controllerId: number, maxLen: number): OdpAction => ({
  type: "userspace",
  pid: 0,
  cookie: { kind: "controller", reason, dontSend: true, continuation: false, recircId, ruleCookie, controllerId, maxLen },
  actions: false,
  tunnelOutPort: null,
});

const CASES: Record<string, readonly OdpAction[]> = {
  ct_commit_zone_mark: [ct({ commit: true, zone: 5, mark: { value: 1, mask: 0xffffffff } }), out(2)],
  ct_nat_src_range: [
    ct({ commit: true, nat: nat({ kind: "src", addrs: { v: 4, min: ip4("10.0.0.1"), max: ip4("10.0.0.9") }, protoMin: 1000, protoMax: 2000, random: true }) }),
    out(2),
  ],
  ct_table_nat: [ct({ zone: 3, nat: nat({}) }), { type: "recirc", id: 1 }, out(2)],
  ct_label_dst_nat: [
    ct({
      forceCommit: true,
      mark: { value: 5, mask: 0xf },
      label: { value: 0xabn, mask: 0xffn },
      nat: nat({ kind: "dst", addrs: { v: 4, min: ip4("10.1.1.1"), max: 0 }, protoMin: 80, persistent: true }),
    }),
    out(2),
  ],
  ct_plain: [ct({}), out(2)],
  ct_ipv6_nat: [
    ct({ commit: true, nat: nat({ kind: "src", addrs: { v: 6, min: 0x20010db8000000000000000000000001n, max: 0x20010db8000000000000000000000005n }, protoMin: 1000 }) }),
    out(2),
  ],
  controller: [controller(1, 2, 0n, 0, 65535), out(2)],
  controller_args: [controller(0, 3, 0x1234n, 7, 128)],
  trunc: [{ type: "trunc", maxLen: 100 }, out(2), out(3)],
  tnl_push_vxlan: [tnlPush(4789, 17, { type: "vxlan", udp: { src: 0, dst: 4789, csum: 0 }, flags: 0x8000000, vni: 100 }), out(5)],
  tnl_push_gre: [tnlPush(6, 47, { type: "gre", flags: 0x2000, proto: 0x6558, csum: null, key: 0x33, seq: null }), out(5)],
  tnl_push_geneve: [tnlPush(6081, 17, { type: "geneve", udp: { src: 0, dst: 6081, csum: 0 }, oam: false, critical: false, vni: 7 }), out(5)],
  tnl_push_vxlan_flow_key: [
    {
      type: "clone",
      actions: [tnlPush(8472, 17, { type: "vxlan", udp: { src: 0, dst: 8472, csum: 0 }, flags: 0x8000000, vni: 0x1234 }, 0x20), out(5)],
    },
    out(2),
  ],
  tnl_pop: [{ type: "tnl_pop", port: 4789 }],
  check_pkt_len: [{ type: "check_pkt_len", size: 200, greater: [out(2)], lessEqual: [out(3)] }],
  select_group: [{ type: "hash", alg: "sym_l4", basis: 0 }, { type: "recirc", id: 4 }],
  meter: [{ type: "meter", id: 0 }, out(2)],
  empty: [],
};

describe("formatOdpActions against real OVS", () => {
  it("covers every recorded case", () => expect(Object.keys(CASES).sort()).toEqual([...recorded.keys()].sort()));

  it.each(Object.entries(CASES))("%s", (name, actions) => {
    expect(formatOdpActions(actions)).toBe(recorded.get(name));
  });
});

describe("formatOdpActions details from OVS's format code", () => {
  const cases: Array<[string, readonly OdpAction[]]> = [
    ["push_vlan(vid=5,pcp=0,cfi=0)", [{ type: "push_vlan", tpid: 0x8100, tci: 5 }]],
    ["push_vlan(tpid=0x9100,vid=0,pcp=7)", [{ type: "push_vlan", tpid: 0x9100, tci: 0xf000 }]],
    ["set(ipv4(src=1.2.3.4,dst=0.0.0.0,proto=0,tos=0,ttl=0,frag=no))", [odpSet("ipv4", { src: ip4("1.2.3.4") })]],
    ["set(ipv6(label=0x5/0xff))", [odpSet("ipv6", { label: 5 }, { label: 0xff })]],
    ["set(ipv6(label=0x5))", [odpSet("ipv6", { label: 5 }, { label: 0xfffff })]],
    ["set(tcp(src=1,dst=2))", [odpSet("tcp", { src: 1, dst: 2 })]],
    ["set(skb_mark(0))", [odpSet("skb_mark", {})]],
    ["set(arp(sip=0.0.0.0,tip=0.0.0.0,op=0,sha=00:00:00:00:00:00,tha=00:00:00:00:00:01))", [odpSet("arp", { tha: 1 })]],
    ["set(nd(target=fe80::/ffff::))", [odpSet("nd", { target: 0xfe800000000000000000000000000001n }, { target: 0xffff0000000000000000000000000000n })]],
    ["clone(drop)", [{ type: "clone", actions: [] }]],
    ["sample(sample=50.0%,actions(userspace(pid=0,slow_path(action))))", [
      {
        type: "sample",
        probability: 0x80000000,
        actions: [{ type: "userspace", pid: 0, cookie: { kind: "slow_path", reasons: ["action"] }, actions: false, tunnelOutPort: null }],
      },
    ]],
    [
      "userspace(pid=0,flow_sample(probability=32768,collector_set_id=1,obs_domain_id=2,obs_point_id=3,output_port=4294967295,ingress),actions)",
      [
        {
          type: "userspace",
          pid: 0,
          cookie: { kind: "flow_sample", probability: 32768, collectorSetId: 1, obsDomainId: 2, obsPointId: 3, outputPort: 0xffffffff, direction: "ingress" },
          actions: true,
          tunnelOutPort: null,
        },
      ],
    ],
    ["userspace(pid=7,userdata(0102ff),tunnel_out_port=4789)", [
      { type: "userspace", pid: 7, cookie: { kind: "userdata", bytes: [1, 2, 255] }, actions: false, tunnelOutPort: 4789 },
    ]],
    ["recirc(0),ct_clear,drop", [{ type: "recirc", id: 0 }, { type: "ct_clear" }, { type: "drop" }]],
  ];
  it.each(cases)("%s", (text, actions) => expect(formatOdpActions(actions)).toBe(text));
});
