/**
 * How a simulated host executes datapath actions on packet bytes: the
 * `DatapathExecute` function a Host is given. `odpExecuteWithPop` (the
 * default) runs the datapath's executor (OVS's odp_execute_actions with
 * native tunnels: tnl_push / tnl_pop, src/datapath/odp-execute*.ts); an
 * action it does not perform throws UnsupportedDatapathAction, so a scenario
 * that needs more says so instead of silently dropping. A caller may pass its
 * own executor (to count, log or fault-inject).
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import type { Datapath } from "../datapath/dpif.js";
import type { Packet } from "../datapath/packet/packet.js";
import { odpExecute } from "../datapath/odp-execute.js";
import { OvsimError } from "../flowtable/errors.js";

/** One packet leaving the datapath. */
export interface ExecuteOutput {
  /** Datapath port number. */
  readonly port: number;
  readonly packet: Packet;
}

/** What an executor may need of the host. */
export interface ExecuteContext {
  /** Virtual time, ms. */
  readonly now: number;
  readonly datapath: Datapath;
  /**
   * The packet goes through the datapath again (tnl_pop, recirc): it enters
   * on datapath port `inPort` with the tunnel fields (tun_id, tun_src,
   * tun_dst, tun_flags) of `metadata`, a flow key (null: none). Its outputs
   * are the host's business; the executor returns nothing for it.
   */
  readonly recirculate: (packet: Packet, inPort: number, metadata: Uint32Array | null, recircId?: number) => void;
  /** The datapath port the packet entered on (the in_port of `hash(...)` and `recirc(N)`). */
  readonly inPort?: number;
}

/** Executes `actions` on `packet` (which it may modify); returns the packets output, in order. */
export type DatapathExecute = (packet: Packet, actions: readonly OdpAction[], ctx: ExecuteContext) => readonly ExecuteOutput[];

/** A datapath action the simulation's executor does not model. */
export class UnsupportedDatapathAction extends OvsimError {
  readonly code = "UNSUPPORTED_DATAPATH_ACTION";
  readonly action: string;
  constructor(action: string) {
    super(`datapath action not supported by the simulation's executor: ${action}`);
    this.action = action;
  }
}

/**
 * The datapath's executor (src/datapath/odp-execute.ts: output, VLANs, set,
 * tnl_push, tnl_pop, clone, trunc, meter on the datapath's meters); each packet tnl_pop decapsulated goes
 * through the datapath again (`ctx.recirculate`, after the outputs);
 * userspace actions are ignored (no controller); any other action it leaves
 * unhandled throws UnsupportedDatapathAction.
 */
export const odpExecuteWithPop: DatapathExecute = (packet, actions, ctx) => {
  const r = odpExecute(packet, actions, ctx.inPort ?? 0, { meters: ctx.datapath.meters, now: ctx.now });
  if (r.unhandled.length > 0) throw new UnsupportedDatapathAction(`${r.unhandled.join(", ")} in ${formatOdpActions(actions)}`);
  for (const d of r.recirculations) ctx.recirculate(d.packet, d.inPort, d.metadata, d.recircId ?? 0);
  return r.outputs.map((o) => ({ port: o.odpPort, packet: o.packet }));
};
