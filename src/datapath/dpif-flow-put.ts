/**
 * Datapath flows put by hand: `ovs-appctl dpctl/add-flow`, `dpctl/mod-flow`,
 * `dpctl/del-flow` (lib/dpctl.c dpctl_put_flow_dpif / dpctl_del_flow_dpif,
 * lib/dpif-netdev.c dpif_netdev_flow_put).
 *
 * A flow put by hand is a megaflow like any other: it lives in the datapath's
 * megaflow cache (megaflow-cache.ts), keyed by the mask the text gives, and
 * packets that hit it take its actions. The steps, each failing as OVS does:
 *
 * 1. the key text in ODP syntax, with its masks (odp-flow-parse.ts):
 *    `parsing flow key (syntax error at ...) (Invalid argument)`, or
 *    `(Argument list too long)` when a nested attribute outgrows Netlink;
 * 2. the actions: `parsing actions (Invalid argument)`;
 * 3. the key as odp_flow_key_to_flow reads it: every attribute its
 *    Ethertype and IP protocol call for must be there and no other
 *    (`eth_type(0x0800)` without `ipv4(...)` is "too little", a `udp()` of a
 *    TCP flow "too much"), and the mask must name an Ethertype (a key
 *    without one is not an Ethernet II frame): else `updating flow table
 *    (Invalid argument)`;
 * 4. dpif-netdev takes only an exact in_port: it logs `failed to put[create]
 *    flow: in_port is not an exact match` and answers EINVAL;
 * 5. a key without a VLAN mask matches "no VLAN" exactly (the Netlink form
 *    cannot wildcard a tag's presence);
 * 6. the flow it names is the installed megaflow its *unmasked* key hits
 *    (flow_put_on_pmd): `add-flow` over one fails `(File exists)`,
 *    `mod-flow` without one `(No such file or directory)`.
 *
 * `del-flow` finds the flow by the ufid appctl hashes from the key
 * (odp_flow_key_hash): only a flow put by hand with the same key, else
 * `deleting flow (No such file or directory)` and a hint to give a UFID.
 *
 * Revalidation (ofproto-dpif-upcall.c): the revalidators meet a flow they
 * have no ukey for, give it one due for revalidation, and translate its key as
 * any megaflow's: at the next revalidator round it is kept, modified or
 * deleted by what the OpenFlow tables say (dpif-netdev.ts `putFlow`).
 *
 * Not modelled: actions other than outputs, `drop`, `push_vlan` and
 * `pop_vlan` (refused with a message saying so); a key of L3 packets (no
 * `eth()`) matches ovsim's Ethernet packets, as its wildcarded packet_type
 * lets OVS's, but ovsim has no L3 packets to match it exactly;
 * `--may-create`, `--clear` and `-s` of mod-flow; a key given by UFID.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { XM } from "../actions/xlate/odp-metadata.js";
import { M, readSmall, writeMember } from "../flowtable/flow-layout.js";
import { parseActions } from "./dpctl-normalize.js";
import type { DpifNetdev } from "./dpif-netdev.js";
import { parseOdpFlow } from "./odp-flow-parse.js";

/** What a put or delete answers: null (done) or OVS's error text, without the program's prefix. */
export type FlowPutError = { readonly error: string; readonly hint?: string; readonly log?: string } | null;

const L3_OF_ETHERTYPE: ReadonlyMap<number, string> = new Map([
  [0x0800, "ipv4"],
  [0x86dd, "ipv6"],
  [0x0806, "arp"],
  [0x8035, "arp"],
  [0x8847, "mpls"],
  [0x8848, "mpls"],
]);
const L3_ATTRS = ["ipv4", "ipv6", "arp", "mpls"];
const L4_ATTRS = ["tcp", "udp", "sctp", "icmp", "icmpv6"];
const ETH_TYPE_MIN = 0x600;
const FLOW_NW_FRAG_LATER = 2;
const VLAN_VID_CFI = 0x1fff;

/** The attribute the IP protocol calls for (parse_l2_5_onward), or null. */
function l4Expected(l3: string, proto: number): string | null {
  if (proto === 6) return "tcp";
  if (proto === 17) return "udp";
  if (proto === 132) return "sctp";
  if (proto === 1 && l3 === "ipv4") return "icmp";
  if (proto === 58 && l3 === "ipv6") return "icmpv6";
  return null;
}

/** odp_flow_key_to_flow's fitness: whether the key has exactly the attributes its values call for. */
function keyFits(flow: Uint32Array, present: ReadonlySet<string>): boolean {
  if (!present.has("eth_type")) return false;
  const dlType = readSmall(flow, M.dlType);
  if (dlType < ETH_TYPE_MIN) return false;
  if (present.has("vlan") !== present.has("encap")) return false;
  const l3 = L3_OF_ETHERTYPE.get(dlType) ?? null;
  for (const a of L3_ATTRS) if (present.has(a) !== (a === l3)) return false;
  const ip = l3 === "ipv4" || l3 === "ipv6";
  const later = ip && (readSmall(flow, M.nwFrag) & FLOW_NW_FRAG_LATER) !== 0;
  const l4 = ip && !later ? l4Expected(l3, readSmall(flow, M.nwProto)) : null;
  for (const a of L4_ATTRS) if (present.has(a) !== (a === l4)) return false;
  if (present.has("tcp_flags") && l4 !== "tcp") return false;
  const ndExpected = l4 === "icmpv6" && readSmall(flow, M.tpDst) === 0 && [135, 136].includes(readSmall(flow, M.tpSrc));
  return present.has("nd") === ndExpected;
}

/** The actions a put takes (odp_actions_from_string), those ovsim's datapath runs; a string: why not. */
function putActions(text: string): OdpAction[] | null | string {
  const parsed = parseActions(text, new Map());
  if (parsed === null) return null;
  const out: OdpAction[] = [];
  for (const a of parsed) {
    if (a.kind === "output") out.push({ type: "output", port: a.port });
    else if (a.kind === "push_vlan") out.push({ type: "push_vlan", tpid: a.tpid, tci: a.tci });
    else if (a.kind === "pop_vlan") out.push({ type: "pop_vlan" });
    else if (a.text !== "drop") return `ovsim puts only output, drop, push_vlan and pop_vlan actions by hand, not ${a.text}`;
  }
  return out;
}

/** The key's identity, as OVS hashes a ufid from the key's Netlink bytes. */
function putKeyOf(flow: Uint32Array): string {
  return Array.from(flow, (w) => w.toString(16)).join(",");
}

export interface PutRequest {
  readonly keyText: string;
  readonly actionsText: string;
  readonly create: boolean;
  readonly modify: boolean;
  /** Datapath port names (`in_port(p1)`). */
  readonly ports: ReadonlyMap<string, number>;
  /** `put[create]`, `put[modify]`: how the in_port error names the operation. */
  readonly opName: string;
}

/** Parses a key as a put does: the flow with in_port written, its mask, or the answer to give. */
function parseKey(text: string, ports: ReadonlyMap<string, number>, what: string): { flow: Uint32Array; mask: Uint32Array; present: ReadonlySet<string> } | { error: string } {
  const parsed = parseOdpFlow(text.replace(/^\s*ufid:\S+\s*/, ""), ports);
  if (!parsed.ok) return { error: `${what}${what === "" ? parsed.error : `(${parsed.error})`} (${parsed.errno})` };
  const flow = parsed.flow.slice();
  writeMember(flow, M.inPort, BigInt((parsed.odpInPort ?? 0) >>> 0));
  return { flow, mask: parsed.mask.slice(), present: parsed.present };
}

/** `dpctl/add-flow` / `dpctl/mod-flow` on datapath `dpif`. */
export function putFlow(dpif: DpifNetdev, r: PutRequest, now: number): FlowPutError {
  const k = parseKey(r.keyText, r.ports, "parsing flow key ");
  if ("error" in k) return { error: k.error };
  const actions = putActions(r.actionsText);
  if (actions === null) return { error: "parsing actions (Invalid argument)" };
  if (!keyFits(k.flow, k.present)) return { error: "updating flow table (Invalid argument)" };
  if (typeof actions === "string") return { error: actions };
  if (readSmall(k.mask, M.inPort) !== 0xffffffff) {
    return { error: "updating flow table (Invalid argument)", log: `failed to put[${r.opName}] flow: in_port is not an exact match` };
  }
  if (readSmall(k.mask, M.vlanTci) === 0) writeMember(k.mask, M.vlanTci, BigInt(VLAN_VID_CFI));
  // dp_hash and the metadata no packet carries are never matched by what the text leaves out.
  if (!k.present.has("dp_hash")) writeMember(k.mask, XM.dpHash, 0n);
  const err = dpif.putFlow(
    { key: k.flow, mask: k.mask, actions, create: r.create, modify: r.modify, putKey: putKeyOf(k.flow), keyRoot: k.present.has("packet_type") ? "packet_type" : k.present.has("eth") ? "eth" : "ethertype" },
    now,
  );
  return err === null ? null : { error: `updating flow table (${err})` };
}

/** `dpctl/del-flow KEY`: the flow put by hand with that key. */
export function delFlow(dpif: DpifNetdev, keyText: string, ports: ReadonlyMap<string, number>): FlowPutError {
  const k = parseKey(keyText, ports, "");
  if ("error" in k) return { error: k.error };
  if (dpif.delPutFlow(putKeyOf(k.flow))) return null;
  return { error: "deleting flow (No such file or directory)", hint: "Perhaps you need to specify a UFID?" };
}
