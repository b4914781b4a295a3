/**
 * Interface MTUs (vswitchd/bridge.c iface_set_mtu, ofproto/ofproto.c
 * update_mtu / update_mtu_ofproto / find_min_mtu): what the Interface table's
 * `mtu` column reports.
 *
 * - An interface with `mtu_request` gets that MTU, and its MTU is the user's
 *   (netdev_mtu_user_config); without one it keeps the MTU its netdev has
 *   (1500 when opened) and is no longer the user's.
 * - The bridge's minimum is the smallest MTU among its ports that are not
 *   "overridden", 1500 (ETH_PAYLOAD_MAX) when there is none. An overridden
 *   port is an internal (or patch) one whose MTU is not the user's: the
 *   bridge's own port without `mtu_request`, typically.
 * - When the minimum changes, every overridden port takes it (up or down); an
 *   overridden port that changes (opened, or its `mtu_request` removed) is
 *   lowered to the minimum when above it.
 * - Patch and tunnel ports have no MTU (netdev_get_mtu fails): they neither
 *   count nor get one.
 *
 * The state this needs: each open port's MTU and whether it is the user's
 * (LivePort `mtu`, `userMtu`), and each bridge's last minimum
 * (BridgeRuntime `minMtu`, 0 before the first).
 */
import type { BridgeRuntime, LivePort } from "./config-db-vswitchd.js";
import { isTunnelType } from "./dpif.js";

/** ETH_PAYLOAD_MAX: a netdev's MTU when opened, and the minimum of a bridge without ports that count. */
export const DEFAULT_MTU = 1500;

const INTERNAL_NETDEV_TYPES = new Set(["internal", "dummy-internal", "tap"]);

/** Whether the port has an MTU at all (not a patch or tunnel port). */
export function hasMtu(p: LivePort): boolean {
  return p.type !== "patch" && !isTunnelType(p.type);
}

function overridden(p: LivePort): boolean {
  return (p.type === "internal" || INTERNAL_NETDEV_TYPES.has(p.netdevType)) && p.userMtu !== true;
}

/**
 * Brings `rt`'s port MTUs up to date after a reconfiguration: `request` is each open
 * interface's `mtu_request` (null: none).
 */
export function updateMtus(rt: BridgeRuntime, request: (name: string) => number | null): void {
  const changed = new Set<string>();
  for (const p of [...rt.ports.values()]) {
    if (!hasMtu(p)) continue;
    const want = request(p.name);
    const mtu = want ?? p.mtu ?? DEFAULT_MTU;
    const userMtu = want !== null;
    if (p.mtu === undefined || mtu !== p.mtu || userMtu !== (p.userMtu === true)) changed.add(p.name);
    rt.ports.set(p.name, { ...p, mtu, userMtu });
  }
  let min = 0;
  for (const p of rt.ports.values()) {
    if (!hasMtu(p) || overridden(p)) continue;
    const mtu = p.mtu ?? DEFAULT_MTU;
    if (min === 0 || mtu < min) min = mtu;
  }
  if (min === 0) min = DEFAULT_MTU;
  const minChanged = min !== rt.minMtu;
  rt.minMtu = min;
  for (const p of [...rt.ports.values()]) {
    if (!hasMtu(p) || !overridden(p)) continue;
    const mtu = p.mtu ?? DEFAULT_MTU;
    if (minChanged || (changed.has(p.name) && mtu > min)) rt.ports.set(p.name, { ...p, mtu: min });
  }
}
