import type { Lesson } from "./lesson.js";

/** One host's Neutron OVS agent (src/agent), built through a one-host cloud; the remote VM comes from l2population entries. */
export const neutron: Lesson = {
  id: "neutron",
  title: "5. Neutron's br-int / br-tun pipeline with the ARP responder",
  text: [
    "These flows were not written by hand: the Neutron OVS agent (its port in src/agent) built br-int and br-tun for a VM, web-1, on the VXLAN network blue (VNI 1001), as on an OpenStack compute node. l2population told it about a VM on another host, 10.1.0.99 behind 192.0.2.2.",
    "Trace web-1's ARP request for 10.1.0.99. br-int tags it with the local VLAN and sends it through the patch port to br-tun; br-tun's table 2 sends broadcast ARP to table 21, the ARP responder, which turns the request into the reply in place (set_field and move actions, the fields changing beside the trace) and sends it back IN_PORT into br-int, which delivers it: the request never leaves the host.",
    "Then trace a ping to 10.1.0.99: br-tun table 20 (unicast, from l2pop) pops the VLAN, sets tun_id 0x3e9 (VNI 1001) and outputs to the VXLAN port towards 192.0.2.2.",
  ],
  cloud: {
    format: 1,
    seed: 3,
    l2pop: "manual",
    hosts: [{ name: "hv1", agent: { local_ip: "192.0.2.1", tunnel_types: ["vxlan"], l2_population: true, arp_responder: true }, underlay: {} }],
    networks: [{ id: "6c0ffee0-0000-4000-8000-000000000001", name: "blue", network_type: "vxlan", segmentation_id: 1001, subnet: { id: "5b0b0b0b-0000-4000-8000-000000000001", cidr: "10.1.0.0/24" } }],
    steps: [
      { op: "boot", vm: "web-1", host: "hv1", network_id: "6c0ffee0-0000-4000-8000-000000000001" },
      {
        op: "l2pop_fdb_add",
        entries: [
          { network_id: "6c0ffee0-0000-4000-8000-000000000001", remote_ip: "192.0.2.2", flooding_entry: true },
          { network_id: "6c0ffee0-0000-4000-8000-000000000001", remote_ip: "192.0.2.2", mac: "fa:16:3e:00:00:99", ip: "10.1.0.99" },
        ],
      },
    ],
  },
  bridges: ["br-int", "br-tun"],
  packet: { bridge: "br-int", flow: "in_port={port:web-1},arp,dl_src={mac:web-1},dl_dst=ff:ff:ff:ff:ff:ff,arp_spa={ip:web-1},arp_tpa=10.1.0.99,arp_sha={mac:web-1},arp_op=1" },
  more: [{ bridge: "br-int", flow: "in_port={port:web-1},icmp,dl_src={mac:web-1},dl_dst=fa:16:3e:00:00:99,nw_src={ip:web-1},nw_dst=10.1.0.99,nw_ttl=64,icmp_type=8" }],
};
