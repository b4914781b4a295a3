/**
 * security_group_info_for_devices as the fake server answers it (the
 * oracle's FakeSGServer, itself following neutron's
 * db/securitygroups_rpc_base.py):
 * - `securityGroups`: for each security group of the ports asked about, its
 *   rules in the RPC form: `remote_ip_prefix` becomes `source_ip_prefix`
 *   (ingress) or `dest_ip_prefix` (egress); ethertype defaults to IPv4;
 * - `sgMemberIps`: every group a rule names as `remote_group_id` with its
 *   members, and no other group, as real Neutron's
 *   SecurityGroupInfoAPIMixin.security_group_info_for_ports (the oracle's
 *   fake server also lists each port's own groups with empty lists: on an
 *   agent, refreshing a port of group G would then empty G's members for
 *   the other ports whose rules name G; no golden shows the difference,
 *   test/cloud/security-groups-updates.test.ts does). Members are the
 *   fixed IPs and allowed address pairs of every port in that group, on any
 *   host, plugged or not (`_select_ips_for_remote_group`), split by IP
 *   version, deduplicated, sorted as the oracle sorts them (by Python's
 *   `str` of the (ip, mac) tuple). A fixed IP's MAC is Neutron's None,
 *   written "" here (the firewall uses only the address); a pair's MAC is
 *   its own or the port's;
 * - `devices`: the ports asked about that the server has bound, as
 *   device details.
 */
import type { DeviceDetails, SecurityGroupInfo, SecurityGroupRule } from "../agent/rpc.js";
import type { CloudPort, CloudRule, CloudSecurityGroup } from "./cloud-types.js";
import { prefixVersion } from "./file-checks.js";

/** What the answer is built from. */
export interface SecurityGroupSource {
  securityGroup(id: string): CloudSecurityGroup | undefined;
  /** Every port the server has (any host, plugged or not). */
  allPorts(): Iterable<CloudPort>;
  /** The details of a bound port, or undefined. */
  details(device: string): DeviceDetails | undefined;
  port(id: string): CloudPort | undefined;
}

/** A rule as the RPC carries it. */
export function ruleForRpc(sgId: string, r: CloudRule): SecurityGroupRule {
  let sourceIpPrefix = r.sourceIpPrefix;
  let destIpPrefix = r.destIpPrefix;
  if (r.remoteIpPrefix !== null) {
    if (r.direction === "ingress") sourceIpPrefix = r.remoteIpPrefix;
    else destIpPrefix = r.remoteIpPrefix;
  }
  return {
    securityGroupId: sgId,
    direction: r.direction,
    ethertype: r.ethertype,
    protocol: r.protocol,
    portRangeMin: r.portRangeMin,
    portRangeMax: r.portRangeMax,
    sourceIpPrefix,
    destIpPrefix,
    remoteGroupId: r.remoteGroupId,
  };
}

/** Python's `str((ip, mac))` with mac None as "": the oracle's sort key. */
function pyTupleStr(ip: string, mac: string): string {
  return `('${ip}', ${mac === "" ? "None" : `'${mac}'`})`;
}

/** The members of remote group `sgId`: [ip, mac] by ethertype. */
export function memberIps(src: SecurityGroupSource, sgId: string): Record<"IPv4" | "IPv6", (readonly [string, string])[]> {
  const sets = { IPv4: new Map<string, readonly [string, string]>(), IPv6: new Map<string, readonly [string, string]>() };
  const add = (ip: string, mac: string): void => {
    const v = prefixVersion(ip);
    if (v === null) return;
    sets[v === 4 ? "IPv4" : "IPv6"].set(`${ip} ${mac}`, [ip, mac]);
  };
  for (const p of src.allPorts()) {
    if (!p.securityGroups.includes(sgId)) continue;
    for (const ip of p.fixedIps) add(ip, "");
    for (const a of p.allowedAddressPairs) add(a.ipAddress, a.macAddress ?? p.mac);
  }
  const sorted = (m: Map<string, readonly [string, string]>): (readonly [string, string])[] =>
    [...m.values()].sort((a, b) => {
      const x = pyTupleStr(a[0], a[1]);
      const y = pyTupleStr(b[0], b[1]);
      return x < y ? -1 : x > y ? 1 : 0;
    });
  return { IPv4: sorted(sets.IPv4), IPv6: sorted(sets.IPv6) };
}

export function securityGroupInfo(src: SecurityGroupSource, devices: readonly string[]): SecurityGroupInfo {
  // Maps while building (device and group ids are input: `__proto__` must stay a key), objects on the wire.
  const securityGroups = new Map<string, SecurityGroupRule[]>();
  const sgMemberIps = new Map<string, Record<"IPv4" | "IPv6", (readonly [string, string])[]>>();
  const devs = new Map<string, DeviceDetails>();
  for (const d of devices) {
    const details = src.details(d);
    const port = src.port(d);
    if (details === undefined || port === undefined) continue;
    devs.set(d, details);
    for (const sgId of port.securityGroups) {
      const sg = src.securityGroup(sgId);
      const rules = sg?.rules ?? [];
      securityGroups.set(sgId, rules.map((r) => ruleForRpc(sgId, r)));
      for (const r of rules) if (r.remoteGroupId !== null) sgMemberIps.set(r.remoteGroupId, memberIps(src, r.remoteGroupId));
    }
  }
  return { securityGroups: Object.fromEntries(securityGroups), sgMemberIps: Object.fromEntries(sgMemberIps), devices: Object.fromEntries(devs) };
}

/**
 * The groups whose members change when a port is created (`old`
 * undefined), updated or deleted (`next` undefined), as the agents'
 * SecurityGroupServerAPIShim sees the Port resource change
 * (`_handle_sg_member_update` / `_handle_sg_member_delete`): on delete the
 * port's groups; on create or update, when its groups, fixed IPs or
 * allowed address pairs changed, its groups before and after. Empty: no
 * security_groups_member_updated.
 */
export function memberUpdateGroups(old: CloudPort | undefined, next: CloudPort | undefined): string[] {
  if (next === undefined) return old === undefined ? [] : [...new Set(old.securityGroups)];
  if (old !== undefined) {
    const same = (a: readonly unknown[], b: readonly unknown[]) => JSON.stringify(a) === JSON.stringify(b);
    if (same(old.securityGroups, next.securityGroups) && same(old.fixedIps, next.fixedIps) && same(old.allowedAddressPairs, next.allowedAddressPairs)) return [];
  }
  return [...new Set([...(old?.securityGroups ?? []), ...next.securityGroups])];
}
