/**
 * l2population's fdb entries on the wire, and the flat form a cloud file
 * writes them in.
 *
 * The wire form (neutron's l2pop rpc.py, the agent's add_fdb_entries /
 * remove_fdb_entries): by network id, the network's type and segment, then
 * by remote tunnel IP the [mac, ip] pairs there, the flooding entry
 * `00:00:00:00:00:00` / `0.0.0.0` among them. The file's `l2pop_fdb_*`
 * steps list entries flat; `fdbWireFormat` groups them exactly as the
 * oracle does: file order, a network's type and segment taken from its first
 * entry. `flattenFdb` is the inverse (for messages and tests).
 */
import type { FdbEntries, FdbNetworkEntries } from "../agent/rpc.js";
import type { CloudFdbEntry } from "./cloud-types.js";
import { FLOODING_IP, FLOODING_MAC } from "./cloud-types.js";

type MutableNetwork = { networkType: string; segmentationId: number; ports: Map<string, (readonly [string, string])[]> };

/** Flat entries -> `{network_id: {network_type, segment_id, ports: {remote_ip: [[mac, ip]...]}}}`. */
export function fdbWireFormat(entries: readonly CloudFdbEntry[]): FdbEntries {
  // Maps while grouping: network ids and IPs are the file's, and may be any string.
  const wire = new Map<string, MutableNetwork>();
  for (const e of entries) {
    let n = wire.get(e.networkId);
    if (n === undefined) wire.set(e.networkId, (n = { networkType: e.networkType, segmentationId: e.segmentationId, ports: new Map() }));
    let pairs = n.ports.get(e.remoteIp);
    if (pairs === undefined) n.ports.set(e.remoteIp, (pairs = []));
    pairs.push([e.mac, e.ip]);
  }
  return Object.fromEntries([...wire].map(([id, n]) => [id, { networkType: n.networkType, segmentationId: n.segmentationId, ports: Object.fromEntries(n.ports) }]));
}

/** Wire form -> flat entries (flooding entries marked), in wire order. */
export function flattenFdb(entries: FdbEntries): CloudFdbEntry[] {
  const out: CloudFdbEntry[] = [];
  for (const [networkId, n] of Object.entries(entries)) {
    for (const [remoteIp, pairs] of Object.entries(n.ports)) {
      for (const [mac, ip] of pairs) {
        out.push({ networkId, remoteIp, networkType: n.networkType, segmentationId: n.segmentationId, mac, ip, floodingEntry: mac === FLOODING_MAC && ip === FLOODING_IP });
      }
    }
  }
  return out;
}

/** The entries without those for `ip` (what an agent does first with every message: its own IP is not a remote). */
export function withoutIp(entries: FdbEntries, ip: string | null): FdbEntries {
  const out: [string, FdbNetworkEntries][] = [];
  for (const [net, n] of Object.entries(entries)) {
    const ports = Object.fromEntries(Object.entries(n.ports).filter(([remote]) => remote !== ip));
    if (Object.keys(ports).length > 0) out.push([net, { ...n, ports }]);
  }
  return Object.fromEntries(out);
}

/** One line per entry, for logs: `add NET vxlan/1001 192.0.2.9 fa:16:3e:0a:09:01 10.1.0.9`. */
export function formatFdb(method: string, entries: FdbEntries): string[] {
  return flattenFdb(entries).map((e) => `${method} ${e.networkId} ${e.networkType}/${e.segmentationId} ${e.remoteIp} ${e.mac} ${e.ip}`);
}
