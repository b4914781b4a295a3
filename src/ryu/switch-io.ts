/**
 * The Ryu tester's side of the switch under test, in bytes: a packet is sent
 * into port 1 as `ovs-appctl netdev-dummy/receive p1 HEX` delivers it (flow
 * extracted from the bytes, the datapath's megaflow cache or an upcall to
 * translation, the datapath actions executed on the bytes with the
 * datapath's meters, recirculation for select groups and after pop_mpls),
 * and what comes out is read off the datapath (the tap of src/vswitchd/packet-io.ts):
 * the packets leaving each port and the packets sent to the controller, in
 * the order the datapath emits them.
 *
 *   const io = new SwitchIo(sw, "br0", "p1");
 *   const events = io.send(bytes);     // [{ kind: "output", ofport: 2, bytes }, ...]
 *
 * A SwitchIo is the switch's one datapath tap: create one per switch.
 */
import type { ControllerCookie } from "../vswitchd/packet-io.js";
import { findDummyPort } from "../vswitchd/netdev-dummy.js";
import type { Switch } from "../vswitchd/switch.js";
import { Packet } from "../datapath/packet/packet.js";

export type SwitchEvent =
  | { readonly kind: "output"; readonly ofport: number; readonly bytes: Uint8Array }
  | { readonly kind: "packet-in"; readonly bytes: Uint8Array; readonly cookie: ControllerCookie };

export class SwitchIoError extends Error {
  readonly code = "RYU_SWITCH_IO";
}

export class SwitchIo {
  private readonly sw: Switch;
  private readonly inPort: string;
  /** Datapath port -> OpenFlow port of the bridge. */
  private readonly ofports = new Map<number, number>();
  private events: SwitchEvent[] = [];

  constructor(sw: Switch, bridgeName: string, inPort: string) {
    this.sw = sw;
    this.inPort = inPort;
    const bridge = sw.bridge(bridgeName);
    if (bridge === undefined) throw new SwitchIoError(`no bridge ${bridgeName}`);
    for (const p of bridge.ports()) if (p.odpPort !== null) this.ofports.set(p.odpPort, p.ofport);
    const dp = sw.ofproto(bridgeName)?.datapath;
    sw.io.setTap({
      output: (d, odpPort, packet) => {
        // The executor never edits bytes once handed out (copy-on-write): the view stays valid.
        if (d === dp) this.events.push({ kind: "output", ofport: this.ofports.get(odpPort) ?? -1, bytes: packet.data() });
      },
      controller: (d, packet, cookie) => {
        if (d === dp) this.events.push({ kind: "packet-in", bytes: packet.data(), cookie });
      },
    });
  }

  /** Sends `bytes` (not modified) into the switch's input port (or `netdev`); returns what came out, in order. */
  send(bytes: Uint8Array, netdev: string = this.inPort): SwitchEvent[] {
    this.events = [];
    const found = findDummyPort(this.sw, netdev);
    if (found === undefined) throw new SwitchIoError(`${netdev} is not a dummy port`);
    this.sw.io.receive(found.bridge, found.port, new Packet(bytes));
    // netdev-dummy/receive also records each packet's datapath actions for
    // tests to read; drained here, the record stays short over a throughput run.
    this.sw.io.takeReceived();
    const out = this.events;
    this.events = [];
    return out;
  }
}
