import type { Lesson } from "./lesson.js";

export const learn: Lesson = {
  id: "learn",
  title: "4. MAC learning by flows (learn)",
  text: [
    "The same learning switch as NORMAL, written in flows: table 0 learns, for each packet, a flow in table 10 that matches its source MAC as a destination and loads its input port into reg0; then table 10 is looked up for the destination, and table 2 floods when reg0 is still 0, else outputs to the port in reg0.",
    "Send the packet from p1 (it floods, and learn adds a flow to table 10: watch the counters and the flow list), then trace the reply from p2: it now goes to p1 only.",
  ],
  script: `ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1
ovs-vsctl add-port br0 p2 -- set Interface p2 type=dummy ofport_request=2
ovs-vsctl add-port br0 p3 -- set Interface p3 type=dummy ofport_request=3
ovs-ofctl del-flows br0
ovs-ofctl add-flow br0 "table=0,actions=learn(table=10,hard_timeout=300,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]),resubmit(,10),resubmit(,2)"
ovs-ofctl add-flow br0 "table=2,priority=50,reg0=0,actions=FLOOD"
ovs-ofctl add-flow br0 "table=2,priority=10,actions=output:NXM_NX_REG0[0..15]"
`,
  bridges: ["br0"],
  packet: { bridge: "br0", flow: "in_port=1,ip,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_ttl=64" },
  more: [{ bridge: "br0", flow: "in_port=2,ip,dl_src=00:00:00:00:00:02,dl_dst=00:00:00:00:00:01,nw_src=10.0.0.2,nw_dst=10.0.0.1,nw_ttl=64" }],
};
