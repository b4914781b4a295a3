/**
 * How a simulated host executes datapath actions on packet bytes: the
 * `DatapathExecute` function a Host is given: `odpExecuteWithPop` (the
 * default) runs the datapath's executor (OVS's odp_execute_actions with
 * native tunnels: tnl_push / tnl_pop, src/datapath/odp-execute*.ts);
 * `basicExecute` covers what L2 and VLAN provider networking need: output,
 * push_vlan, pop_vlan, set(eth), clone, trunc, drop, and userspace (ignored:
 * no controller). Any other action throws UnsupportedDatapathAction, so a
 * scenario that needs more says so instead of silently dropping.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import type { Datapath } from "../datapath/dpif.js";
import { Packet } from "../datapath/packet/packet.js";
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

function copy(p: Packet): Packet {
  return new Packet(p.data().slice());
}

function pushVlan(p: Packet, tpid: number, tci: number): Packet {
  const b = p.data();
  const out = new Uint8Array(b.length + 4);
  out.set(b.subarray(0, 12), 0);
  out[12] = tpid >>> 8;
  out[13] = tpid & 0xff;
  // The datapath TCI carries the CFI ("present") bit; on the wire it is DEI, cleared.
  out[14] = (tci >>> 8) & 0xef;
  out[15] = tci & 0xff;
  out.set(b.subarray(12), 16);
  return new Packet(out);
}

function popVlan(p: Packet): Packet {
  const b = p.data();
  const type = b.length >= 18 ? ((b[12] ?? 0) << 8) | (b[13] ?? 0) : 0;
  if (type !== 0x8100 && type !== 0x88a8) return p;
  const out = new Uint8Array(b.length - 4);
  out.set(b.subarray(0, 12), 0);
  out.set(b.subarray(16), 12);
  return new Packet(out);
}

function setMac(b: Uint8Array, ofs: number, value: number | bigint, mask: number | bigint): void {
  const v = BigInt(value);
  const m = BigInt(mask);
  for (let i = 0; i < 6; i++) {
    const shift = BigInt(8 * (5 - i));
    const mb = Number((m >> shift) & 0xffn);
    const vb = Number((v >> shift) & 0xffn);
    b[ofs + i] = ((b[ofs + i] ?? 0) & ~mb) | (vb & mb);
  }
}

function run(p: Packet, actions: readonly OdpAction[], out: ExecuteOutput[]): Packet {
  let pkt = p;
  let trunc = -1;
  for (const a of actions) {
    switch (a.type) {
      case "output": {
        const copyOut = copy(pkt);
        if (trunc >= 0 && copyOut.size > trunc) copyOut.size = trunc;
        trunc = -1;
        out.push({ port: a.port, packet: copyOut });
        break;
      }
      case "push_vlan":
        pkt = pushVlan(pkt, a.tpid, a.tci);
        break;
      case "pop_vlan":
        pkt = popVlan(pkt);
        break;
      case "set":
        if (a.attr === "skb_priority" || a.attr === "skb_mark") break;
        if (a.attr !== "eth") throw new UnsupportedDatapathAction(formatOdpActions([a]));
        {
          const b = pkt.data();
          const full = 0xffffffffffff;
          setMac(b, 6, a.values[0] ?? 0, a.masked ? (a.masks[0] ?? 0) : full);
          setMac(b, 0, a.values[1] ?? 0, a.masked ? (a.masks[1] ?? 0) : full);
        }
        break;
      case "clone":
        run(copy(pkt), a.actions, out);
        break;
      case "trunc":
        trunc = a.maxLen;
        break;
      case "drop":
        return pkt;
      case "userspace":
        break;
      default:
        throw new UnsupportedDatapathAction(formatOdpActions([a]));
    }
  }
  return pkt;
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
  const unhandled = r.unhandled.filter((u) => u !== "userspace");
  if (unhandled.length > 0) throw new UnsupportedDatapathAction(`${unhandled.join(", ")} in ${formatOdpActions(actions)}`);
  for (const d of r.recirculations) ctx.recirculate(d.packet, d.inPort, d.metadata, d.recircId ?? 0);
  return r.outputs.map((o) => ({ port: o.odpPort, packet: o.packet }));
};

/** The simulation's own executor for L2 / VLAN networking (see the file comment). */
export const basicExecute: DatapathExecute = (packet, actions) => {
  const out: ExecuteOutput[] = [];
  run(packet, actions, out);
  return out;
};
