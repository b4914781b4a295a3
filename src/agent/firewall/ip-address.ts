/**
 * The little of netaddr the firewall uses: an address or network's version,
 * and a network in canonical text (`str(IPNetwork(x))`, `str(IPNetwork(x).cidr)`);
 * a MAC's link-local address is src/agent/ip.ts's.
 *
 * Canonical text matters for identity, not for the flows: OVS prints every
 * address its own way, but the firewall keys its remote-group state by
 * `str(IPNetwork(ip).cidr)`, so two spellings of one network must meet.
 * IPv6 prints as RFC 5952 (lower case, the longest run of two or more zero
 * groups as `::`, the leftmost on a tie), as netaddr does.
 */

export interface IpNetwork {
  readonly version: 4 | 6;
  /** The address as written (host bits kept). */
  readonly value: bigint;
  readonly prefixlen: number;
}

function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseIpv6(text: string): bigint | null {
  let s = text.toLowerCase();
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    const v4 = parseIpv4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    // an embedded IPv4 address (::ffff:10.0.0.1) is the last two groups
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    s = s.slice(0, lastColon + 1);
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === "") return [];
    const out: number[] = [];
    for (const g of h.split(":")) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? "");
  const rest = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (head === null || rest === null) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const all = [...head, ...Array<number>(8 - given).fill(0), ...rest, ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** An address or network (`10.0.0.5`, `10.0.0.0/24`, `2001:db8::/64`); throws on anything else, as netaddr. */
export function parseNetwork(text: string): IpNetwork {
  const [addr = "", len] = text.split("/");
  const v4 = parseIpv4(addr);
  const version: 4 | 6 = v4 !== null ? 4 : 6;
  const value = v4 ?? parseIpv6(addr);
  const max = version === 4 ? 32 : 128;
  const prefixlen = len === undefined ? max : /^\d+$/.test(len) ? Number(len) : NaN;
  if (value === null || !(prefixlen >= 0 && prefixlen <= max)) throw new Error(`invalid IPNetwork ${text}`);
  return { version, value, prefixlen };
}

/** netaddr's IPAddress(x).version / IPNetwork(x).version. */
export function ipVersion(text: string): 4 | 6 {
  return parseNetwork(text).version;
}


/**
 * IPv6 as netaddr prints it: RFC 5952's `::` for the longest run of two or
 * more zero groups, but IPv4-mapped addresses in hex (`::ffff:a00:1`), not
 * glibc inet_ntop's dotted form (flowtable's formatIpv6, as OVS prints).
 */
function formatIpv6(v: bigint): string {
  const g = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(":");
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** An address in netaddr's text. */
export function formatAddress(version: 4 | 6, value: bigint): string {
  if (version === 6) return formatIpv6(value);
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join(".");
}

/** `str(netaddr.IPNetwork(text))`: the address as written, with its prefix length. */
export function networkText(text: string): string {
  const n = parseNetwork(text);
  return `${formatAddress(n.version, n.value)}/${n.prefixlen}`;
}

/** `str(netaddr.IPNetwork(text).cidr)`: the network address (host bits cleared), with its prefix length. */
export function cidrText(text: string): string {
  const n = parseNetwork(text);
  const bits = BigInt(n.version === 4 ? 32 : 128);
  const hostBits = bits - BigInt(n.prefixlen);
  const value = (n.value >> hostBits) << hostBits;
  return `${formatAddress(n.version, value)}/${n.prefixlen}`;
}
