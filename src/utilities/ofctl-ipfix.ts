/**
 * `ovs-ofctl dump-ipfix-bridge SWITCH` and `dump-ipfix-flow SWITCH`: the
 * NXST_IPFIX_BRIDGE / NXST_IPFIX_FLOW statistics requests (Nicira
 * extensions) and their replies as ofp-print prints them, from the bridge's
 * IPFIX exporters (src/vswitchd/ipfix.ts). A bridge without the exporter(s)
 * asked for answers OFPT_ERROR NXST_NOT_CONFIGURED, which ovs-ofctl prints
 * with the request on standard output and exits 0, as OVS 3.1 does.
 */
import type { Switch } from "../vswitchd/switch.js";
import { formatIpfixStats } from "../vswitchd/ipfix.js";
import type { IpfixStats } from "../vswitchd/ipfix.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { header } from "./ofctl-messages.js";
import type { OfVersion } from "./ofctl-messages.js";

/** The transaction id of a statistics request that is ovs-ofctl's first message. */
const XID = 2;

export function dumpIpfix(sw: Switch, bridge: string, kind: "bridge" | "flow", version: OfVersion): CommandResult {
  const name = kind === "bridge" ? "NXST_IPFIX_BRIDGE" : "NXST_IPFIX_FLOW";
  const di = sw.ipfixExporters.get(bridge);
  // The main loop's dpif_ipfix_run expires the caches before the request is handled.
  di?.run(sw.now);
  const stats = di?.stats(kind === "bridge") ?? null;
  if (stats === null) return output([`${header("OFPT_ERROR", version, XID)} NXST_NOT_CONFIGURED`, `${name} request${header("", version, XID)}`]);
  if (kind === "bridge") {
    const [first, second] = formatIpfixStats(stats as IpfixStats, 16);
    return output([`${name} reply${header("", version, XID)}`, `  bridge ipfix: ${first}`, second as string]);
  }
  const list = stats as readonly (readonly [number, IpfixStats])[];
  const lines = [`${name} reply${header("", version, XID)} ${list.length} ids`];
  for (const [id, s] of list) {
    const [first, second] = formatIpfixStats(s, 10);
    lines.push(`  id ${String(id).padStart(3)}: ${first}`, second as string);
  }
  return output(lines);
}
