/**
 * The `update_security_group` step (ovsim's own): an admin changes a
 * security group's rules.
 *
 *   { "op": "update_security_group", "security_group": "web",
 *     "rules": [ { "direction": "ingress", "protocol": "icmp" }, ... ] }
 *
 * `rules` is the group's whole new rule list, in the file's rule form
 * (cloud-file.ts readRule: the same fields, defaults and checks); what is
 * not listed any more is deleted, what is new is created. The group must be
 * one of the file's, and a `remote_group_id` must name one.
 *
 * What Neutron does, and the cloud with it: each rule created or deleted is
 * a SecurityGroupRule resource the server pushes to every agent, whose
 * SecurityGroupServerAPIShim calls `security_groups_rule_updated([group])`;
 * the agent's SecurityGroupAgentRpc refreshes the firewall of its ports in
 * that group (with defer_refresh_firewall, once in its next loop iteration,
 * however many rules changed). Here the server replaces the group and casts
 * `security_groups_rule_updated` once per step (server.ts
 * setSecurityGroup); the agent's driver refreshes the group's ports
 * (src/agent/firewall/driver.ts), and the loop runs two iterations, as
 * after the other server-side steps.
 *
 * Connections already tracked keep their conntrack entries: the firewall's
 * flows decide their fate (a packet of a connection no rule allows any more
 * is committed with ct_mark=1 and dropped, and so is everything of that
 * connection after it: docs/agent-firewall.md).
 */
import type { Cloud } from "./cloud.js";
import { CloudStepError, SETTLE_ITERATIONS } from "./cloud.js";
import { readRule } from "./cloud-file.js";
import type { CloudSpec, CloudStep } from "./cloud-types.js";
import type { JsonObject } from "./file-checks.js";
import { CloudFileError } from "./file-checks.js";

export type UpdateSecurityGroupStep = CloudStep & { readonly op: "update_security_group" };

/** Reads an update_security_group step (`o` already checked for its fields) against the file's groups. */
export function readUpdateSecurityGroup(o: JsonObject, index: number, spec: CloudSpec): UpdateSecurityGroupStep {
  const securityGroup = o.string("security_group");
  const ids = new Set(spec.securityGroups.map((g) => g.id));
  if (!ids.has(securityGroup)) throw new CloudFileError(o.at("security_group"), `no such security group ${JSON.stringify(securityGroup)}`);
  const rules = o.list("rules", (v, path) => {
    const rule = readRule(v, path);
    if (rule.remoteGroupId !== null && !ids.has(rule.remoteGroupId)) {
      throw new CloudFileError(`${path}.remote_group_id`, `no such security group ${JSON.stringify(rule.remoteGroupId)}`);
    }
    return rule;
  });
  return { op: "update_security_group", index, securityGroup, rules };
}

/** Runs an update_security_group step: the server's group replaced, the agents notified, two loop iterations. */
export function updateSecurityGroup(cloud: Cloud, step: UpdateSecurityGroupStep): boolean {
  const old = cloud.server.securityGroup(step.securityGroup);
  if (old === undefined) throw new CloudStepError(step.index, step.op, `no security group ${step.securityGroup}`);
  cloud.server.setSecurityGroup({ ...old, rules: step.rules });
  cloud.deliver();
  cloud.settle(SETTLE_ITERATIONS);
  return true;
}
