/**
 * Security groups on real packets: clouds with `firewall_driver:
 * openvswitch` (the ported agent writes Neutron's firewall flows on br-int,
 * src/agent/firewall), VMs in security groups, and frames sent from the VMs'
 * endpoints through each host's datapath, whose userspace conntrack
 * executes the firewall's ct() actions (src/datapath/conntrack).
 *
 * Every expectation is Neutron's documented semantics of security groups,
 * as neutron/agent/linux/openvswitch_firewall/firewall.py implements them:
 * - rules only allow; ingress not allowed by a rule is dropped (table 82's
 *   `ct_state=-est` drop), and so is egress (table 72): a group without an
 *   egress rule lets nothing out (the API's default egress rules are only
 *   there when the file gives them);
 * - stateful: the replies of an allowed connection (`+est+rpl`) and its
 *   related ICMP pass both ways whatever the rules (priority 50 of tables
 *   72 and 82);
 * - `remote_group_id`: the source (ingress) must be an address of a member
 *   of the group (conjunction over the members' IPs);
 * - anti-spoofing (table 71): a port sends only from its (MAC, IP) pairs, its
 *   fixed IPs with its MAC and its allowed address pairs with theirs;
 * - port_security_enabled=false: no filtering on that port at all
 *   (_initialize_egress_no_port_security; its ingress is plain NORMAL).
 * Each case runs with the two VMs on one host and on two hosts (VXLAN
 * through the underlay), where the sender's and the receiver's firewalls are
 * on different switches.
 */
import { describe, expect, it } from "vitest";
import { buildEthernet, buildIpv4, icmpMessage, udpDatagram } from "../../src/datapath/packet/build.js";
import { parseIpv4, parseMac } from "../../src/datapath/endpoint.js";
import { dumpConntrack, endpointOf, handshake, macOf, ping, send, sendFrame, sgCloud, SYN } from "./security-groups-support.js";
import type { Rule } from "./security-groups-support.js";

const EGRESS_ALL: Rule[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];
const ICMP_IN: Rule = { direction: "ingress", ethertype: "IPv4", protocol: "icmp" };

/** Port n's id: tap names (tap + 11 characters of the id) differ, the MAC ends in n. */
const P = (n: number) => `${String(n).padStart(2, "0")}111111-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;

for (const layout of ["one host", "two hosts"] as const) {
  const far = layout === "one host" ? "hv1" : "hv2";

  describe(`security groups on packets (${layout})`, () => {
    it("a ping passes only where the receiver's group has an ingress ICMP rule; its reply needs none", () => {
      const c = sgCloud(
        { open: [...EGRESS_ALL, ICMP_IN], closed: EGRESS_ALL },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["open"] },
          { id: P(2), ip: "10.0.0.12", groups: ["closed"], host: far },
        ],
      );
      // closed -> open: the echo request meets open's ICMP rule; the reply comes back to closed as +est+rpl.
      expect(ping(c, P(2), "10.0.0.11")).toBe(1);
      // open -> closed: no ingress rule on closed, the request is dropped there.
      expect(ping(c, P(1), "10.0.0.12")).toBe(0);
      // The connection is in the receiving side's zone (the network's local VLAN), on its host.
      expect(dumpConntrack(c, "hv1").join("\n")).toContain("icmp,orig=(src=10.0.0.12,dst=10.0.0.11,");
    });

    it("TCP and UDP reach an allowed port range, not a port outside it nor another protocol", () => {
      const c = sgCloud(
        {
          client: EGRESS_ALL,
          web: [
            { direction: "ingress", protocol: "tcp", port_range_min: 8000, port_range_max: 8080 },
            { direction: "ingress", protocol: "udp", port_range_min: 53, port_range_max: 53 },
          ],
        },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["client"] },
          { id: P(2), ip: "10.0.0.12", groups: ["web"], host: far },
        ],
      );
      ping(c, P(1), "10.0.0.12"); // ARP (the firewall lets ARP through); the echo itself is refused
      const tcp = (dport: number, sport = 40000 + dport) => send(c, P(1), P(2), "10.0.0.12", { proto: "tcp", sport, dport, flags: SYN });
      const udp = (dport: number) => send(c, P(1), P(2), "10.0.0.12", { proto: "udp", sport: 5353, dport });
      expect([tcp(8000), tcp(8042), tcp(8080)]).toEqual([true, true, true]);
      expect([tcp(7999), tcp(8081), tcp(22), tcp(53)]).toEqual([false, false, false, false]);
      expect([udp(53), udp(54), udp(8000)]).toEqual([true, false, false]);
    });

    it("replies of an allowed connection come back without any ingress rule (+est+rpl), new connections do not", () => {
      const c = sgCloud(
        {
          // the client lets anything out and nothing in
          client: EGRESS_ALL,
          // the server lets tcp/22 in and nothing out
          server: [{ direction: "ingress", protocol: "tcp", port_range_min: 22, port_range_max: 22 }],
        },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["client"] },
          { id: P(2), ip: "10.0.0.12", groups: ["server"], host: far },
        ],
      );
      expect(handshake(c, P(1), "10.0.0.11", P(2), "10.0.0.12")).toEqual([true, true, true]);
      // The server's own new connection to the client: refused (its egress has no rule, the client's ingress neither).
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 22, dport: 41001, flags: SYN })).toBe(false);
      // The connection is established in both firewalls' tracking.
      const ct = [...dumpConntrack(c, "hv1"), ...(far === "hv2" ? dumpConntrack(c, "hv2") : [])];
      const line = "tcp,orig=(src=10.0.0.11,dst=10.0.0.12,sport=41000,dport=22),reply=(src=10.0.0.12,dst=10.0.0.11,sport=22,dport=41000),zone=1,protoinfo=(state=ESTABLISHED)";
      expect(ct.filter((l) => l === line).length).toBe(far === "hv2" ? 2 : 1);
    });

    it("an ICMP error about an allowed connection gets back as related (+rel), an unrelated one does not", () => {
      const c = sgCloud(
        { client: EGRESS_ALL, server: [...EGRESS_ALL, { direction: "ingress", protocol: "udp", port_range_min: 53, port_range_max: 53 }] },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["client"] },
          { id: P(2), ip: "10.0.0.12", groups: ["server"], host: far },
        ],
      );
      ping(c, P(1), "10.0.0.12");
      ping(c, P(2), "10.0.0.11");
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "udp", sport: 5353, dport: 53 })).toBe(true);
      // port unreachable from the server, quoting the client's datagram (and, second, one it never sent)
      const unreachable = (sport: number) => {
        const quoted = buildIpv4({ src: parseIpv4("10.0.0.11"), dst: parseIpv4("10.0.0.12"), proto: 17 }, udpDatagram(sport, 53, new Uint8Array([1, 2, 3, 4])));
        const ip = buildIpv4({ src: parseIpv4("10.0.0.12"), dst: parseIpv4("10.0.0.11"), proto: 1 }, icmpMessage(3, 3, 0, quoted.subarray(0, 28)));
        return buildEthernet({ src: parseMac(macOf(P(2))), dst: parseMac(macOf(P(1))) }, 0x0800, ip).data();
      };
      expect(sendFrame(c, P(2), P(1), unreachable(5353))).toBe(true);
      expect(sendFrame(c, P(2), P(1), unreachable(5354))).toBe(false);
    });

    it("remote_group_id: members of the group get in, other ports do not", () => {
      const c = sgCloud(
        {
          web: [...EGRESS_ALL],
          other: [...EGRESS_ALL],
          db: [{ direction: "ingress", protocol: "tcp", port_range_min: 5432, port_range_max: 5432, remote_group_id: "web" }, { direction: "ingress", protocol: "icmp", remote_group_id: "web" }],
        },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["db"] },
          { id: P(2), ip: "10.0.0.12", groups: ["web"], host: far, pairs: [{ ip_address: "10.0.0.50" }] },
          { id: P(3), ip: "10.0.0.13", groups: ["other"], host: far, pairs: [{ ip_address: "10.0.0.60" }] },
        ],
      );
      expect(ping(c, P(2), "10.0.0.11")).toBe(1);
      expect(ping(c, P(3), "10.0.0.11")).toBe(0);
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 40000, dport: 5432 })).toBe(true);
      expect(send(c, P(3), P(1), "10.0.0.11", { proto: "tcp", sport: 40000, dport: 5432 })).toBe(false);
      // a member, but not the rule's port
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 40000, dport: 5433 })).toBe(false);
      // a member's allowed address pair is a member address too; a non-member's is not
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 40001, dport: 5432, srcIp: "10.0.0.50" })).toBe(true);
      expect(send(c, P(3), P(1), "10.0.0.11", { proto: "tcp", sport: 40001, dport: 5432, srcIp: "10.0.0.60" })).toBe(false);
    });

    it("egress rules: only what a rule allows leaves the port", () => {
      const c = sgCloud(
        {
          limited: [{ direction: "egress", protocol: "tcp", port_range_min: 443, port_range_max: 443 }, { direction: "egress", protocol: "udp", remote_ip_prefix: "10.0.0.12/32" }],
          open: [...EGRESS_ALL, ICMP_IN, { direction: "ingress", protocol: "tcp" }, { direction: "ingress", protocol: "udp" }],
        },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["limited"] },
          { id: P(2), ip: "10.0.0.12", groups: ["open"], host: far },
          { id: P(3), ip: "10.0.0.13", groups: ["open"], host: far },
        ],
      );
      // ICMP has no egress rule: the echo request never leaves (ARP does: the firewall passes it).
      expect(ping(c, P(1), "10.0.0.12")).toBe(0);
      ping(c, P(1), "10.0.0.13");
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "tcp", sport: 40000, dport: 443 })).toBe(true);
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "tcp", sport: 40000, dport: 80 })).toBe(false);
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "udp", sport: 40000, dport: 9 })).toBe(true);
      expect(send(c, P(1), P(3), "10.0.0.13", { proto: "udp", sport: 40000, dport: 9 })).toBe(false);
      // Inbound, the open side's ping to the limited port finds no ingress rule there.
      expect(ping(c, P(2), "10.0.0.11")).toBe(0);
    });

    it("anti-spoofing: a VM sends only from its own MAC and IP or an allowed address pair", () => {
      const c = sgCloud(
        { any: [...EGRESS_ALL, { direction: "ingress", protocol: "udp" }] },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["any"], pairs: [{ ip_address: "10.0.0.50" }, { ip_address: "10.0.0.60", mac_address: "fa:16:3e:00:00:ee" }, { ip_address: "10.0.1.0/28" }] },
          { id: P(2), ip: "10.0.0.12", groups: ["any"], host: far },
        ],
      );
      ping(c, P(1), "10.0.0.12");
      const from = (srcIp: string | undefined, srcMac?: string) =>
        send(c, P(1), P(2), "10.0.0.12", { proto: "udp", sport: 7000, dport: 7000, ...(srcIp !== undefined ? { srcIp } : {}), ...(srcMac !== undefined ? { srcMac } : {}) });
      expect(from(undefined)).toBe(true);
      // a foreign IP, a foreign MAC
      expect(from("10.0.0.99")).toBe(false);
      expect(from("10.0.0.12")).toBe(false);
      expect(from(undefined, "fa:16:3e:00:00:99")).toBe(false);
      // allowed address pairs: with the port's MAC, with their own MAC, a CIDR
      expect(from("10.0.0.50")).toBe(true);
      expect(from("10.0.0.60", "fa:16:3e:00:00:ee")).toBe(true);
      expect(from("10.0.1.7")).toBe(true);
      expect(from("10.0.1.16")).toBe(false);
      // a pair's IP with another MAC than the pair's, a pair's MAC with the fixed IP
      expect(from("10.0.0.60")).toBe(false);
      expect(from("10.0.0.11", "fa:16:3e:00:00:ee")).toBe(false);
    });

    it("port_security_enabled=false: the port filters nothing, either way", () => {
      const c = sgCloud(
        { guarded: [...EGRESS_ALL, ICMP_IN] },
        [
          { id: P(1), ip: "10.0.0.11", portSecurity: false },
          { id: P(2), ip: "10.0.0.12", portSecurity: false, host: far },
          { id: P(3), ip: "10.0.0.13", groups: ["guarded"], host: far },
        ],
      );
      expect(ping(c, P(1), "10.0.0.12")).toBe(1);
      expect(ping(c, P(2), "10.0.0.11")).toBe(1);
      // spoofed sources and any port between two unfiltered ports
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "udp", sport: 1, dport: 2, srcIp: "192.168.7.7", srcMac: "fa:16:3e:00:00:99" })).toBe(true);
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 1, dport: 2 })).toBe(true);
      // a filtered port's group still decides what enters it, and its egress rules what leaves it
      expect(ping(c, P(1), "10.0.0.13")).toBe(1);
      expect(ping(c, P(3), "10.0.0.11")).toBe(1);
      expect(send(c, P(1), P(3), "10.0.0.13", { proto: "tcp", sport: 1, dport: 2 })).toBe(false);
    });
  });
}

describe("security groups on provider networks (the firewall's table 60 flows for frames from br-phys)", () => {
  for (const kind of ["vlan", "flat"] as const) {
    it(`${kind}: a ping and TCP pass by rule across hosts, refused without one`, () => {
      const c = sgCloud(
        { open: [...EGRESS_ALL, ICMP_IN, { direction: "ingress", protocol: "tcp", port_range_min: 80, port_range_max: 80 }], closed: EGRESS_ALL },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["open"] },
          { id: P(2), ip: "10.0.0.12", groups: ["closed"], host: "hv2" },
          { id: P(3), ip: "10.0.0.13", groups: ["open"], host: "hv2" },
        ],
        kind,
      );
      expect(ping(c, P(2), "10.0.0.11")).toBe(1);
      expect(ping(c, P(1), "10.0.0.12")).toBe(0);
      expect(ping(c, P(1), "10.0.0.13")).toBe(1);
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 40000, dport: 80 })).toBe(true);
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "tcp", sport: 40000, dport: 81 })).toBe(false);
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "tcp", sport: 40000, dport: 80 })).toBe(false);
    });
  }
});

describe("security groups with explicitly_egress_direct (table 94 outputs accepted egress itself)", () => {
  for (const kind of ["vxlan", "vlan"] as const) {
    it(`${kind}: the same verdicts as through NORMAL`, () => {
      const c = sgCloud(
        { open: [...EGRESS_ALL, ICMP_IN, { direction: "ingress", protocol: "udp" }], closed: EGRESS_ALL },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["open"] },
          { id: P(2), ip: "10.0.0.12", groups: ["closed"] },
          { id: P(3), ip: "10.0.0.13", groups: ["open"], host: "hv2" },
        ],
        kind,
        true,
      );
      expect([ping(c, P(2), "10.0.0.11"), ping(c, P(1), "10.0.0.12"), ping(c, P(1), "10.0.0.13"), ping(c, P(3), "10.0.0.12"), ping(c, P(2), "10.0.0.13")]).toEqual([1, 0, 1, 0, 1]);
      expect(send(c, P(2), P(1), "10.0.0.11", { proto: "udp", sport: 1, dport: 2 })).toBe(true);
      expect(send(c, P(1), P(2), "10.0.0.12", { proto: "udp", sport: 1, dport: 2 })).toBe(false);
    });
  }
});

describe("security groups: what the endpoints saw", () => {
  it("a refused frame reaches no other VM either (no flooding around the firewall)", () => {
    const c = sgCloud(
      { closed: EGRESS_ALL },
      [
        { id: P(1), ip: "10.0.0.11", groups: ["closed"] },
        { id: P(2), ip: "10.0.0.12", groups: ["closed"] },
        { id: P(3), ip: "10.0.0.13", groups: ["closed"], host: "hv2" },
      ],
    );
    ping(c, P(1), "10.0.0.12");
    const seen = [P(2), P(3)].map((p) => endpointOf(c, p).received.length);
    expect(send(c, P(1), P(2), "10.0.0.12", { proto: "tcp", sport: 1, dport: 2 })).toBe(false);
    expect([P(2), P(3)].map((p) => endpointOf(c, p).received.length)).toEqual(seen);
  });
});
