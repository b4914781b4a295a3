/**
 * What `netdev-dummy/receive` and `ofproto/trace` with a packet do with the
 * datapath actions of a packet's bytes: run them (src/datapath/odp-execute.ts)
 * on the bridge's datapath, with its meters (dp-meter.ts) at the world's
 * time; credit the tx counters of the ports the packets leave by, each with
 * its size as it leaves (VLAN, MPLS and tunnel headers, trunc); and send
 * every packet tnl_pop decapsulated or `recirc(N)` sent back through the
 * datapath again (on the tunnel vport with its tunnel metadata, or on the
 * same port with recirc_id N and its dp_hash), as dpif-netdev recirculates.
 * A packet a meter drops leaves by no port and counts nowhere but in the
 * meter's band.
 * Outputs go nowhere (a dummy port has no peer here). As OVS's
 * execute_actions_except_outputs, a trace runs the actions without their
 * outputs and recirculations, in clones too (`pruneOutputs`; its meters do
 * count the packet), but a decapsulated packet's own actions in full.
 * With a tap on the world (datapath-tap.ts) every packet leaving a port, and
 * every packet a userspace(controller) action sends up, is shown to it.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { XLATE_FLOW_WORDS, XM } from "../actions/xlate/odp-metadata.js";
import type { Bridge } from "../datapath/bridge.js";
import type { Datapath } from "../datapath/dpif.js";
import { DP_KEY_WORDS } from "../datapath/megaflow-cache.js";
import { odpExecute } from "../datapath/odp-execute.js";
import type { OdpRecirculation } from "../datapath/odp-execute.js";
import { extractFlow } from "../datapath/packet/extract.js";
import type { Packet } from "../datapath/packet/packet.js";
import type { FlowMember } from "../flowtable/flow-layout.js";
import { M, readMember, W, writeMember } from "../flowtable/flow-layout.js";
import { dpifOf } from "./appctl-dpif.js";
import { datapathTap } from "./datapath-tap.js";
import { worldVlanLimit } from "./appctl-trace.js";
import type { World } from "./world.js";

/** OVS's MAX_RECIRC_DEPTH. */
const MAX_RECIRC_DEPTH = 6;
const TUNNEL_METADATA: readonly FlowMember[] = [M.tunId, M.tunSrc, M.tunDst, M.tunFlags];

/** Credits the tx counters of the port of datapath `dp` numbered `odpPort` with one packet of `bytes`. */
function creditOutput(world: World, dp: Datapath, odpPort: number, bytes: number): void {
  for (const br of world.bridges.values()) {
    if (world.ofproto(br.name)?.datapath !== dp) continue;
    const p = br.ports().find((q) => q.odpPort === odpPort);
    if (p !== undefined) {
      p.stats.txPackets++;
      p.stats.txBytes += bytes;
      return;
    }
  }
}

/** OVS's prune_output_actions: no output or recirc, in clones too. */
function prune(actions: readonly OdpAction[]): OdpAction[] {
  const out: OdpAction[] = [];
  for (const a of actions) {
    if (a.type === "clone") out.push({ ...a, actions: prune(a.actions) });
    else if (a.type !== "output" && a.type !== "recirc") out.push(a);
  }
  return out;
}

/** Runs `actions` on `packet` in `bridge`'s datapath; outputs are credited, recirculated packets go through it again. */
export function executeDatapathActions(world: World, bridge: Bridge, packet: Packet, actions: readonly OdpAction[], pruneOutputs: boolean, depth: number, inPort = 0): void {
  const dp = world.ofproto(bridge.name)?.datapath;
  if (dp === undefined) return;
  const tap = pruneOutputs ? undefined : datapathTap(world);
  const r = odpExecute(packet, pruneOutputs ? prune(actions) : actions, inPort, { meters: dp.meters, now: world.now });
  for (const o of r.outputs) {
    creditOutput(world, dp, o.odpPort, o.packet.size);
    tap?.output(dp, o.odpPort, o.packet);
  }
  if (tap !== undefined) {
    for (const u of r.upcalls) if (u.action.cookie?.kind === "controller") tap.controller(dp, u.packet, u.action.cookie);
  }
  for (const d of r.recirculations) recirculate(world, bridge, dp, d, depth + 1);
}

function recirculate(world: World, bridge: Bridge, dp: Datapath, d: OdpRecirculation, depth: number): void {
  if (depth > MAX_RECIRC_DEPTH) return;
  const flow = new Uint32Array(XLATE_FLOW_WORDS);
  extractFlow(d.packet, d.inPort, flow, worldVlanLimit(world));
  for (const m of TUNNEL_METADATA) writeMember(flow, m, readMember(d.metadata, m));
  const key = new Uint32Array(DP_KEY_WORDS);
  key.set(flow.subarray(0, DP_KEY_WORDS));
  key[W.IN_PORT] = d.inPort;
  key[XM.recircId.word] = d.recircId ?? 0;
  key[XM.dpHash.word] = d.packet.dpHash;
  const actions = dpifOf(world, dp).receive(key, d.packet.size, world.now);
  executeDatapathActions(world, bridge, d.packet, actions, false, depth, d.inPort);
}
