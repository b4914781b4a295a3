/**
 * What the firewall knows of ports and security groups (firewall.py
 * SecurityGroup, OFPort, SGPortMap).
 *
 * - A SecurityGroup holds its rules, split into plain rules and remote-group
 *   rules, the member addresses the server sent for it (per ethertype), and
 *   the filtered ports that are in it.
 * - An OFPort is a filtered port as the firewall saw it when it first
 *   filtered it: ofport and MAC from OVSDB (the Interface's ofport and
 *   external_ids:attached-mac), local VLAN, segmentation id, network type and
 *   physical network from the Port's other_config (as the agent wrote them),
 *   and from the server its fixed IPs, allowed address pairs (plus its own
 *   MAC's IPv6 link-local address, which neighbour discovery needs) and
 *   security groups.
 * - SGPortMap: filtered ports by device id, security groups by id, and the
 *   unfiltered ports (port security off, trusted) with their ofport and VLAN.
 *
 * Sets of (MAC, IP) pairs keep Python's set semantics (no duplicates); their
 * order is insertion order, which only changes the order flows are sent in.
 */
import type { DeviceDetails } from "../rpc.js";
import type { Ethertype } from "./constants.js";
import { linkLocalOfMac } from "../ip.js";
import { ipVersion } from "./ip-address.js";
import type { MemberAddress } from "./rule-flows.js";
import type { FwRule } from "./sg-rule.js";
import type { VifPort } from "./ovsdb-port.js";

/** A (MAC, IP or CIDR) pair. */
export type MacIp = readonly [mac: string, ip: string];

/** Pairs without duplicates, first occurrence kept. */
export function pairSet(pairs: Iterable<MacIp>): MacIp[] {
  const seen = new Map<string, MacIp>();
  for (const p of pairs) {
    const k = `${p[0]}\u0000${p[1]}`;
    if (!seen.has(k)) seen.set(k, p);
  }
  return [...seen.values()];
}

/** Member addresses per ethertype, as the server sent them (an empty record: the group has none). */
export type Members = Readonly<Partial<Record<Ethertype, readonly MemberAddress[]>>>;

export class SecurityGroup {
  rawRules: FwRule[] = [];
  remoteRules: FwRule[] = [];
  members: Members = {};
  readonly ports = new Set<OFPort>();

  constructor(readonly id: string) {}

  /** Splits rules into plain ones and those with a remote group. */
  updateRules(rules: readonly FwRule[]): void {
    this.rawRules = rules.filter((r) => r.remoteGroupId === undefined);
    this.remoteRules = rules.filter((r) => r.remoteGroupId !== undefined);
  }

  /** Python's truthiness of the members dict: any ethertype key at all. */
  hasMembers(): boolean {
    return Object.keys(this.members).length > 0;
  }

  addressesOf(ethertype: Ethertype): readonly MemberAddress[] {
    return this.members[ethertype] ?? [];
  }
}

function allowedPairs(port: DeviceDetails, version: 4 | 6): MacIp[] {
  return pairSet(port.allowedAddressPairs.filter((a) => ipVersion(a.ipAddress) === version).map((a): MacIp => [a.macAddress, a.ipAddress]));
}

export class OFPort {
  /** The device id (the Neutron port id). */
  readonly id: string;
  readonly mac: string;
  /** The MAC's IPv6 link-local address. */
  readonly llaAddress: string;
  readonly ofport: number;
  secGroups: SecurityGroup[] = [];
  fixedIps: string[];
  neutronPort: DeviceDetails;
  allowedPairsV4: MacIp[];
  allowedPairsV6: MacIp[];

  constructor(
    port: DeviceDetails,
    ovsPort: VifPort,
    /** The local VLAN (Port other_config:tag), also the conntrack zone. */
    readonly vlanTag: number,
    /** The segmentation id of a VLAN network, else null. */
    readonly segmentId: number | null = null,
    readonly networkType: string | null = null,
    readonly physicalNetwork: string | null = null,
  ) {
    this.id = port.device;
    this.mac = ovsPort.vifMac;
    this.llaAddress = linkLocalOfMac(this.mac);
    this.ofport = ovsPort.ofport;
    this.fixedIps = port.fixedIps.map((f) => f.ipAddress);
    this.neutronPort = port;
    this.allowedPairsV4 = allowedPairs(port, 4);
    this.allowedPairsV6 = allowedPairs(port, 6);
  }

  /** The port's MAC and those of its allowed address pairs. */
  get allAllowedMacs(): string[] {
    return [...new Set([...this.allowedPairsV4, ...this.allowedPairsV6].map((p) => p[0])).add(this.mac)];
  }

  get ipv4Addresses(): string[] {
    return this.fixedIps.filter((ip) => ipVersion(ip) === 4);
  }

  get ipv6Addresses(): string[] {
    return this.fixedIps.filter((ip) => ipVersion(ip) === 6);
  }

  /** New details from the server: pairs (with the link-local address), fixed IPs. */
  update(port: DeviceDetails): void {
    this.allowedPairsV4 = allowedPairs(port, 4);
    this.allowedPairsV6 = pairSet([...allowedPairs(port, 6), [this.mac, this.llaAddress]]);
    this.fixedIps = port.fixedIps.map((f) => f.ipAddress);
    this.neutronPort = port;
  }
}

export class SGPortMap {
  /** Filtered ports by device id. */
  readonly ports = new Map<string, OFPort>();
  readonly secGroups = new Map<string, SecurityGroup>();
  /** Unfiltered ports (port security off, trusted) by device id: their VIF and local VLAN. */
  readonly unfiltered = new Map<string, { readonly ovsPort: VifPort; readonly vlanTag: number }>();

  getSg(id: string): SecurityGroup | undefined {
    return this.secGroups.get(id);
  }

  getOrCreateSg(id: string): SecurityGroup {
    let sg = this.secGroups.get(id);
    if (sg === undefined) {
      sg = new SecurityGroup(id);
      this.secGroups.set(id, sg);
    }
    return sg;
  }

  deleteSg(id: string): void {
    this.secGroups.delete(id);
  }

  createPort(port: OFPort, details: DeviceDetails): void {
    this.ports.set(port.id, port);
    this.updatePort(port, details);
  }

  updatePort(port: OFPort, details: DeviceDetails): void {
    for (const sg of this.secGroups.values()) sg.ports.delete(port);
    port.secGroups = details.securityGroups.map((id) => this.getOrCreateSg(id));
    for (const sg of port.secGroups) sg.ports.add(port);
    port.update(details);
  }

  removePort(port: OFPort): void {
    for (const sg of port.secGroups) sg.ports.delete(port);
    this.ports.delete(port.id);
  }

  updateRules(sgId: string, rules: readonly FwRule[]): void {
    this.getOrCreateSg(sgId).updateRules(rules);
  }

  updateMembers(sgId: string, members: Members): void {
    this.getOrCreateSg(sgId).members = members;
  }
}
