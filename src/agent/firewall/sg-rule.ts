/**
 * A security-group rule as the firewall keeps it (firewall.py
 * SecurityGroup.update_rules): the RPC's rule with its protocol turned into
 * a number (`tcp` → 6, `"17"` → 17, `icmp` on IPv6 → 58; an unknown name
 * stays a name) and every absent field absent.
 *
 * Absence is what rules.py tests (`'port_range_min' in rule`), so a field
 * the RPC carries as null is left out, as Neutron's server leaves out a None.
 * The rule's security group is not part of it: the server's rule dicts carry
 * none, and rules that differ only in their ports may be merged
 * (rule-merge.ts) whatever group they came from.
 */
import type { SecurityGroupRule } from "../rpc.js";
import type { Direction, Ethertype } from "./constants.js";
import { ownValue } from "../own.js";
import { IP_PROTOCOL_MAP, PROTO_NUM_IPV6_ICMP } from "./constants.js";

export interface FwRule {
  readonly direction: Direction;
  readonly ethertype: Ethertype;
  /** The IP protocol number (a name only when Neutron does not know it). */
  readonly protocol?: number | string;
  /** Destination port range; for ICMP the type (min) and code (max). */
  readonly portRangeMin?: number;
  readonly portRangeMax?: number;
  /** Source port range (rules.py supports it; Zed's RPC does not send it). */
  readonly sourcePortRangeMin?: number;
  readonly sourcePortRangeMax?: number;
  /** The remote prefix of an ingress rule. */
  readonly sourceIpPrefix?: string;
  /** The remote prefix of an egress rule. */
  readonly destIpPrefix?: string;
  /** The remote security group whose members the rule admits (conjunction flows). */
  readonly remoteGroupId?: string;
}

/** A mutable copy for building (rules.py copies and edits dicts). */
export type RuleDraft = { -readonly [K in keyof FwRule]: FwRule[K] };

/** SecurityGroup.update_rules' protocol normalisation. */
export function normaliseProtocol(protocol: string, ethertype: Ethertype): number | string {
  if (/^\d+$/.test(protocol)) return Number(protocol);
  if (ethertype === "IPv6" && protocol === "icmp") return PROTO_NUM_IPV6_ICMP;
  return ownValue(IP_PROTOCOL_MAP, protocol) ?? protocol;
}

/** The firewall's form of an RPC rule. */
export function fwRuleOf(r: SecurityGroupRule): FwRule {
  const out: RuleDraft = { direction: r.direction, ethertype: r.ethertype };
  if (r.protocol !== null) out.protocol = normaliseProtocol(r.protocol, r.ethertype);
  if (r.portRangeMin !== null) out.portRangeMin = r.portRangeMin;
  if (r.portRangeMax !== null) out.portRangeMax = r.portRangeMax;
  if (r.sourceIpPrefix !== null) out.sourceIpPrefix = r.sourceIpPrefix;
  if (r.destIpPrefix !== null) out.destIpPrefix = r.destIpPrefix;
  if (r.remoteGroupId !== null) out.remoteGroupId = r.remoteGroupId;
  return out;
}

/** The same rule without its port ranges, as text: rules that merge have the same key (_assert_mergeable_rules). */
export function ruleKeyWithoutPorts(r: FwRule): string {
  const { portRangeMin: _a, portRangeMax: _b, ...rest } = r;
  return JSON.stringify(Object.entries(rest).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
