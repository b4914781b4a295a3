/**
 * Which OpenFlow tables a packet is looked up in, and whether each lookup
 * matched: what Ryu's table-miss check reads from the switch's table stats
 * (lookup_count, matched_count). ovsim keeps no OpenFlow table stats, so the
 * lookups come from what `ofproto/trace br0 in_port=1 HEX` shows for the
 * packet's bytes: a translation without side effects of the flow extracted
 * from them, and of each recirculated pass (select groups, pop_mpls), the
 * packet being run through the datapath actions up to the `recirc(N)` (its
 * dp_hash included) as the datapath does. Meters are not run: a trace does
 * not consume their buckets.
 */
import type { TraceNode } from "../actions/xlate/trace.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import { xlate } from "../actions/xlate/xlate.js";
import type { Switch } from "../vswitchd/switch.js";
import { odpExecute } from "../datapath/odp-execute.js";
import { extractFlow } from "../datapath/packet/extract.js";
import { Packet } from "../datapath/packet/packet.js";

/** OVS's MAX_RECIRC_DEPTH. */
const MAX_RECIRC_DEPTH = 6;

/** Table id -> whether each lookup in it matched, in order. */
export type TableLookups = Map<number, boolean[]>;

function collect(nodes: readonly TraceNode[], out: TableLookups): void {
  for (const n of nodes) {
    if (n.type === "table") {
      const m = /^\s*(\d+)\. (.*)$/.exec(n.text);
      if (m !== null) {
        const id = Number(m[1]);
        const l = out.get(id) ?? [];
        l.push(!(m[2] ?? "").startsWith("No match"));
        out.set(id, l);
      }
    }
    collect(n.subs, out);
  }
}

/** The table lookups of `bytes` arriving on OpenFlow port `ofport` of `bridgeName` (datapath port `odpPort`). */
export function tableLookups(sw: Switch, bridgeName: string, ofport: number, odpPort: number, bytes: Uint8Array): TableLookups {
  const bridge = sw.xlateBridge(bridgeName);
  const out: TableLookups = new Map();
  if (bridge === undefined) return out;
  const pass = (packet: Packet, recirc: { readonly id: number; readonly dpHash: number } | null, depth: number): void => {
    const flow = new Uint32Array(XLATE_FLOW_WORDS);
    extractFlow(packet, ofport, flow, sw.vlanLimit());
    if (recirc !== null) {
      flow[XM.recircId.word] = recirc.id;
      flow[XM.dpHash.word] = recirc.dpHash;
    }
    const r = xlate(bridge, flow, { trace: true, allowSideEffects: false, now: sw.now, recircIds: sw.recircIds });
    collect(r.trace, out);
    if (depth >= MAX_RECIRC_DEPTH) return;
    for (const d of odpExecute(packet, r.odpActions, odpPort).recirculations) {
      if (d.recircId !== undefined && d.recircId !== 0) pass(d.packet, { id: d.recircId, dpHash: d.packet.dpHash }, depth + 1);
    }
  };
  pass(new Packet(bytes.slice()), null, 0);
  return out;
}
