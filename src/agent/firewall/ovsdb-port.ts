/**
 * What the firewall reads of br-int's ports from OVSDB (ovs_lib's
 * get_vif_port_by_id / get_vifs_by_ids / get_port_ofport, and firewall.py's
 * get_*_from_other_config), through the Switch API.
 *
 * A VIF is an Interface of the bridge whose external_ids carry `iface-id`
 * (the Neutron port id, as os-vif plugs it); its MAC is
 * external_ids:attached-mac, its ofport the Interface's. What the agent
 * decided for the port it wrote into the Port's other_config when it bound
 * it: `tag` (the local VLAN: the firewall reads this, not the Port's tag
 * column), `network_type`, `physical_network`, `segmentation_id`. A port
 * without other_config:tag is not bound (a patch port): the firewall leaves
 * it alone.
 */
import type { Switch } from "../../vswitchd/switch.js";

export interface VifPort {
  /** The Interface (and Port) name. */
  readonly portName: string;
  readonly ofport: number;
  /** The Neutron port id (external_ids:iface-id). */
  readonly vifId: string;
  /** external_ids:attached-mac. */
  readonly vifMac: string;
}

function stringMap(v: unknown): Readonly<Record<string, string>> {
  return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, string>) : {};
}

/** The VIFs of `bridge` by iface-id (the ports vswitchd opened: an ofport of -1 is no VIF here). */
export function vifPortsOf(sw: Switch, bridge: string): Map<string, VifPort> {
  const out = new Map<string, VifPort>();
  for (const p of sw.ports(bridge)) {
    const ids = stringMap(sw.get("Interface", p.name, "external_ids"));
    const id = ids["iface-id"];
    const mac = ids["attached-mac"];
    const ofport = sw.ofport(p.name);
    if (id === undefined || mac === undefined || ofport === undefined || ofport <= 0) continue;
    if (!out.has(id)) out.set(id, { portName: p.name, ofport, vifId: id, vifMac: mac });
  }
  return out;
}

/** get_vif_port_by_id: the VIF of port `portId` on `bridge`, or null. */
export function vifPortById(sw: Switch, bridge: string, portId: string): VifPort | null {
  return vifPortsOf(sw, bridge).get(portId) ?? null;
}

/** The Port's other_config ({} when the port has none, or is gone). */
export function portOtherConfig(sw: Switch, portName: string): Readonly<Record<string, string>> {
  try {
    return stringMap(sw.get("Port", portName, "other_config"));
  } catch {
    return {};
  }
}

/** get_tag_from_other_config: the local VLAN the agent bound the port to, or null (OVSFWTagNotFound). */
export function tagOf(otherConfig: Readonly<Record<string, string>>): number | null {
  const t = otherConfig["tag"];
  return t !== undefined && /^-?\d+$/.test(t.trim()) ? Number(t) : null;
}

/** get_segmentation_id_from_other_config: a VLAN network's segmentation id, else null. */
export function segmentationIdOf(otherConfig: Readonly<Record<string, string>>): number | null {
  const s = otherConfig["segmentation_id"];
  return otherConfig["network_type"] === "vlan" && s !== undefined && /^-?\d+$/.test(s.trim()) ? Number(s) : null;
}

/** get_port_ofport: an Interface's ofport, or null when there is no such interface or it failed to open. */
export function portOfport(sw: Switch, name: string): number | null {
  const o = sw.ofport(name);
  return o === undefined || o < 0 ? null : o;
}

/** OVSBridge.is_hw_offload_enabled: Open_vSwitch other_config:hw-offload=true. */
export function hwOffloadEnabled(sw: Switch): boolean {
  try {
    return (stringMap(sw.get("Open_vSwitch", ".", "other_config"))["hw-offload"] ?? "").toLowerCase() === "true";
  } catch {
    return false;
  }
}

/** OVSBridge.add_protocols: adds to the Bridge's protocols those it lacks (one transaction, none when nothing lacks). */
export function addProtocols(sw: Switch, bridge: string, protocols: readonly string[]): void {
  const have = sw.get("Bridge", bridge, "protocols");
  const existing = Array.isArray(have) ? have.map(String) : typeof have === "string" ? [have] : [];
  const diff = protocols.filter((p) => !existing.includes(p));
  if (diff.length > 0) sw.set("Bridge", bridge, "protocols", [...existing, ...diff]);
}
