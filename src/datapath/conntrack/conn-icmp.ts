/**
 * ICMP and ICMPv6 echo (and, for ICMP, timestamp and information request)
 * tracking (OVS's lib/conntrack-icmp.c).
 *
 * Two states: FIRST (requests seen) and REPLY (a reply was seen). Only a
 * request may create a connection (echo request, for ICMP also timestamp and
 * info request). Packets are `+new` until a reply is seen, then `+est`; the
 * timeout is ICMP_FIRST (60 s) then ICMP_REPLY (30 s).
 *
 * ICMP errors (destination unreachable, time exceeded...) never get here:
 * conn-key-extract.ts reads the header they quote and conntrack.ts marks
 * them related to that connection.
 */
import type { Packet } from "../packet/packet.js";
import type { CtTimeout, CtUpdateResult } from "./ct-consts.js";
import { CT_TM, CT_UPDATE } from "./ct-consts.js";
import type { Conn, ConnL4 } from "./conn.js";

const ICMPS_FIRST = 0;
const ICMPS_REPLY = 1;

export const ICMP4_ECHO_REPLY = 0;
export const ICMP4_ECHO_REQUEST = 8;
export const ICMP4_TIMESTAMP = 13;
export const ICMP4_TIMESTAMPREPLY = 14;
export const ICMP4_INFOREQUEST = 15;
export const ICMP4_INFOREPLY = 16;
export const ICMP6_ECHO_REQUEST = 128;
export const ICMP6_ECHO_REPLY = 129;

export class IcmpConnState implements ConnL4 {
  state = ICMPS_FIRST;

  /** OVS's icmp_conn_update. */
  update(conn: Conn, _pkt: Packet, reply: boolean, now: number): CtUpdateResult {
    let ret: CtUpdateResult = CT_UPDATE.VALID;
    if (reply && this.state === ICMPS_FIRST) this.state = ICMPS_REPLY;
    else if (this.state === ICMPS_FIRST) ret = CT_UPDATE.VALID_NEW;
    conn.updateExpiration(this.state === ICMPS_FIRST ? CT_TM.ICMP_FIRST : CT_TM.ICMP_REPLY, now);
    return ret;
  }

  protoinfo(): string {
    return "";
  }
}

/** OVS's icmp4_valid_new: echo, timestamp and information requests start connections. */
export function icmp4ValidNew(pkt: Packet): boolean {
  const t = pkt.bytes[pkt.l4Ofs];
  return t === ICMP4_ECHO_REQUEST || t === ICMP4_INFOREQUEST || t === ICMP4_TIMESTAMP;
}

/** OVS's icmp6_valid_new: only an echo request starts a connection. */
export function icmp6ValidNew(pkt: Packet): boolean {
  return pkt.bytes[pkt.l4Ofs] === ICMP6_ECHO_REQUEST;
}

/** OVS's reverse_icmp_type (only called on the six query types). */
export function reverseIcmpType(type: number): number {
  switch (type) {
    case ICMP4_ECHO_REQUEST:
      return ICMP4_ECHO_REPLY;
    case ICMP4_ECHO_REPLY:
      return ICMP4_ECHO_REQUEST;
    case ICMP4_TIMESTAMP:
      return ICMP4_TIMESTAMPREPLY;
    case ICMP4_TIMESTAMPREPLY:
      return ICMP4_TIMESTAMP;
    case ICMP4_INFOREQUEST:
      return ICMP4_INFOREPLY;
    case ICMP4_INFOREPLY:
      return ICMP4_INFOREQUEST;
    default:
      return type;
  }
}

/** OVS's reverse_icmp6_type. */
export function reverseIcmp6Type(type: number): number {
  if (type === ICMP6_ECHO_REQUEST) return ICMP6_ECHO_REPLY;
  if (type === ICMP6_ECHO_REPLY) return ICMP6_ECHO_REQUEST;
  return type;
}

export const ICMP_FIRST_TIMEOUT: CtTimeout = CT_TM.ICMP_FIRST;
