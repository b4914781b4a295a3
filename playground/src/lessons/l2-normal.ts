import type { Lesson } from "./lesson.js";

export const l2Normal: Lesson = {
  id: "l2-normal",
  title: "1. An L2 learning switch (NORMAL)",
  text: [
    "A new bridge has one flow: priority=0 actions=NORMAL. NORMAL is OVS's built-in learning switch: it learns which port each source MAC lives behind, and floods frames for destinations it has not learned yet.",
    "Trace the packet from p1 to 00:00:00:00:00:02: nothing is learned yet, so it is flooded to p2 and p3. Press Send, then trace the reply from p2: NORMAL has learned 00:00:00:00:00:01 on p1 and outputs to p1 only.",
    "Send the same packet twice: the second one is a megaflow cache hit, no upcall, no translation.",
  ],
  script: `ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1
ovs-vsctl add-port br0 p2 -- set Interface p2 type=dummy ofport_request=2
ovs-vsctl add-port br0 p3 -- set Interface p3 type=dummy ofport_request=3
`,
  bridges: ["br0"],
  packet: { bridge: "br0", flow: "in_port=1,ip,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64" },
  more: [{ bridge: "br0", flow: "in_port=2,ip,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01,nw_src=10.0.0.2,nw_dst=10.0.0.1,nw_ttl=64" }],
};
