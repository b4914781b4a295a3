/**
 * br-int, the integration bridge (Neutron's native `OVSIntegrationBridge`,
 * openflow/native/br_int.py): every VM port is plugged here, tagged with its
 * network's local VLAN; NORMAL switches within a VLAN; patch ports lead to
 * br-tun and to each physical bridge.
 *
 * Flows, all with the bridge's cookie (table numbers in constants.ts):
 * - default (`setupDefaultTable`): t23 p0 drop (the canary), t0 p0 goto 59,
 *   t59 p0 goto 60, t60 p3 NORMAL, t24 p0 drop, t0 p65535 dl_vlan=4095 drop
 *   (the dead VLAN), t62 p3 NORMAL, t30 p0 and t31 p0 goto 59;
 * - per physical network and local VLAN (`provisionLocalVlan`): t0 p3
 *   `in_port=int-<br>,dl_vlan=SEG` (flat: untagged) → set the local VLAN,
 *   goto 59;
 * - anti-spoofing for the noop firewall: t25 p2 `in_port,dl_src` goto 30 per
 *   allowed MAC and t0 p9 `in_port` goto 25; t24 p2 `icmp6 NA, nd_target`
 *   goto 59 and t0 p10 `icmp6,in_port,icmp_type=136` goto 24; t24 p2
 *   `arp,arp_spa` goto 25 and t0 p10 `arp,in_port` goto 24.
 *
 * The canary: OVS that restarts (or loses its flows) loses t23's drop flow;
 * `checkCanaryTable` seeing it gone is how the agent learns it must rebuild.
 */
import type { Switch } from "../vswitchd/switch.js";
import {
  ARP_SPOOF_TABLE,
  CANARY_TABLE,
  DEAD_VLAN_TAG,
  INT_BR_ALL_TABLES,
  LOCAL_EGRESS_TABLE,
  LOCAL_IP_TABLE,
  LOCAL_SWITCHING,
  MAC_SPOOF_TABLE,
  OFPVID_PRESENT,
  OPENFLOW_MAX_PRIORITY,
  OVS_DEAD,
  OVS_NORMAL,
  OVS_RESTARTED,
  PACKET_RATE_LIMIT,
  TRANSIENT_EGRESS_TABLE,
  TRANSIENT_TABLE,
} from "./constants.js";
import type { OvsStatus } from "./constants.js";
import { cidrForMatch, normalizeMac } from "./ip.js";
import { OpenFlowSwitch } from "./ofswitch.js";

/** The OpenFlow 1.3 text of a vlan_vid match: a VID, or untagged (OFPVID_NONE) for null. */
export function vlanMatch(vid: number | null): string {
  return vid === null ? "vlan_tci=0x0000/0x1fff" : `dl_vlan=${vid}`;
}

/** set_field of vlan_vid as OpenFlow 1.3 carries it (OFPVID_PRESENT | vid). */
export function setVlanVid(vid: number): string {
  return `set_field:${vid | OFPVID_PRESENT}->vlan_vid`;
}

/** The key=value fields of a match as dump-flows prints it. */
export function matchFields(match: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of match.split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) out.set(part.slice(0, eq), part.slice(eq + 1));
    else if (part !== "") out.set(part, "");
  }
  return out;
}

export class IntegrationBridge extends OpenFlowSwitch {
  constructor(sw: Switch, brName: string, random: () => number, datapathType?: string) {
    super(sw, brName, random, INT_BR_ALL_TABLES, datapathType);
  }

  /** setup_default_table (no OpenFlow DHCP: the dhcp extension is not loaded). */
  setupDefaultTable(): void {
    this.setupCanaryTable();
    this.installGoto(PACKET_RATE_LIMIT);
    this.installGoto(TRANSIENT_TABLE, { table: PACKET_RATE_LIMIT });
    this.installNormal({ table: TRANSIENT_TABLE, priority: 3 });
    this.installDrop({ table: ARP_SPOOF_TABLE });
    this.installDrop({ table: LOCAL_SWITCHING, priority: OPENFLOW_MAX_PRIORITY, match: vlanMatch(DEAD_VLAN_TAG) });
    this.installNormal({ table: TRANSIENT_EGRESS_TABLE, priority: 3 });
    this.installGoto(PACKET_RATE_LIMIT, { table: LOCAL_EGRESS_TABLE });
    this.installGoto(PACKET_RATE_LIMIT, { table: LOCAL_IP_TABLE });
  }

  setupCanaryTable(): void {
    this.installDrop({ table: CANARY_TABLE });
  }

  /** check_canary_table: NORMAL while the canary flow is there, RESTARTED when it is gone, DEAD when the bridge cannot be asked. */
  checkCanaryTable(): OvsStatus {
    try {
      return this.dumpFlows(CANARY_TABLE).length > 0 ? OVS_NORMAL : OVS_RESTARTED;
    } catch {
      return OVS_DEAD;
    }
  }

  /** provision_local_vlan: traffic from a physical bridge's patch with the segment's VID (flat: untagged) gets the local VLAN. */
  provisionLocalVlan(port: number, lvid: number, segmentationId: number | null): void {
    const actions = segmentationId === null ? ["push_vlan:0x8100", setVlanVid(lvid)] : [setVlanVid(lvid)];
    this.installInstructions([...actions, `goto_table:${PACKET_RATE_LIMIT}`].join(","), {
      priority: 3,
      match: `in_port=${port},${vlanMatch(segmentationId)}`,
    });
  }

  reclaimLocalVlan(port: number, segmentationId: number | null): void {
    this.uninstallFlows({ match: `in_port=${port},${vlanMatch(segmentationId)}` });
  }

  /** install_icmpv6_na_spoofing_protection: neighbour advertisements only for the port's addresses. */
  installIcmpv6NaSpoofingProtection(port: number, ipAddresses: Iterable<string>): void {
    for (const ip of ipAddresses) {
      this.installGoto(PACKET_RATE_LIMIT, {
        table: ARP_SPOOF_TABLE,
        priority: 2,
        match: `icmp6,in_port=${port},icmp_type=136,nd_target=${cidrForMatch(ip)}`,
      });
    }
    this.installGoto(ARP_SPOOF_TABLE, { table: LOCAL_SWITCHING, priority: 10, match: `icmp6,in_port=${port},icmp_type=136` });
  }

  /** set_allowed_macs_for_port: the port may send from these MACs only (or from any, `allowAll`). */
  setAllowedMacsForPort(port: number, macAddresses: Iterable<string> = [], allowAll = false): void {
    if (allowAll) {
      this.uninstallFlows({ table: LOCAL_SWITCHING, match: `in_port=${port}` });
      this.uninstallFlows({ table: MAC_SPOOF_TABLE, match: `in_port=${port}` });
      return;
    }
    const macs = [...macAddresses];
    for (const mac of macs) {
      this.installGoto(LOCAL_EGRESS_TABLE, { table: MAC_SPOOF_TABLE, priority: 2, match: `in_port=${port},dl_src=${mac}` });
    }
    const keep = new Set(macs.map(normalizeMac));
    for (const f of this.dumpFlows(MAC_SPOOF_TABLE)) {
      const m = matchFields(f.match);
      if (m.get("in_port") !== String(port)) continue;
      const src = m.get("dl_src") ?? m.get("eth_src");
      if (src === undefined || src === "") continue;
      if (!keep.has(normalizeMac(src))) this.uninstallFlows({ table: MAC_SPOOF_TABLE, match: `in_port=${port},dl_src=${src}` });
    }
    this.installGoto(MAC_SPOOF_TABLE, { table: LOCAL_SWITCHING, priority: 9, match: `in_port=${port}` });
  }

  /** install_arp_spoofing_protection: ARP only with the port's IPv4 addresses as sender. */
  installArpSpoofingProtection(port: number, ipAddresses: Iterable<string>): void {
    for (const ip of ipAddresses) {
      this.installGoto(MAC_SPOOF_TABLE, { table: ARP_SPOOF_TABLE, priority: 2, match: `arp,in_port=${port},arp_spa=${cidrForMatch(ip)}` });
    }
    this.installGoto(ARP_SPOOF_TABLE, { table: LOCAL_SWITCHING, priority: 10, match: `arp,in_port=${port}` });
  }

  /** delete_arp_spoofing_protection: table 0's ARP and NA redirects of the port, and its table-24 allow rules. */
  deleteArpSpoofingProtection(port: number): void {
    this.uninstallFlows({ table: LOCAL_SWITCHING, match: `arp,in_port=${port}` });
    this.uninstallFlows({ table: LOCAL_SWITCHING, match: `icmp6,in_port=${port},icmp_type=136` });
    this.deleteArpSpoofingAllowRules(port);
  }

  deleteArpSpoofingAllowRules(port: number): void {
    this.uninstallFlows({ table: ARP_SPOOF_TABLE, match: `in_port=${port}` });
  }
}
