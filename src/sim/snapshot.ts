/**
 * A snapshot of a simulation (issue 14): its hosts — each one's switch
 * (src/vswitchd/snapshot.ts), IP stack (NICs, routes, ARP cache, frames
 * waiting for a next hop) and what is plugged into its ports — the
 * underlay segments (their members in plug order, MAC tables, counters),
 * the VM endpoints (ARP caches, ping state, frames received) and the
 * virtual clock, as plain JSON data. `Simulation.saveSnapshot` /
 * `Simulation.loadSnapshot` (simulation.ts) use it.
 *
 * What is not data is not saved: the event loop's pending events are
 * closures (a frame on its way through a segment, a VIF's latency), so a
 * snapshot is taken when the loop is idle and refused otherwise (run the
 * loop, or let 10 ms pass, first); a capture running (a PcapCapture on a
 * port, NIC or segment) is refused too. The structure is rebuilt on load
 * in the saved order — hosts, segments, then each segment's members in
 * the order they were plugged (a flood on a segment reaches its members
 * in that order), endpoints — and the data put back.
 *
 * The Endpoint and UnderlaySegment classes (src/datapath) hand over the
 * state they keep private (an endpoint's next ICMP ident and the replies it
 * saw: `pingState`; a segment's MAC table: `fdbEntries`) and take it back.
 */
import type { Endpoint } from "../datapath/endpoint.js";
import type { SwitchSnapshot } from "../vswitchd/snapshot.js";
import { SnapshotError } from "../vswitchd/snapshot.js";
import { parseHexBytes, toHex } from "../datapath/packet/packet.js";
import type { IpStackSnapshot } from "./ip-stack.js";

/** A host: its switch, IP stack, and what is plugged into its ports. */
export interface HostSnapshot {
  readonly name: string;
  readonly kernelDatapath: boolean;
  readonly vifLatencyUs: number;
  /** Frames output to a port with nothing attached, counted by the host (Host.nUnattached's share). */
  readonly capturedUnattached: number;
  readonly switch: SwitchSnapshot;
  readonly ip: IpStackSnapshot;
  /** Ports the IP stack holds an address on (`addBridgeNic`), in plug order. */
  readonly stackPorts: readonly string[];
}

/** A segment: its members in plug order, its MAC table, its counter. */
export interface SegmentSnapshot {
  readonly name: string;
  readonly mode: "switch" | "hub";
  readonly latencyUs: number;
  readonly nFrames: number;
  /** "port": an OVS port of the host's switch; "nic": a NIC of its IP stack. */
  readonly members: readonly { readonly host: string; readonly port: string; readonly kind: "port" | "nic" }[];
  /** "VLAN MAC" → member index. */
  readonly fdb: readonly (readonly [string, number])[];
}

/** A VM endpoint: where it is plugged and what it remembers. */
export interface EndpointSnapshot {
  readonly name: string;
  readonly host: string;
  readonly port: string;
  readonly mac: number;
  readonly ip: number;
  readonly arpRetransmit: boolean;
  /** IPv4 → MAC, in learning order. */
  readonly arpCache: readonly (readonly [number, number])[];
  /** The next ping's ICMP ident. */
  readonly nextIdent: number;
  /** Echo replies seen: "ident/seq" → arrival (µs). */
  readonly replies: readonly (readonly [string, number])[];
  /** Every frame received: arrival (µs) and hex bytes. */
  readonly received: readonly (readonly [number, string])[];
}

/** A simulation as plain JSON data. */
export interface SimSnapshot {
  /** The event loop's clock, µs. */
  readonly clockUs: number;
  /** Events processed and storms cut since the loop was created (EventLoop counters). */
  readonly processed: number;
  readonly stormsCut: number;
  /** When the last revalidator round ran (ms). */
  readonly lastRevalidateMs: number;
  readonly arpRetransmit: boolean;
  readonly hosts: readonly HostSnapshot[];
  readonly segments: readonly SegmentSnapshot[];
  readonly endpoints: readonly EndpointSnapshot[];
}

/** The endpoint's saved state. */
export function saveEndpoint(ep: Endpoint, host: string, port: string): EndpointSnapshot {
  const { nextIdent, replies } = ep.pingState();
  return {
    name: ep.name,
    host,
    port,
    mac: ep.mac,
    ip: ep.ip,
    arpRetransmit: ep.arpRetransmit,
    arpCache: [...ep.arpCache],
    nextIdent,
    replies: [...replies],
    received: ep.received.map((f) => [f.atUs, toHex(f.bytes)] as const),
  };
}

/** Puts back the state of a new endpoint (built with the saved name, MAC, IP and port). */
export function loadEndpoint(ep: Endpoint, s: EndpointSnapshot): void {
  ep.arpRetransmit = s.arpRetransmit;
  for (const [ip, mac] of s.arpCache) ep.arpCache.set(ip, mac);
  ep.restorePingState({ nextIdent: s.nextIdent, replies: s.replies });
  for (const [atUs, hex] of s.received) ep.received.push({ atUs, bytes: parseHexBytes(hex).bytes });
}

/** Runs `fn`; a SnapshotError it throws about a part of a document (its paths from `$`) is said again under `path`. */
export function underPath<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    const own = e.path === "$" ? e.message : e.message.slice(e.path.length + 2);
    throw new SnapshotError(own, `${path}${e.path.slice(1)}`);
  }
}
