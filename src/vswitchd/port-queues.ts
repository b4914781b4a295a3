/**
 * A bridge's queues as OpenFlow sees them (ofproto.c `handle_queue_stats_request`,
 * `handle_queue_get_config_request`): an OpenFlow port's queues are those its
 * netdev reports, not the Queue rows of the database.
 *
 * ovsim's netdevs are netdev-dummy's (the sandbox's `--enable-dummy=system`):
 * a dummy, dummy-internal or system device has exactly one queue, queue 0,
 * whatever QoS the port is given, with unknown counters (printed `?`) and no
 * creation time; tunnel and patch vports have none. A request for one queue
 * a port lacks is OFPQOFC_BAD_QUEUE; over every port (OFPP_ANY), it is an
 * error only when no port has that queue. A port the bridge lacks is
 * OFPQOFC_BAD_PORT. Ports are visited in the order of ofproto's port hmap
 * (`BridgeRuntime.portsInHashOrder`), the order of the replies.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import type { BridgeRuntime } from "../datapath/config-db-vswitchd.js";
import { OFPP_ALL, OFPP_NONE } from "../flowtable/ports.js";

/** OFPQ_ALL: every queue of a port. */
export const OFPQ_ALL = 0xffffffff;
/** OFPP_ANY (OpenFlow 1.0's OFPP_NONE): every port. */
export const OFPP_ANY = OFPP_NONE;

export type QueueError = "OFPQOFC_BAD_PORT" | "OFPQOFC_BAD_QUEUE";

/** One queue of one port (netdev-dummy knows no counters: they print as `?`). */
export interface PortQueue {
  readonly port: number;
  readonly queue: number;
}

export type QueueReply = { readonly ok: true; readonly queues: PortQueue[] } | { readonly ok: false; readonly error: QueueError };

const DUMMY_CLASSES = new Set(["system", "dummy", "dummy-internal", "dummy-pmd"]);

/** The queue ids a port's netdev has (netdev_dump_queues). */
export function netdevQueues(p: BridgePort): readonly number[] {
  return DUMMY_CLASSES.has(p.netdevType) ? [0] : [];
}

/**
 * The queues of `port` (OFPP_ANY: of every port) selected by `queue`
 * (OFPQ_ALL: all), as a queue stats or queue config request gets them.
 */
export function selectQueues(br: Bridge, rt: BridgeRuntime, port: number, queue: number): QueueReply {
  const forPort = (p: BridgePort, out: PortQueue[]): boolean => {
    const ids = netdevQueues(p);
    if (queue === OFPQ_ALL) {
      for (const q of ids) out.push({ port: p.ofport, queue: q });
      return true;
    }
    if (!ids.includes(queue)) return false;
    out.push({ port: p.ofport, queue });
    return true;
  };
  const queues: PortQueue[] = [];
  if (port === OFPP_ANY || port === OFPP_ALL) {
    let any = false;
    for (const live of rt.portsInHashOrder()) {
      const p = br.port(live.ofport);
      if (p && forPort(p, queues)) any = true;
    }
    return any ? { ok: true, queues } : { ok: false, error: "OFPQOFC_BAD_QUEUE" };
  }
  const p = br.port(port);
  if (!p) return { ok: false, error: "OFPQOFC_BAD_PORT" };
  return forPort(p, queues) ? { ok: true, queues } : { ok: false, error: "OFPQOFC_BAD_QUEUE" };
}

/** The bridge's ports in ofproto's port hmap order (a features reply's order). */
export function portsInHashOrder(br: Bridge, rt: BridgeRuntime): BridgePort[] {
  return rt.portsInHashOrder().flatMap((live) => br.port(live.ofport) ?? []);
}
