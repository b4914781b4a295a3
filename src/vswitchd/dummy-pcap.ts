/**
 * Packet captures of dummy netdevs (lib/netdev-dummy.c): an Interface of a
 * dummy (or, with --enable-dummy=system, system) type with `options:pcap=FILE`
 * appends every packet it receives and sends to FILE; `options:rxq_pcap` and
 * `options:tx_pcap` split the two directions. OVS's converted tests read
 * those files with `ovs-ofctl parse-pcap` and `ovs-pcap`.
 *
 * Design. The switch is a library (no file system in a browser): packets
 * captured are kept here per file name, as frames, until whoever runs the
 * switch takes them (`take`) and appends them to the files, relative to
 * ovs-vswitchd's working directory (src/utilities/pcap-file-append.ts). The
 * options are read from the port when each packet passes, so a change of
 * them applies from the next packet, as OVS reopens the files on
 * reconfiguration.
 */
import type { BridgePort } from "../datapath/bridge-port.js";
import type { Packet } from "../datapath/packet/packet.js";
import type { CapturedFrame } from "../datapath/pcap.js";

/**
 * Frames kept per file until taken: a script that never takes them (a
 * library user with capture options set) keeps at most this many, the
 * oldest dropped first.
 */
export const MAX_PENDING_FRAMES = 65_536;

/** Frames to append to one capture file. */
export interface PcapAppend {
  /** The file name as the option gave it (relative to ovs-vswitchd's directory). */
  readonly path: string;
  readonly frames: readonly CapturedFrame[];
}

function isDummy(port: BridgePort): boolean {
  return port.netdevType.startsWith("dummy") || port.netdevType === "system";
}

/** Per packet: most ports have no options at all, so that test comes first. */
function captures(port: BridgePort): boolean {
  return port.options.size !== 0 && isDummy(port);
}

export class DummyPcapFiles {
  private readonly pending = new Map<string, CapturedFrame[]>();

  private add(path: string | undefined, packet: Packet, nowMs: number): void {
    if (path === undefined || path === "") return;
    let frames = this.pending.get(path);
    if (frames === undefined) {
      frames = [];
      this.pending.set(path, frames);
    }
    frames.push({ atUs: Math.round(nowMs * 1000), bytes: packet.data().slice() });
    if (frames.length > MAX_PENDING_FRAMES) frames.shift();
  }

  /** A packet `port` received (netdev_dummy_queue_packet). */
  received(port: BridgePort, packet: Packet, nowMs: number): void {
    if (captures(port)) this.add(port.options.get("pcap") ?? port.options.get("rxq_pcap"), packet, nowMs);
  }

  /** A packet sent on `port` (netdev_dummy_send). */
  sent(port: BridgePort, packet: Packet, nowMs: number): void {
    if (captures(port)) this.add(port.options.get("pcap") ?? port.options.get("tx_pcap"), packet, nowMs);
  }

  /**
   * The frames captured since the last call, per file, in the order they
   * passed; and every file `ports` name in their options, with no frames if
   * none passed: OVS creates a capture file (its header) when the option is
   * set, before any packet.
   */
  take(ports: Iterable<BridgePort>): PcapAppend[] {
    for (const port of ports) {
      if (!isDummy(port)) continue;
      for (const key of ["pcap", "rxq_pcap", "tx_pcap"]) {
        const path = port.options.get(key);
        if (path !== undefined && path !== "" && !this.pending.has(path)) this.pending.set(path, []);
      }
    }
    const out = [...this.pending].map(([path, frames]) => ({ path, frames }));
    this.pending.clear();
    return out;
  }
}
