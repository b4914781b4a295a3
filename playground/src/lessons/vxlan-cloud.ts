import type { Lesson } from "./lesson.js";

/** Two hosts with their agents and l2population, joined by an underlay: the student boots VMs and pings. */
export const vxlanCloud: Lesson = {
  id: "vxlan-cloud",
  title: "6. A two-host VXLAN cloud: boot VMs and ping",
  text: [
    "Two compute hosts, hv1 (192.0.2.1) and hv2 (192.0.2.2), each with Open vSwitch and the Neutron OVS agent, and a fake Neutron server with l2population. VM a-1 runs on hv1, b-1 on hv2, both on the VXLAN network blue.",
    "Trace a-1's ping to b-1 on hv1: br-int, the patch port, br-tun's unicast table 20 and out through the VXLAN tunnel to hv2 (set(tunnel(...)) in the datapath actions). Pick hv2 to see its side.",
    "Boot another VM on either host and ping between VMs: l2population adds the tunnels and forwarding flows, which appear in the flow lists.",
  ],
  cloud: {
    format: 1,
    seed: 5,
    hosts: [
      { name: "hv1", agent: { local_ip: "192.0.2.1", tunnel_types: ["vxlan"], l2_population: true, arp_responder: true }, underlay: {} },
      { name: "hv2", agent: { local_ip: "192.0.2.2", tunnel_types: ["vxlan"], l2_population: true, arp_responder: true }, underlay: {} },
    ],
    networks: [{ id: "6c0ffee0-0000-4000-8000-000000000001", name: "blue", network_type: "vxlan", segmentation_id: 1001, subnet: { id: "5b0b0b0b-0000-4000-8000-000000000001", cidr: "10.1.0.0/24" } }],
    steps: [
      { op: "boot", vm: "a-1", host: "hv1", network_id: "6c0ffee0-0000-4000-8000-000000000001" },
      { op: "boot", vm: "b-1", host: "hv2", network_id: "6c0ffee0-0000-4000-8000-000000000001" },
    ],
  },
  bridges: ["br-int", "br-tun"],
  packet: { host: "hv1", bridge: "br-int", flow: "in_port={port:a-1},icmp,dl_src={mac:a-1},dl_dst={mac:b-1},nw_src={ip:a-1},nw_dst={ip:b-1},nw_ttl=64,icmp_type=8" },
  interactive: true,
};
