/**
 * An OpenFlow packet-out (OVS's handle_packet_out in ofproto/ofproto.c, then
 * ofproto-dpif's packet_xlate / packet_execute): a controller hands the bridge
 * a packet, an input port and actions to run on it.
 *
 * 1. The switch checks the actions as a flow_mod's (ofproto_check_ofpacts: a
 *    group or meter they name must exist, else OFPBAC_BAD_OUT_GROUP /
 *    OFPMMFC_INVALID_METER and nothing happens).
 * 2. The flow: the request's pipeline metadata (in_port; with OpenFlow 1.5,
 *    registers, metadata and tunnel fields) under the fields extracted from the
 *    bytes (ofproto_packet_out_init: flow_union_with_miniflow).
 * 3. Translation of the given actions in place of a table 0 lookup (xin->ofpacts,
 *    in_packet_out): rules reached by `table` / resubmit are credited with the
 *    packet (OVS pushes the xlate cache's stats), learn installs its flows, NORMAL
 *    learns, output to CONTROLLER is a packet-in with reason packet_out.
 * 4. The datapath executes the actions on the bytes (dpif_execute): no datapath
 *    flow is installed and no datapath hit or miss counted; the input port's rx
 *    counters do not move. The packet's datapath in_port is that of the
 *    OpenFlow in_port (OFPP_NONE counts as LOCAL, ofproto_dpif_set_packet_odp_port);
 *    OFPP_CONTROLLER has none (ODPP_NONE). A recirculation goes through the
 *    datapath as any (upcall.ts finds the bridge of a packet-out's frozen state).
 */
import type { ActionList } from "../actions/action-types.js";
import { missingResource } from "../actions/flow-actions.js";
import { XLATE_FLOW_WORDS } from "../actions/xlate/odp-metadata.js";
import { xlate } from "../actions/xlate/xlate.js";
import { extractFlow } from "../datapath/packet/extract.js";
import type { Packet } from "../datapath/packet/packet.js";
import { OpenFlowError } from "../flowtable/errors.js";
import { FLOW_WORDS, tunnelDstIsSet } from "../flowtable/flow-layout.js";
import type { Match } from "../flowtable/match.js";
import { OFPP_LOCAL, OFPP_NONE } from "../flowtable/ports.js";
import type { Switch } from "./switch.js";

/** The datapath's "no port" (ODPP_NONE). */
const ODPP_NONE = 0xffffffff;

/** A packet-out as the switch decoded it (OVS's struct ofputil_packet_out). */
export interface PacketOut {
  /** The OpenFlow input port: a port number, OFPP_LOCAL, OFPP_NONE or OFPP_CONTROLLER. */
  readonly inPort: number;
  readonly packet: Packet;
  readonly actions: ActionList;
  /** Pipeline fields besides in_port (registers, metadata, tunnel), as only OpenFlow 1.5 carries them. */
  readonly metadata?: Match;
}

/** Runs packet-out `po` on bridge `bridgeName` of `sw`. Throws OpenFlowError with the ofperr the switch answers. */
export function packetOut(sw: Switch, bridgeName: string, po: PacketOut): void {
  const br = sw.bridge(bridgeName);
  if (br === undefined) throw new OpenFlowError("OFPBRC_BAD_PORT", `${bridgeName}: no such bridge`);
  const missing = missingResource(po.actions, { hasGroup: (id) => br.groupTable.has(id), hasMeter: (id) => br.meterTable.has(id) });
  if (missing !== null) throw new OpenFlowError(missing);
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(po.packet, po.inPort, flow, sw.vlanLimit());
  const md = po.metadata;
  if (md !== undefined) {
    for (let w = 0; w < FLOW_WORDS; w++) {
      const m = md.mask[w] ?? 0;
      if (m !== 0) flow[w] = (((flow[w] ?? 0) & ~m) | ((md.key[w] ?? 0) & m)) >>> 0;
    }
  }
  // Side effects in packet order: pending datapath stats first, as before an upcall.
  sw.datapaths.pushStats(sw.now);
  const size = po.packet.size;
  const r = xlate(br, flow, {
    actions: po.actions,
    inPacketOut: true,
    allowSideEffects: true,
    resubmitStats: { packets: 1, bytes: size },
    now: sw.now,
    recircIds: sw.recircIds,
    packetSize: size,
    log: sw.vlog.get("ofproto_dpif_xlate"),
  });
  for (const pin of r.packetIns) sw.bridge(pin.bridge)?.queuePacketIn(pin);
  const odpInPort = br.port(po.inPort === OFPP_NONE ? OFPP_LOCAL : po.inPort)?.odpPort ?? ODPP_NONE;
  sw.io.execute(br, po.packet, r.odpActions, false, 0, odpInPort, tunnelDstIsSet(flow) ? flow : null);
}
