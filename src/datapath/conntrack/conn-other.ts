/**
 * Tracking of protocols without a state machine of their own: UDP, SCTP,
 * GRE, any IP protocol but TCP and ICMP (OVS's lib/conntrack-other.c).
 *
 * Three states: FIRST (one packet seen), MULTIPLE (more packets, one
 * direction only), BIDIR (a reply was seen). Every packet is valid; it is
 * `+new` until the connection is bidirectional, then `+est`. The timeout is
 * OTHER_FIRST, OTHER_MULTIPLE or OTHER_BIDIR (60, 60, 30 s by default).
 */
import type { Packet } from "../packet/packet.js";
import type { CtTimeout, CtUpdateResult } from "./ct-consts.js";
import { CT_TM, CT_UPDATE } from "./ct-consts.js";
import type { Conn, ConnL4 } from "./conn.js";

const OTHERS_FIRST = 0;
const OTHERS_MULTIPLE = 1;
const OTHERS_BIDIR = 2;

const TIMEOUTS: readonly CtTimeout[] = [CT_TM.OTHER_FIRST, CT_TM.OTHER_MULTIPLE, CT_TM.OTHER_BIDIR];

export class OtherConnState implements ConnL4 {
  state = OTHERS_FIRST;

  /** OVS's other_conn_update. */
  update(conn: Conn, _pkt: Packet, reply: boolean, now: number): CtUpdateResult {
    if (reply && this.state !== OTHERS_BIDIR) this.state = OTHERS_BIDIR;
    else if (this.state === OTHERS_FIRST) this.state = OTHERS_MULTIPLE;
    conn.updateExpiration(TIMEOUTS[this.state]!, now);
    return this.state === OTHERS_BIDIR ? CT_UPDATE.VALID : CT_UPDATE.VALID_NEW;
  }

  /** Userspace conntrack prints no protoinfo for these protocols. */
  protoinfo(): string {
    return "";
  }
}

/** OVS's other_valid_new: any packet may start a connection. */
export function otherValidNew(): boolean {
  return true;
}

export const OTHER_FIRST_TIMEOUT: CtTimeout = CT_TM.OTHER_FIRST;
