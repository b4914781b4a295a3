import type { Lesson } from "./lesson.js";

export const vlans: Lesson = {
  id: "vlans",
  title: "2. VLAN access and trunk ports",
  text: [
    "p1 and p4 are access ports of VLAN 10 (tag=10), p2 an access port of VLAN 20, p3 a trunk carrying VLANs 10 and 20. NORMAL keeps the VLANs apart.",
    "A broadcast from p1 reaches p4 untagged and the trunk p3 tagged with VLAN 10 (push_vlan in the datapath actions), never p2. Try the tagged frame from the trunk: VLAN 20 goes to p2 only, its tag popped.",
  ],
  script: `ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 p1 tag=10 -- set Interface p1 type=dummy ofport_request=1
ovs-vsctl add-port br0 p2 tag=20 -- set Interface p2 type=dummy ofport_request=2
ovs-vsctl add-port br0 p3 trunks=10,20 -- set Interface p3 type=dummy ofport_request=3
ovs-vsctl add-port br0 p4 tag=10 -- set Interface p4 type=dummy ofport_request=4
`,
  bridges: ["br0"],
  packet: { bridge: "br0", flow: "in_port=1,arp,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10.0.0.1,arp_tpa=10.0.0.4,arp_op=1" },
  more: [{ bridge: "br0", flow: "in_port=3,dl_vlan=20,arp,dl_src=00:00:00:00:00:03,dl_dst=ff:ff:ff:ff:ff:ff,arp_spa=10.0.1.3,arp_tpa=10.0.1.2,arp_op=1" }],
};
