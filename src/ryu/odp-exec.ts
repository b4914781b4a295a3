/**
 * Executes datapath actions (OVS's odp_execute_actions, lib/odp-execute.c) on
 * a Ryu packet description: `set(...)` rewrites header fields, push/pop VLAN
 * add and remove 802.1Q/802.1ad headers, push/pop MPLS add and remove a
 * label stack entry (set(mpls) rewrites it), `output` and controller upcalls
 * record a copy of the packet as it is then. This is how the Ryu runner gets
 * egress packets before src/datapath executes actions on packet bytes; it
 * covers the actions translation emits for the corpus, and reports any other
 * as unsupported rather than guessing.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import type { OdpSetAction, OdpValue } from "../actions/xlate/odp-set.js";
import { ODP_KEY_FIELDS } from "../actions/xlate/odp-set.js";
import type { FieldValue, Layer } from "./packet-desc.js";
import { cloneLayers, num, sub } from "./packet-desc.js";

export interface Emitted {
  readonly kind: "output" | "controller";
  /** Datapath port (output) or 0 (controller). */
  readonly port: number;
  readonly packet: Layer[];
}

export interface ExecResult {
  readonly emitted: Emitted[];
  /** Actions this executor does not model (the verdict should say so). */
  readonly unsupported: string[];
}

/** Which Ryu layer and field each datapath set field writes, per OVS_KEY_ATTR. */
const SET_TARGETS: Readonly<Record<string, { readonly classes: readonly string[]; readonly fields: readonly (string | null)[] }>> = {
  eth: { classes: ["ethernet"], fields: ["src", "dst"] },
  ipv4: { classes: ["ipv4"], fields: ["src", "dst", null, "tos", "ttl", null] },
  ipv6: { classes: ["ipv6"], fields: ["src", "dst", "flow_label", null, "traffic_class", "hop_limit", null] },
  tcp: { classes: ["tcp"], fields: ["src_port", "dst_port"] },
  udp: { classes: ["udp"], fields: ["src_port", "dst_port"] },
  sctp: { classes: ["sctp"], fields: ["src_port", "dst_port"] },
  icmp: { classes: ["icmp"], fields: ["type_", "code"] },
  icmpv6: { classes: ["icmpv6"], fields: ["type_", "code"] },
  arp: { classes: ["arp"], fields: ["src_ip", "dst_ip", "opcode", "src_mac", "dst_mac"] },
};

function masked(old: bigint, v: OdpValue, m: OdpValue): bigint {
  const vb = BigInt(v);
  const mb = BigInt(m);
  return (old & ~mb) | (vb & mb);
}

function fieldMask(a: OdpSetAction, i: number): OdpValue {
  if (a.masked) return a.masks[i] ?? 0;
  const f = ODP_KEY_FIELDS[a.attr][i];
  if (f === undefined) return 0;
  return f.kind === "in6" ? (1n << 128n) - 1n : 2 ** f.bits - 1;
}

function applySet(pkt: Layer[], a: OdpSetAction, unsupported: string[]): void {
  if (a.attr === "skb_priority" || a.attr === "skb_mark") return; // metadata, not packet bytes
  if (a.attr === "nd") {
    const icmp = pkt.find((l) => l.cls === "icmpv6");
    const nd = icmp === undefined ? null : sub(icmp, "data");
    if (nd === null) return;
    nd.f.set("dst", masked(num(nd, "dst"), a.values[0] ?? 0n, fieldMask(a, 0)));
    const opt = sub(nd, "option");
    const optIndex = opt?.cls === "nd_option_sla" ? 1 : opt?.cls === "nd_option_tla" ? 2 : -1;
    if (opt !== null && optIndex > 0) opt.f.set("hw_src", masked(num(opt, "hw_src"), a.values[optIndex] ?? 0, fieldMask(a, optIndex)));
    return;
  }
  const t = SET_TARGETS[a.attr];
  const layer = t === undefined ? undefined : pkt.find((l) => t.classes.includes(l.cls));
  if (t === undefined || layer === undefined) {
    unsupported.push(`set(${a.attr}) on a packet without that header`);
    return;
  }
  t.fields.forEach((name, i) => {
    if (name === null) return;
    const m = fieldMask(a, i);
    if (m === 0 || m === 0n) return;
    layer.f.set(name, masked(num(layer, name), a.values[i] ?? 0, m));
  });
}

function pushVlan(pkt: Layer[], tpid: number, tci: number): void {
  const eth = pkt[0];
  if (eth?.cls !== "ethernet") return;
  const f = new Map<string, FieldValue>([
    ["pcp", BigInt((tci >>> 13) & 7)],
    // The datapath writes the TCI without OVS's "present" bit (eth_push_vlan).
    ["cfi", 0n],
    ["vid", BigInt(tci & 0xfff)],
    ["ethertype", num(eth, "ethertype")],
  ]);
  pkt.splice(1, 0, { cls: tpid === 0x88a8 ? "svlan" : "vlan", f });
  eth.f.set("ethertype", BigInt(tpid));
}

function popVlan(pkt: Layer[]): void {
  const eth = pkt[0];
  const v = pkt[1];
  if (eth?.cls !== "ethernet" || v === undefined || (v.cls !== "vlan" && v.cls !== "svlan")) return;
  eth.f.set("ethertype", num(v, "ethertype"));
  pkt.splice(1, 1);
}

/** Index of the first layer after Ethernet and VLAN headers (where an MPLS label stack starts). */
function l25Index(pkt: Layer[]): number {
  let i = 1;
  while (pkt[i]?.cls === "vlan" || pkt[i]?.cls === "svlan") i++;
  return i;
}

function mplsLayer(lse: number): Layer {
  return {
    cls: "mpls",
    f: new Map<string, FieldValue>([
      ["label", BigInt(lse >>> 12)],
      ["exp", BigInt((lse >>> 9) & 7)],
      ["bsb", BigInt((lse >>> 8) & 1)],
      ["ttl", BigInt(lse & 0xff)],
    ]),
  };
}

/** push_mpls: a label stack entry after the Ethernet and VLAN headers; the header before it gets the ethertype. */
function pushMpls(pkt: Layer[], lse: number, ethertype: number): void {
  if (pkt[0]?.cls !== "ethernet") return;
  const i = l25Index(pkt);
  pkt[i - 1]?.f.set("ethertype", BigInt(ethertype));
  pkt.splice(i, 0, mplsLayer(lse));
}

function popMpls(pkt: Layer[], ethertype: number): void {
  const i = l25Index(pkt);
  if (pkt[0]?.cls !== "ethernet" || pkt[i]?.cls !== "mpls") return;
  pkt[i - 1]?.f.set("ethertype", BigInt(ethertype));
  pkt.splice(i, 1);
}

function setMpls(pkt: Layer[], lse: number, unsupported: string[]): void {
  const i = l25Index(pkt);
  if (pkt[0]?.cls !== "ethernet" || pkt[i]?.cls !== "mpls") {
    unsupported.push("set(mpls) on a packet without that header");
    return;
  }
  pkt[i] = mplsLayer(lse);
}

/** What the executor asks its datapath: whether meter `id` drops this packet. */
export interface ExecHooks {
  readonly meterDrops?: (id: number, packet: readonly Layer[]) => boolean;
  /**
   * `recirc(N)`: the packet goes through the datapath again with recirc_id N
   * and the `hash(...)` met before it (null: none); what it emits is added.
   */
  readonly recirc?: (id: number, packet: Layer[], hash: { readonly alg: "l4" | "sym_l4"; readonly basis: number } | null, out: ExecResult) => void;
}

function run(actions: readonly OdpAction[], pkt: Layer[], out: ExecResult, hooks: ExecHooks): void {
  let hash: { readonly alg: "l4" | "sym_l4"; readonly basis: number } | null = null;
  for (const a of actions) {
    switch (a.type) {
      case "output":
        out.emitted.push({ kind: "output", port: a.port, packet: cloneLayers(pkt) });
        break;
      case "userspace":
        if (a.cookie?.kind === "controller") out.emitted.push({ kind: "controller", port: 0, packet: cloneLayers(pkt) });
        break;
      case "push_vlan":
        pushVlan(pkt, a.tpid, a.tci);
        break;
      case "pop_vlan":
        popVlan(pkt);
        break;
      case "push_mpls":
        pushMpls(pkt, a.lse, a.ethertype);
        break;
      case "pop_mpls":
        popMpls(pkt, a.ethertype);
        break;
      case "set_mpls":
        setMpls(pkt, a.lse, out.unsupported);
        break;
      case "set":
        applySet(pkt, a, out.unsupported);
        break;
      case "clone":
        run(a.actions, cloneLayers(pkt), out, hooks);
        break;
      case "meter":
        // A meter that drops the packet ends its actions (dp_netdev_run_meter).
        if (hooks.meterDrops?.(a.id, pkt) === true) return;
        break;
      case "hash":
        hash = { alg: a.alg, basis: a.basis };
        break;
      case "recirc":
        if (hooks.recirc === undefined) out.unsupported.push(a.type);
        else hooks.recirc(a.id, cloneLayers(pkt), hash, out);
        break;
      case "trunc":
      case "drop":
        break;
      default:
        out.unsupported.push(a.type);
    }
  }
}

/** Runs `actions` on a copy of `packet`. */
export function executeOdp(actions: readonly OdpAction[], packet: readonly Layer[], hooks: ExecHooks = {}): ExecResult {
  const out: ExecResult = { emitted: [], unsupported: [] };
  run(actions, cloneLayers(packet), out, hooks);
  return out;
}
