/**
 * br-tun, the tunnel bridge (Neutron's native `OVSTunnelBridge`,
 * openflow/native/br_tun.py): local VLANs from br-int's patch go out as
 * tunnel ids; tunnel ids from remote hosts come back as local VLANs.
 *
 *   t0   p1 in_port=patch-int → 2; p1 in_port=TUNNEL → 3/4/6 (by type); p0 drop
 *   t2   [p1 arp,broadcast → 21] p0 unicast → 20, p0 multicast → 22
 *   t3/4/6  p1 tun_id=SEG → push the local VLAN, goto 10; p0 drop
 *   t10  p1 learn(table=20,hard_timeout=300,priority=1,cookie=COOKIE, ...)
 *        — a reverse unicast flow per source MAC seen from a tunnel — then
 *        output to patch-int
 *   t20  p2 dl_vlan,dl_dst → strip, tun_id, output TUNNEL (l2pop unicast); p0 → 22
 *   t21  p1 arp,dl_vlan,arp_tpa → an ARP reply made in place, IN_PORT; p0 → 22
 *   t22  p1 dl_vlan → strip, tun_id, output each flood tunnel; p0 drop
 *
 * The learn action carries the bridge's cookie, so that learned flows are
 * the agent's too (cleanup_flows spares them, and a new agent's cleanup
 * removes the old ones).
 */
import type { Switch } from "../vswitchd/switch.js";
import {
  ARP_RESPONDER,
  FLOOD_TO_TUN,
  LEARN_FROM_TUN,
  DVR_NOT_LEARN,
  PATCH_LV_TO_TUN,
  TUN_BR_ALL_TABLES,
  TUN_TABLE,
  TUNNEL_NETWORK_TYPES,
  UCAST_TO_TUN,
} from "./constants.js";
import { setVlanVid, vlanMatch } from "./br-int.js";
import { cookieText, OpenFlowSwitch } from "./ofswitch.js";

export class TunnelBridge extends OpenFlowSwitch {
  constructor(sw: Switch, brName: string, random: () => number, datapathType?: string) {
    super(sw, brName, random, TUN_BR_ALL_TABLES, datapathType);
  }

  /** setup_default_table. */
  setupDefaultTable(patchIntOfport: number, arpResponderEnabled: boolean): void {
    this.installGoto(PATCH_LV_TO_TUN, { priority: 1, match: `in_port=${patchIntOfport}` });
    this.installDrop();
    if (arpResponderEnabled) {
      this.installGoto(ARP_RESPONDER, { table: PATCH_LV_TO_TUN, priority: 1, match: "arp,dl_dst=ff:ff:ff:ff:ff:ff" });
    }
    this.installGoto(UCAST_TO_TUN, { table: PATCH_LV_TO_TUN, match: "dl_dst=00:00:00:00:00:00/01:00:00:00:00:00" });
    this.installGoto(FLOOD_TO_TUN, { table: PATCH_LV_TO_TUN, match: "dl_dst=01:00:00:00:00:00/01:00:00:00:00:00" });
    for (const type of TUNNEL_NETWORK_TYPES) this.installDrop({ table: TUN_TABLE.get(type)! });
    const learn =
      `learn(table=${UCAST_TO_TUN},hard_timeout=300,priority=1,cookie=${cookieText(this.defaultCookie)},` +
      "NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[]," +
      "load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[])";
    this.installApplyActions([learn, `output:${patchIntOfport}`], { table: LEARN_FROM_TUN, priority: 1 });
    this.installGoto(FLOOD_TO_TUN, { table: UCAST_TO_TUN });
    if (arpResponderEnabled) this.installGoto(FLOOD_TO_TUN, { table: ARP_RESPONDER });
    this.installDrop({ table: FLOOD_TO_TUN });
  }

  /** provision_local_vlan: the segment's tun_id becomes the local VLAN, then learning. */
  provisionLocalVlan(networkType: string, lvid: number, segmentationId: number, distributed = false): void {
    const dest = distributed ? DVR_NOT_LEARN : LEARN_FROM_TUN;
    this.installInstructions(`push_vlan:0x8100,${setVlanVid(lvid)},goto_table:${dest}`, {
      table: TUN_TABLE.get(networkType)!,
      priority: 1,
      match: `tun_id=${segmentationId}`,
    });
  }

  reclaimLocalVlan(networkType: string, segmentationId: number): void {
    this.uninstallFlows({ table: TUN_TABLE.get(networkType)!, match: `tun_id=${segmentationId}` });
  }

  /** install_flood_to_tun: the VLAN's broadcasts go out to `ports`, in the order given (the flow is replaced whole). */
  installFloodToTun(vlan: number, tunId: number, ports: Iterable<number>): void {
    const actions = ["pop_vlan", `set_field:${tunId}->tun_id`];
    for (const p of ports) actions.push(`output:${p}`);
    this.installApplyActions(actions, { table: FLOOD_TO_TUN, priority: 1, match: vlanMatch(vlan) });
  }

  deleteFloodToTun(vlan: number): void {
    this.uninstallFlows({ table: FLOOD_TO_TUN, match: vlanMatch(vlan) });
  }

  /** install_unicast_to_tun: a known remote MAC goes to its host's tunnel. */
  installUnicastToTun(vlan: number, tunId: number, port: number, mac: string): void {
    this.installApplyActions(["pop_vlan", `set_field:${tunId}->tun_id`, `output:${port}`], {
      table: UCAST_TO_TUN,
      priority: 2,
      match: `${vlanMatch(vlan)},dl_dst=${mac}`,
    });
  }

  /** delete_unicast_to_tun: one MAC's flow, or (mac null) every unicast flow of the VLAN. */
  deleteUnicastToTun(vlan: number, mac: string | null): void {
    this.uninstallFlows({ table: UCAST_TO_TUN, match: mac === null ? vlanMatch(vlan) : `${vlanMatch(vlan)},dl_dst=${mac}` });
  }

  /** install_arp_responder: an ARP request for `ip` on the VLAN is answered in place with `mac`. */
  installArpResponder(vlan: number, ip: string, mac: string): void {
    const actions = [
      "set_field:2->arp_op",
      "move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[]",
      "move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[]",
      `set_field:${mac}->arp_sha`,
      `set_field:${ip}->arp_spa`,
      "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
      `set_field:${mac}->eth_src`,
      "IN_PORT",
    ];
    this.installApplyActions(actions, { table: ARP_RESPONDER, priority: 1, match: `arp,${vlanMatch(vlan)},arp_tpa=${ip}` });
  }

  /** delete_arp_responder: one IP's responder, or (ip null) all of the VLAN's. */
  deleteArpResponder(vlan: number, ip: string | null): void {
    this.uninstallFlows({ table: ARP_RESPONDER, match: ip === null ? `arp,${vlanMatch(vlan)}` : `arp,${vlanMatch(vlan)},arp_tpa=${ip}` });
  }

  /** setup_tunnel_port: traffic from the tunnel goes to its type's table. */
  setupTunnelPort(networkType: string, port: number): void {
    this.installGoto(TUN_TABLE.get(networkType)!, { priority: 1, match: `in_port=${port}` });
  }

  /** cleanup_tunnel_port: every flow matching the tunnel's in_port. */
  cleanupTunnelPort(port: number): void {
    this.uninstallFlows({ match: `in_port=${port}` });
  }
}
