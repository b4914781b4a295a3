/**
 * A physical bridge (`bridge_mappings`: physnet → bridge; Neutron's native
 * `OVSPhysicalBridge`, openflow/native/br_phys.py). The operator creates it
 * and plugs the NIC; the agent makes it secure, patches it to br-int
 * (`phy-<br>` here, `int-<br>` there) and, per VLAN or flat network, turns
 * the local VLAN coming from br-int into the segment's VID (flat: untagged):
 *
 *   t0 p4 in_port=phy-<br>,dl_vlan=LVID → mod_vlan_vid:SEG (flat: strip), NORMAL
 *   t0 p2 in_port=phy-<br> drop   (drop_port: nothing else from br-int passes)
 *   t0 p0 NORMAL
 *
 * Without DVR only table 0 is used.
 */
import type { Switch } from "../vswitchd/switch.js";
import { LOCAL_SWITCHING, LOCAL_VLAN_TRANSLATION, PHY_BR_ALL_TABLES } from "./constants.js";
import { setVlanVid, vlanMatch } from "./br-int.js";
import { OpenFlowSwitch } from "./ofswitch.js";

export class PhysicalBridge extends OpenFlowSwitch {
  constructor(sw: Switch, brName: string, random: () => number, datapathType?: string) {
    super(sw, brName, random, PHY_BR_ALL_TABLES, datapathType);
  }

  setupDefaultTable(): void {
    this.installNormal();
  }

  /** provision_local_vlan: the local VLAN leaves as the segment (flat: untagged). */
  provisionLocalVlan(port: number, lvid: number, segmentationId: number | null, distributed = false): void {
    const actions = segmentationId === null ? ["pop_vlan"] : [setVlanVid(segmentationId)];
    this.installApplyActions([...actions, "NORMAL"], {
      table: distributed ? LOCAL_VLAN_TRANSLATION : LOCAL_SWITCHING,
      priority: 4,
      match: `in_port=${port},${vlanMatch(lvid)}`,
    });
  }

  reclaimLocalVlan(port: number, lvid: number): void {
    this.uninstallFlows({ match: `in_port=${port},${vlanMatch(lvid)}` });
  }
}
