import type { Lesson } from "./lesson.js";

export const acl: Lesson = {
  id: "acl",
  title: "3. A multi-table ACL with resubmit",
  text: [
    "Table 0 classifies by input port and resubmits to table 1, the ACL: ssh is dropped, the 10.0.0.0/24 network may pass to table 2, anything else is dropped. Table 2 forwards by destination MAC.",
    "Trace the web request: three tables, three highlighted rows. Then edit the ACL (say, drop tcp,tp_dst=80 too), press Apply and trace again; an error in a flow is shown at its place.",
  ],
  script: `ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 p1 -- set Interface p1 type=dummy ofport_request=1
ovs-vsctl add-port br0 p2 -- set Interface p2 type=dummy ofport_request=2
ovs-ofctl del-flows br0
ovs-ofctl add-flow br0 table=0,in_port=1,actions=resubmit(,1)
ovs-ofctl add-flow br0 table=0,in_port=2,actions=resubmit(,1)
ovs-ofctl add-flow br0 table=1,priority=100,tcp,tp_dst=22,actions=drop
ovs-ofctl add-flow br0 table=1,priority=50,ip,nw_src=10.0.0.0/24,actions=resubmit(,2)
ovs-ofctl add-flow br0 table=1,priority=0,actions=drop
ovs-ofctl add-flow br0 table=2,dl_dst=00:00:00:00:00:02,actions=output:2
ovs-ofctl add-flow br0 table=2,dl_dst=00:00:00:00:00:01,actions=output:1
`,
  bridges: ["br0"],
  packet: { bridge: "br0", flow: "in_port=1,tcp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.5,nw_dst=10.0.1.9,nw_ttl=64,tp_src=40000,tp_dst=80" },
  more: [{ bridge: "br0", flow: "in_port=1,tcp,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,nw_src=10.0.0.5,nw_dst=10.0.1.9,nw_ttl=64,tp_src=40000,tp_dst=22" }],
};
