/**
 * `ovs-appctl dpif-dummy/change-port-number DP PORT NUMBER` (lib/dpif-netdev.c
 * dpif_dummy_change_port_number): a dummy datapath's port takes another
 * number, as if the datapath had renumbered it; ofproto follows (the
 * OpenFlow port keeps its number, its datapath port changes: translation
 * outputs to the new number, megaflows are revalidated).
 *
 * Errors are OVS's: "unknown datapath or not a dummy" (DP is the datapath's
 * name, `ovs-dummy`, of the dummy class), "unknown port", "bad port number"
 * (0 or ODPP_NONE; NUMBER is read with atoi), "port number already in use".
 */
import { strtoll10 } from "../flowtable/c-strto.js";
import type { Switch } from "./switch.js";

const ODPP_NONE = 0xffffffff;

/** Renumbers the port; null, or OVS's error. */
export function changeDummyPortNumber(sw: Switch, dpName: string, portName: string, number: string): string | null {
  const dp = sw.vswitchd.openDatapaths().find((d) => d.name === dpName && d.isDummy);
  if (dp === undefined) return "unknown datapath or not a dummy";
  const port = dp.port(portName);
  if (port === undefined) return "unknown port";
  // u32_to_odp(atoi(...)): an int, then its 32 bits.
  const n = Number(BigInt.asUintN(32, BigInt.asIntN(32, strtoll10(number))));
  if (n === 0 || n === ODPP_NONE) return "bad port number";
  if (dp.portByNumber(n) !== undefined) return "port number already in use";
  sw.datapaths.pushStats(sw.now);
  dp.renumberPort(portName, n);
  for (const rt of sw.vswitchd.runtimes()) {
    if (rt.datapath !== dp) continue;
    for (const live of rt.ports.values()) if (live.dpPortName === portName) rt.ports.set(live.name, { ...live, odpPort: n });
  }
  // ofproto hears of it (port_seq): its ports follow the datapath's.
  sw.commit(sw.db);
  return null;
}
