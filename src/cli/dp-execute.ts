/**
 * What `netdev-dummy/receive` and `ofproto/trace` with a packet do with the
 * datapath actions of a packet's bytes: run them (src/datapath/odp-execute.ts)
 * and send every packet tnl_pop decapsulated through the datapath again, on
 * the tunnel vport with its tunnel metadata (OVS's recirculation after
 * tnl_pop in dpif-netdev), crediting the tx counters of the ports the inner
 * packet goes out of.
 * Outputs go nowhere (a dummy port has no peer here). As OVS's
 * execute_actions_except_outputs, a trace runs the actions without their
 * top-level outputs (`pruneOutputs`), but a decapsulated packet's own
 * actions in full.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import type { Bridge } from "../datapath/bridge.js";
import { DP_KEY_WORDS } from "../datapath/megaflow-cache.js";
import { odpExecute } from "../datapath/odp-execute.js";
import type { OdpRecirculation } from "../datapath/odp-execute.js";
import { extractFlow } from "../datapath/packet/extract.js";
import type { Packet } from "../datapath/packet/packet.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { M, readMember, W, writeMember } from "../flowtable/flow-layout.js";
import { dpifOf } from "./appctl-dpif.js";
import { worldVlanLimit } from "./appctl-trace.js";
import type { World } from "./world.js";

/** OVS's MAX_RECIRC_DEPTH. */
const MAX_RECIRC_DEPTH = 6;
const TUNNEL_METADATA: readonly FlowMember[] = [M.tunId, M.tunSrc, M.tunDst, M.tunFlags];

/** Credits tx counters of the ports the actions output to (length changes with VLAN pushes and pops). */
export function creditOutputs(world: World, bridge: Bridge, actions: readonly OdpAction[], bytes: number): void {
  const dp = world.ofproto(bridge.name)?.datapath;
  let len = bytes;
  for (const a of actions) {
    if (a.type === "push_vlan") len += 4;
    else if (a.type === "pop_vlan") len -= 4;
    else if (a.type === "clone") creditOutputs(world, bridge, a.actions, len);
    else if (a.type === "output") {
      for (const br of world.bridges.values()) {
        if (world.ofproto(br.name)?.datapath !== dp) continue;
        const p = br.ports().find((q) => q.odpPort === a.port);
        if (p !== undefined) {
          p.stats.txPackets++;
          p.stats.txBytes += len;
          break;
        }
      }
    }
  }
}


function prune(actions: readonly OdpAction[]): OdpAction[] {
  return actions.filter((a) => a.type !== "output" && a.type !== "recirc");
}

/** Runs `actions` on `packet` in `bridge`'s datapath; decapsulated packets go through it again. */
export function executeDatapathActions(world: World, bridge: Bridge, packet: Packet, actions: readonly OdpAction[], pruneOutputs: boolean, depth: number, inPort = 0): void {
  const r = odpExecute(packet, pruneOutputs ? prune(actions) : actions, inPort);
  for (const d of r.recirculations) recirculate(world, bridge, d, depth + 1);
}

function recirculate(world: World, bridge: Bridge, d: OdpRecirculation, depth: number): void {
  if (depth > MAX_RECIRC_DEPTH) return;
  const dp = world.ofproto(bridge.name)?.datapath;
  if (dp === undefined) return;
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(d.packet, d.inPort, flow, worldVlanLimit(world));
  for (const m of TUNNEL_METADATA) writeMember(flow, m, readMember(d.metadata, m));
  const key = new Uint32Array(DP_KEY_WORDS);
  key.set(flow.subarray(0, DP_KEY_WORDS));
  key[W.IN_PORT] = d.inPort;
  key[XM.recircId.word] = d.recircId ?? 0;
  key[XM.dpHash.word] = d.packet.dpHash;
  const dpif = dpifOf(world, dp);
  const actions = dpif.receive(key, d.packet.size, world.now);
  creditOutputs(world, bridge, actions, d.packet.size);
  executeDatapathActions(world, bridge, d.packet, actions, false, depth, d.inPort);
}
