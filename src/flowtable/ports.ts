/**
 * OpenFlow port numbers as OVS handles them in text: 16-bit OpenFlow 1.0 port
 * numbers (OVS's `ofp_port_t`), the reserved ports by name, and an optional
 * name map (a bridge's port names) for `in_port=eth0`.
 */
import type { TableNameMap } from "./table-names.js";
import { namemapName } from "./table-names.js";
import { programWarn, programWarnOnce } from "./program-log.js";

export const OFPP_MAX = 0xff00;
export const OFPP_UNSET = 0xfff7;
export const OFPP_IN_PORT = 0xfff8;
export const OFPP_TABLE = 0xfff9;
export const OFPP_NORMAL = 0xfffa;
export const OFPP_FLOOD = 0xfffb;
export const OFPP_ALL = 0xfffc;
export const OFPP_CONTROLLER = 0xfffd;
export const OFPP_LOCAL = 0xfffe;
export const OFPP_NONE = 0xffff;
/** OpenFlow 1.1+ port numbers are the 1.0 numbers plus this offset above OFPP_MAX. */
export const OFPP11_OFFSET = 0xffff0000;

const RESERVED: ReadonlyArray<readonly [string, number]> = [
  ["UNSET", OFPP_UNSET],
  ["IN_PORT", OFPP_IN_PORT],
  ["TABLE", OFPP_TABLE],
  ["NORMAL", OFPP_NORMAL],
  ["FLOOD", OFPP_FLOOD],
  ["ALL", OFPP_ALL],
  ["CONTROLLER", OFPP_CONTROLLER],
  ["LOCAL", OFPP_LOCAL],
  ["ANY", OFPP_NONE],
];

/** Port names of one bridge, for parsing and (with --names) printing. */
export interface PortNameMap {
  numberOf(name: string): number | undefined;
  nameOf(port: number): string | undefined;
  /** The switch's flow table names (table-names.ts), which OVS passes beside its port names. */
  readonly tables?: TableNameMap;
}

/** The printed name of a reserved port, or undefined for an ordinary one. */
export function reservedPortName(port: number): string | undefined {
  return RESERVED.find(([, n]) => n === port)?.[0];
}

/**
 * OVS's `ofputil_port_from_string`: a decimal number below 0xff00, a reserved
 * port number, a 32-bit OpenFlow 1.1 number of a reserved port, a reserved name
 * (any case, `NONE` for `ANY`), or a name from `names`. Returns undefined if
 * none of these.
 */
export function parsePort(s: string, names?: PortNameMap): number | undefined {
  if (s.startsWith("-")) {
    programWarn("ofp_port", `Negative value ${s} is not a valid port number.`);
    return undefined;
  }
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    if (n > 0xffffffff) return undefined;
    return portFromNumber(n);
  }
  const upper = s.toUpperCase();
  if (upper === "NONE") return OFPP_NONE;
  const reserved = RESERVED.find(([name]) => name === upper);
  if (reserved) return reserved[1];
  const unquoted = s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
  return names?.numberOf(unquoted);
}

/**
 * A decimal port number as `ofputil_port_from_string` takes it, with its
 * warnings (module ofp_port): numbers of reserved ports are deprecated, and
 * numbers between the 16-bit and the OpenFlow 1.1 ranges are refused.
 */
function portFromNumber(n: number): number | undefined {
  if (n < OFPP_MAX) return n;
  if (n < OFPP_IN_PORT) {
    programWarn("ofp_port", `port ${n} is a reserved OF1.0 port number that will be translated to ${n + OFPP11_OFFSET} when talking to an OF1.1 or later controller`);
    return n;
  }
  if (n <= OFPP_NONE) {
    const name = reservedPortName(n) ?? String(n);
    programWarnOnce("ofp_port", "reserved-port-number", `referring to port ${name} as ${n} is deprecated for compatibility with OpenFlow 1.1 and later`);
    return n;
  }
  if (n < OFPP11_OFFSET + OFPP_MAX) {
    programWarn("ofp_port", `port ${n} is outside the supported range 0 through ffff or 0xffffff00 through 0xffffffff`);
    return undefined;
  }
  return n - OFPP11_OFFSET;
}

/** OVS's `ofputil_format_port` (a name quoted as namemap_put_name quotes it). */
export function formatPort(port: number, names?: PortNameMap): string {
  const reserved = reservedPortName(port);
  if (reserved !== undefined) return reserved;
  const name = names?.nameOf(port);
  return name === undefined ? String(port) : namemapName(name);
}
