/**
 * netdev-dummy's packet connections (lib/netdev-dummy.c, `dummy_packet_conn`): a dummy
 * interface with `options:pstream=punix:PATH` listens on PATH (PASSIVE), one with
 * `options:stream=unix:PATH` connects to it (ACTIVE), and from then on every frame one of
 * them sends is received by the other, as if a cable joined them. OVS runs the link over a
 * Unix socket; ovsim keeps it in process: PATH only names the link (compared as written, so
 * `unix:p1.sock` and `unix:$OVS_RUNDIR/p1.sock` are two links, where OVS resolves a
 * relative path in its run directory).
 *
 * - An ACTIVE end is "connected" while a PASSIVE end listens on its PATH, else
 *   "disconnected"; a PASSIVE end or one without a stream option is "unknown"
 *   (`netdev-dummy/conn-state`, dummy_netdev_get_conn_state).
 * - A PASSIVE end sends each frame to every ACTIVE end connected to it; an ACTIVE end to its
 *   listener. The link ignores the ends' admin state (netdev_dummy_send does), as OVS's.
 * - Delivery is asynchronous, as OVS's socket is: a frame sent while a packet's actions run
 *   is queued and received after they finish (`drain`), in the order sent.
 * - Two bridges joined twice without a bond loop frames forever in OVS; ovsim delivers at
 *   most MAX_LINK_FRAMES frames per drain and drops the rest (counted in `nDropped`).
 *
 * The options are read from the interfaces as configured now, so the links follow the
 * config DB without state of their own beyond the queue.
 */
import type { Bridge } from "../datapath/bridge.js";
import type { BridgePort } from "../datapath/bridge-port.js";
import { Packet } from "../datapath/packet/packet.js";

/** Frames delivered over links in one drain at most: a frame loop (two unbonded links) stops here. */
export const MAX_LINK_FRAMES = 10000;

/** What netdev-dummy/conn-state prints for one end. */
export type DummyConnState = "connected" | "disconnected" | "unknown";

/** What the links need of their switch. */
export interface DummyStreamOwner {
  bridges(): Iterable<Bridge>;
  /** The current config DB version: the linked ports are indexed once per version (outputs are a hot path). */
  version(): object;
  /** A frame arrives on `port` of `bridge` (the packet path's receive). */
  receive(bridge: Bridge, port: BridgePort, packet: Packet): void;
}

interface QueuedFrame {
  readonly to: string;
  readonly bytes: Uint8Array;
}

/** A dummy netdev's connection type and the PATH it names (dummy_packet_conn_set_config). */
function endOf(port: BridgePort): { readonly kind: "passive" | "active"; readonly path: string } | null {
  const type = port.netdevType;
  if (!type.startsWith("dummy") && type !== "system") return null;
  const p = port.options.get("pstream");
  if (p !== undefined && p.startsWith("punix:")) return { kind: "passive", path: p.slice(6) };
  const s = port.options.get("stream");
  if (s !== undefined && s.startsWith("unix:")) return { kind: "active", path: s.slice(5) };
  return null;
}

export class DummyStreams {
  /** Frames dropped past MAX_LINK_FRAMES. */
  nDropped = 0;
  private queue: QueuedFrame[] = [];
  private draining = false;
  /** The linked dummy ports by name, with their ends, for `indexedFor`'s DB version. */
  private index = new Map<string, { bridge: Bridge; port: BridgePort; kind: "passive" | "active"; path: string }>();
  private indexedFor: object | null = null;

  constructor(private readonly owner: DummyStreamOwner) {}

  /** The linked dummy ports of every bridge (bridge then port order), re-indexed when the DB changed. */
  private linked(): Map<string, { bridge: Bridge; port: BridgePort; kind: "passive" | "active"; path: string }> {
    const v = this.owner.version();
    if (this.indexedFor === v) return this.index;
    this.index = new Map();
    for (const bridge of this.owner.bridges()) {
      for (const port of bridge.ports()) {
        const end = endOf(port);
        if (end !== null) this.index.set(port.name, { bridge, port, ...end });
      }
    }
    this.indexedFor = v;
    return this.index;
  }

  /** The ends joined to the port named `name` (empty: none, or not a linked dummy port). */
  peers(name: string): Array<{ bridge: Bridge; port: BridgePort }> {
    const all = this.linked();
    const end = all.get(name);
    if (end === undefined) return [];
    const want = end.kind === "passive" ? "active" : "passive";
    const peers = [...all.values()].filter((o) => o.kind === want && o.path === end.path);
    // An ACTIVE end connects to one listener.
    return end.kind === "active" ? peers.slice(0, 1) : peers;
  }

  /** `netdev-dummy/conn-state` of `port`. */
  connState(port: BridgePort): DummyConnState {
    const end = endOf(port);
    if (end === null || end.kind === "passive") return "unknown";
    return this.peers(port.name).length > 0 ? "connected" : "disconnected";
  }

  /** A frame leaves the port named `name`: queued for its peers. False when the port is linked to nothing. */
  send(name: string, bytes: Uint8Array): boolean {
    const peers = this.peers(name);
    if (peers.length === 0) return false;
    for (const p of peers) this.queue.push({ to: p.port.name, bytes });
    return true;
  }

  /** Delivers the queued frames (and those their delivery sends), oldest first. Re-entrant calls return at once. */
  drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      let n = 0;
      while (this.queue.length > 0) {
        const f = this.queue.shift() as QueuedFrame;
        if (++n > MAX_LINK_FRAMES) {
          this.nDropped += this.queue.length + 1;
          this.queue = [];
          break;
        }
        const dest = this.linked().get(f.to);
        // The bridge's port object as of now (a port renumbered without a DB change is a new object).
        const port = dest?.bridge.portByName(f.to);
        if (dest === undefined || port === undefined) continue;
        this.owner.receive(dest.bridge, port, new Packet(f.bytes));
      }
    } finally {
      this.draining = false;
    }
  }
}
