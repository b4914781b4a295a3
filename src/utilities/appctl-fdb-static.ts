/**
 * `ovs-appctl fdb/add BRIDGE PORT VLAN MAC` and `fdb/del BRIDGE VLAN MAC`
 * (ofproto/ofproto-dpif.c ofproto_unixctl_fdb_add / _delete): static MAC
 * entries in a bridge's MAC table (src/datapath/mac-learning.ts).
 *
 * - PORT is a port's name (the bridge's own name for its local port); a
 *   name the bridge lacks is OVS's "software error, odp port is present but
 *   no ofp port". VLAN is read as C's atoi into a uint16 (so junk is VLAN 0).
 * - fdb/add replaces an existing entry for (MAC, VLAN) and says so, naming the
 *   old entry's kind and port number, unless it already was static on PORT.
 * - fdb/del removes only a static entry; a dynamic or missing one is
 *   "could not find static mac entry".
 */
import { parseMac } from "../datapath/mac-learning.js";
import { OFPP_LOCAL } from "../flowtable/ports.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import type { Switch } from "../vswitchd/switch.js";

/** C's atoi, stored in a uint16_t as OVS does with the VLAN argument. */
function vlanArg(s: string): number {
  const n = parseInt(s, 10);
  return (Number.isNaN(n) ? 0 : n) & 0xffff;
}

function portName(ofport: number): string {
  return ofport === OFPP_LOCAL ? "LOCAL" : String(ofport);
}

export function fdbAdd(sw: Switch, [brName = "", port = "", vlanText = "", macText = ""]: readonly string[]): CommandResult {
  const br = sw.bridge(brName);
  if (!br) return serverError("no such bridge");
  const mac = parseMac(macText);
  if (mac === null) return serverError("bad MAC address");
  const ofport = port === br.name ? OFPP_LOCAL : br.portByName(port)?.ofport;
  if (ofport === undefined) return serverError("software error, odp port is present but no ofp port");
  const vlan = vlanArg(vlanText);
  const table = br.macTable;
  table.run(sw.now);
  const old = table.mayLearn(mac, vlan) ? table.entry(mac, vlan) : undefined;
  const lines: string[] = [];
  if (old && (old.port !== ofport || !old.isStatic)) {
    lines.push(`Overriding already existing ${old.isStatic ? "static" : "dynamic"} entry on ${portName(old.port)}`);
  }
  table.addStatic(mac, vlan, ofport);
  return output(lines);
}

export function fdbDel(sw: Switch, [brName = "", vlanText = "", macText = ""]: readonly string[]): CommandResult {
  const br = sw.bridge(brName);
  if (!br) return serverError("no such bridge");
  const mac = parseMac(macText);
  if (mac === null) return serverError("bad MAC address");
  br.macTable.run(sw.now);
  if (!br.macTable.delStatic(mac, vlanArg(vlanText))) return serverError("could not find static mac entry");
  return output([]);
}

