/**
 * The little of netaddr the agent uses: an address's or CIDR's IP version
 * and prefix length, os-ken's form of a masked address in a match
 * (`OpenFlowSwitchMixin._cidr_to_os_ken`), and the EUI-64 link-local
 * address of a MAC (`oslo_utils.netutils.get_ipv6_addr_by_EUI64`) that the
 * ICMPv6 neighbour-advertisement protection allows.
 */

import { formatIpv6 } from "../flowtable/field-values.js";

/** 4 or 6 for an address or CIDR (`10.0.0.1`, `10.0.0.0/24`, `2001:db8::/64`), null when it is neither. */
export function ipVersion(text: string): 4 | 6 | null {
  const [addr, len] = splitCidr(text);
  if (parseIpv4(addr) !== null) return len === null || (len >= 0 && len <= 32) ? 4 : null;
  if (parseIpv6(addr) !== null) return len === null || (len >= 0 && len <= 128) ? 6 : null;
  return null;
}

/** netaddr.IPNetwork(text).prefixlen: the CIDR's length, or the full length for a bare address. */
export function prefixLength(text: string): number {
  const [addr, len] = splitCidr(text);
  if (len !== null) return len;
  return parseIpv4(addr) !== null ? 32 : 128;
}

function splitCidr(text: string): [string, number | null] {
  const slash = text.indexOf("/");
  if (slash < 0) return [text, null];
  const len = text.slice(slash + 1);
  return [text.slice(0, slash), /^\d+$/.test(len) ? Number(len) : -1];
}

/** An IPv4 address as a 32-bit unsigned number, or null. */
export function parseIpv4(text: string): number | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    v = v * 256 + Number(p);
  }
  return v;
}

/** An IPv6 address as eight 16-bit groups, or null (an embedded IPv4 tail is accepted). */
export function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(":")) return null;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === "") return [];
    const out: number[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseIpv4(p);
        if (v4 === null) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const fill = 8 - head.length - tail.length;
  if (fill < 1) return null;
  return [...head, ...new Array<number>(fill).fill(0), ...tail];
}


/**
 * `_cidr_to_os_ken`: a CIDR with host bits in its mask as address/mask (the
 * address as written: OVS masks it), a full-length one as the bare address.
 */
export function cidrForMatch(text: string): string {
  const [addr, len] = splitCidr(text);
  const full = parseIpv4(addr) !== null ? 32 : 128;
  return len === null || len === full ? addr : `${addr}/${len}`;
}

/** get_ipv6_addr_by_EUI64(fe80::/64, mac): the link-local address SLAAC derives from `mac`. */
export function linkLocalOfMac(mac: string): string {
  const b = mac.split(/[:-]/).map((x) => parseInt(x, 16));
  if (b.length !== 6 || b.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) throw new RangeError(`not a MAC address: ${mac}`);
  const eui = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups = [0xfe80, 0, 0, 0];
  for (let i = 0; i < 8; i += 2) groups.push((eui[i]! << 8) | eui[i + 1]!);
  return formatIpv6(groups.reduce((v, x) => (v << 16n) | BigInt(x), 0n));
}

/** A MAC in netaddr's mac_unix dialect with two-digit words (the agent's `_mac_mydialect`): lower case, colons. */
export function normalizeMac(mac: string): string {
  const b = mac.split(/[:-]/).map((x) => parseInt(x, 16));
  if (b.length !== 6 || b.some((x) => !Number.isInteger(x))) return mac.toLowerCase();
  return b.map((x) => x.toString(16).padStart(2, "0")).join(":");
}
