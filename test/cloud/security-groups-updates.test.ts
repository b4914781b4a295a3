/**
 * Security groups that change while VMs run: the `update_security_group`
 * step (src/cloud/security-group-steps.ts), the server's
 * security_groups_rule_updated / security_groups_member_updated casts
 * (server.ts, as the agents' SecurityGroupServerAPIShim turns Neutron's
 * pushed rule and port changes into them), and the agents' firewalls
 * refreshing the affected ports, checked on real packets.
 *
 * Neutron's semantics, from neutron/agent/linux/openvswitch_firewall/
 * firewall.py and securitygroups_rpc.py:
 * - a rule added allows new connections at once (the port's flows are
 *   rewritten);
 * - a rule removed: a connection it allowed is not cut in conntrack, but its
 *   next packet in the original direction matches no rule any more (table
 *   72/82 priority 40 `ct_state=+est`), is committed with ct_mark=1 and
 *   dropped; from then on every packet of that connection, replies too, is
 *   dropped (`ct_mark=0x1` priority 50);
 * - each port filter update deletes the port's connections marked 1
 *   (`_delete_invalid_conntrack_entries_for_port`: `conntrack -D -w ZONE
 *   -m 1` for its fixed IPs), so that a rule added back lets the same
 *   5-tuple start over;
 * - a port joining or leaving a group (or changing its addresses) changes
 *   the members of the group: ports whose rules name it as remote group are
 *   refreshed (security_groups_member_updated).
 */
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import { ACK, dumpConntrack, handshake, ping, send, sgCloud, sgFile, SYN } from "./security-groups-support.js";
import type { Rule } from "./security-groups-support.js";

const EGRESS_ALL: Rule[] = [{ direction: "egress", ethertype: "IPv4" }];
const P = (n: number) => `${String(n).padStart(2, "0")}222222-0000-4000-8000-0000000000${String(n).padStart(2, "0")}`;

function updateGroup(c: Cloud, group: string, rules: readonly Rule[]): void {
  const spec = parseCloudFile({ ...sgFile({ [group]: [] }, []), steps: [{ op: "update_security_group", security_group: group, rules }] });
  const step = spec.steps[0];
  if (step === undefined) throw new Error("no step");
  expect(c.step(step)).toBe(true);
}

for (const layout of ["one host", "two hosts"] as const) {
  const far = layout === "one host" ? "hv1" : "hv2";

  describe(`security group updates (${layout})`, () => {
    it("a ping refused, then allowed once a rule lets it in, refused again once the rule goes", () => {
      const c = sgCloud({ client: EGRESS_ALL, server: EGRESS_ALL }, [
        { id: P(1), ip: "10.0.0.11", groups: ["client"] },
        { id: P(2), ip: "10.0.0.12", groups: ["server"], host: far },
      ]);
      expect(ping(c, P(1), "10.0.0.12")).toBe(0);
      const sent = c.server.delivered.length;
      updateGroup(c, "server", [...EGRESS_ALL, { direction: "ingress", protocol: "icmp" }]);
      // every agent hears the rule change
      const casts = c.server.delivered.slice(sent).filter((d) => d.cast.method === "security_groups_rule_updated");
      expect(casts.map((d) => d.host)).toEqual(["hv1", "hv2"]);
      expect(ping(c, P(1), "10.0.0.12")).toBe(1);
      updateGroup(c, "server", EGRESS_ALL);
      // a new echo id: a new connection, refused
      expect(ping(c, P(1), "10.0.0.12")).toBe(0);
    });

    it("a rule removed: the connection it allowed is marked (ct_mark=1) and dropped both ways; added back, the same 5-tuple starts over", () => {
      const ssh: Rule = { direction: "ingress", protocol: "tcp", port_range_min: 22, port_range_max: 22 };
      const c = sgCloud({ client: EGRESS_ALL, server: [...EGRESS_ALL, ssh] }, [
        { id: P(1), ip: "10.0.0.11", groups: ["client"] },
        { id: P(2), ip: "10.0.0.12", groups: ["server"], host: far },
      ]);
      expect(handshake(c, P(1), "10.0.0.11", P(2), "10.0.0.12")).toEqual([true, true, true]);
      const cli = { proto: "tcp", sport: 41000, dport: 22 } as const;
      const srv = { proto: "tcp", sport: 22, dport: 41000 } as const;

      updateGroup(c, "server", EGRESS_ALL);
      const serverHost = far;
      const tuple = "tcp,orig=(src=10.0.0.11,dst=10.0.0.12,sport=41000,dport=22)";
      // still tracked, not marked yet
      expect(dumpConntrack(c, serverHost).filter((l) => l.startsWith(tuple) && !l.includes("mark="))).toHaveLength(1);
      // the client's next segment: no rule allows it any more on the server's ingress
      expect(send(c, P(1), P(2), "10.0.0.12", { ...cli, flags: ACK, seq: 1001, ack: 5001 })).toBe(false);
      expect(dumpConntrack(c, serverHost).filter((l) => l.startsWith(tuple) && l.includes("mark=1"))).toHaveLength(1);
      // and the server's replies do not get out any more
      expect(send(c, P(2), P(1), "10.0.0.11", { ...srv, flags: ACK, seq: 5001, ack: 1001 })).toBe(false);

      // the rule comes back: the port's marked connections are deleted, the same 5-tuple connects again
      updateGroup(c, "server", [...EGRESS_ALL, ssh]);
      expect(dumpConntrack(c, serverHost).filter((l) => l.startsWith(tuple) && l.includes("mark=1"))).toHaveLength(0);
      expect(send(c, P(1), P(2), "10.0.0.12", { ...cli, flags: SYN, seq: 9000 })).toBe(true);
      expect(send(c, P(2), P(1), "10.0.0.11", { ...srv, flags: SYN | ACK, seq: 7000, ack: 9001 })).toBe(true);
    });

    it("remote group members: a port joining the group gets in, leaving it keeps it out (security_groups_member_updated)", () => {
      const c = sgCloud(
        {
          web: EGRESS_ALL,
          other: EGRESS_ALL,
          db: [...EGRESS_ALL, { direction: "ingress", protocol: "icmp", remote_group_id: "web" }],
        },
        [
          { id: P(1), ip: "10.0.0.11", groups: ["db"] },
          { id: P(2), ip: "10.0.0.12", groups: ["other"], host: far },
        ],
      );
      expect(ping(c, P(2), "10.0.0.11")).toBe(0);
      const sent = c.server.delivered.length;
      const update = (groups: string[]) => {
        const spec = parseCloudFile({ ...sgFile({ web: [], other: [], db: [] }, [{ id: P(2), ip: "10.0.0.12" }]), steps: [{ op: "update_port", port: P(2), security_groups: groups }] });
        expect(c.step(spec.steps[0]!)).toBe(true);
      };
      update(["other", "web"]);
      const members = c.server.delivered.slice(sent).filter((d) => d.cast.method === "security_groups_member_updated");
      expect(members.map((d) => (d.cast.method === "security_groups_member_updated" ? [d.host, [...d.cast.securityGroups].sort()] : null))).toEqual([
        ["hv1", ["other", "web"]],
        ["hv2", ["other", "web"]],
      ]);
      expect(ping(c, P(2), "10.0.0.11")).toBe(1);
      update(["other"]);
      expect(ping(c, P(2), "10.0.0.11")).toBe(0);
    });
  });
}

describe("update_security_group in a cloud file", () => {
  it("runs from a file, and a bad step is refused naming the step and field", () => {
    const file = sgFile({ open: [{ direction: "egress" }], closed: [{ direction: "egress" }] }, [
      { id: P(1), ip: "10.0.0.11", groups: ["open"] },
      { id: P(2), ip: "10.0.0.12", groups: ["closed"] },
    ]);
    const steps = [
      ...(file.steps as unknown[]),
      { op: "ping", from: P(1), to: P(2), expect: "fail" },
      { op: "update_security_group", security_group: "closed", rules: [{ direction: "egress" }, { direction: "ingress", protocol: "icmp", remote_group_id: "open" }] },
      { op: "ping", from: P(1), to: P(2), expect: "ok" },
      { op: "ping", from: P(2), to: P(1), expect: "fail" },
    ];
    const c = createCloud({ ...file, steps });
    const r = c.run();
    expect(c.stderr).toEqual([]);
    expect(r).toEqual({ ok: true, failedSteps: [] });
    expect(() => parseCloudFile({ ...file, steps: [{ op: "update_security_group", security_group: "nope", rules: [] }] })).toThrow(
      'steps[0].security_group: update_security_group: no such security group "nope"',
    );
    expect(() => parseCloudFile({ ...file, steps: [{ op: "update_security_group", security_group: "open", rules: [{ direction: "in" }] }] })).toThrow("steps[0].rules[0].direction");
    expect(() => parseCloudFile({ ...file, steps: [{ op: "update_security_group", security_group: "open", rules: [{ direction: "ingress", remote_group_id: "x" }] }] })).toThrow(
      'steps[0].rules[0].remote_group_id: update_security_group: no such security group "x"',
    );
  });
});
