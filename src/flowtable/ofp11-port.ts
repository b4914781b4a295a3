/**
 * OpenFlow 1.1+ 32-bit port numbers to ovsim's OpenFlow 1.0 numbering and
 * back (OVS's `ofputil_port_from_ofp11` / `ofputil_port_to_ofp11`): ports
 * below 0xff00 are the same, the reserved ports 0xffffff00.. map to
 * 0xff00..; anything between is refused, with OVS's warning (module
 * ofp_port), e.g. when a received match names such an in_port.
 */
import { programWarn } from "./program-log.js";

/** ovsim's port for OpenFlow 1.1+ port `p`, or null (logged) when out of range. */
export function portFromOfp11(p: bigint): bigint | null {
  if (p < 0xff00n) return p;
  if (p >= 0xffffff00n) return p - 0xffff0000n;
  programWarn("ofp_port", `port ${p} is outside the supported range 0 through 65279 or 0xffffff00 through 0xffffffff`);
  return null;
}

/** The OpenFlow 1.1+ number of ovsim port `p` (16-bit). */
export function portToOfp11(p: bigint): bigint {
  return p >= 0xff00n ? p + 0xffff0000n : p;
}
