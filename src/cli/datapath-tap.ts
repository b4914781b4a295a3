/**
 * Watching what leaves the datapaths of an `ovsim run` world, packet by
 * packet, as bytes: each packet output on a datapath port, and each packet
 * a `userspace(pid=0,controller(...))` action sends up to ovs-vswitchd (the
 * packet a packet-in carries). The Ryu corpus runner is the wire behind the
 * ports and the controller connection; nothing else taps a world.
 *
 *   setDatapathTap(world, { output: (dp, port, p) => ..., controller: (dp, p, cookie) => ... });
 *
 * Both come from the executor (src/datapath/odp-execute.ts: outputs and
 * upcalls, the packet at a userspace action as the actions before it made
 * it, trunc included, as dp_netdev_execute_actions hands it to its upcall).
 */
import type { UserspaceCookie } from "../actions/xlate/odp-userspace.js";
import type { Datapath } from "../datapath/dpif.js";
import type { Packet } from "../datapath/packet/packet.js";
import type { World } from "./world.js";

export type ControllerCookie = Extract<UserspaceCookie, { readonly kind: "controller" }>;

export interface DatapathTap {
  /** A packet leaves datapath `dp` by its port `odpPort`, as it leaves (headers pushed, trunc applied). */
  output(dp: Datapath, odpPort: number, packet: Packet): void;
  /** A packet goes up to ovs-vswitchd for a packet-in (`cookie`: reason, max_len, ...). */
  controller(dp: Datapath, packet: Packet, cookie: ControllerCookie): void;
}

const TAPS = new WeakMap<World, DatapathTap>();

/** Installs (or with null removes) the tap of `world`'s datapaths. */
export function setDatapathTap(world: World, tap: DatapathTap | null): void {
  if (tap === null) TAPS.delete(world);
  else TAPS.set(world, tap);
}

export function datapathTap(world: World): DatapathTap | undefined {
  return TAPS.get(world);
}
