/**
 * TCP connection tracking (OVS's lib/conntrack-tcp.c, itself pf's
 * sequence-window tracking from OpenBSD, after Guido van Rooij's "Real
 * Stateful TCP Packet Filtering").
 *
 * Design:
 * - Each direction is a peer with the highest sequence number it sent
 *   (`seqlo`), the highest the other end may send given what it acked and
 *   its window (`seqhi`), its largest window and window-scale option, and a
 *   TCP state (TCPS). Peer 0 sent the first packet; peer 1 answers.
 * - A packet is valid when its data fits the window the other peer opened
 *   (the full pf check, ack skew included, with OVS's `MAXACKWINDOW` fudge);
 *   otherwise the looser "loose establishment / close" window may still
 *   accept it without moving the state; otherwise it is invalid.
 * - Flags the packet may not have (SYN with RST or FIN; neither SYN, ACK
 *   nor RST; FIN, PSH or URG without ACK) make it invalid before any window
 *   check (tcp_invalid_flags). A SYN+ACK cannot start a connection.
 * - A new SYN after both peers reached FIN_WAIT_2 or later ends the old
 *   connection: CT_UPDATE_NEW, the caller expires it and creates a new one
 *   (TCP port reuse).
 * - The expiration follows the states as conntrack-tcp.c: both peers closed
 *   (>= FIN_WAIT_2) -> TCP_CLOSED; both closing -> TCP_FIN_WAIT; one not yet
 *   established -> TCP_OPENING; one closing -> TCP_CLOSING; else
 *   TCP_ESTABLISHED.
 *
 * Nothing is simplified: the arithmetic is OVS's, on unsigned 32-bit
 * sequence numbers compared modulo 2^32 (SEQ_GEQ etc. as signed differences),
 * 16-bit windows (a left shift of max_win truncates to 16 bits, as OVS's
 * uint16_t does) and window scale factors up to 14. Sequence checking may be
 * turned off per Conntrack (`dpctl/ct-disable-tcp-seq-chk`), which accepts
 * every packet the window check would reject, as OVS does.
 */
import { get16, get32 } from "../packet/bytes.js";
import type { Packet } from "../packet/packet.js";
import type { CtTimeout, CtUpdateResult } from "./ct-consts.js";
import { CT_TM, CT_UPDATE, TCP_STATE_NAMES, TCPS } from "./ct-consts.js";
import type { Conn, ConnL4 } from "./conn.js";

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const TCP_URG = 0x20;
const TCP_HEADER_LEN = 20;

const TCPOPT_EOL = 0;
const TCPOPT_NOP = 1;
const TCPOPT_WINDOW = 3;
const TCP_MAX_WSCALE = 14;
const CT_WSCALE_FLAG = 0x80;
const CT_WSCALE_UNKNOWN = 0x40;
const CT_WSCALE_MASK = 0xf;
/** OVS's MAXACKWINDOW: a window plus 1500, "an arbitrary fudge factor". */
const MAXACKWINDOW = 0xffff + 1500;

/* Modular sequence comparisons (INT_MOD_*): the sign of the 32-bit difference. */
function seqGeq(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}
function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** OVS's tcp_invalid_flags. */
export function tcpInvalidFlags(flags: number): boolean {
  if ((flags & TCP_SYN) !== 0) {
    if ((flags & TCP_RST) !== 0 || (flags & TCP_FIN) !== 0) return true;
  } else if ((flags & (TCP_ACK | TCP_RST)) === 0) {
    return true;
  }
  if ((flags & TCP_ACK) === 0 && (flags & (TCP_FIN | TCP_PSH | TCP_URG)) !== 0) return true;
  return false;
}

function tcpFlags(p: Packet): number {
  return get16(p.bytes, p.l4Ofs + 12) & 0x0fff;
}

/** OVS's dp_packet_get_tcp_payload_length: bytes after the TCP header, padding excluded. */
function payloadLength(p: Packet): number {
  const l4Size = p.size - p.l4Ofs - p.l2PadSize;
  if (l4Size < TCP_HEADER_LEN) return 0;
  const hl = (p.bytes[p.l4Ofs + 12]! >> 4) * 4;
  if (hl < TCP_HEADER_LEN || hl > l4Size) return 0;
  return l4Size - hl;
}

/** OVS's tcp_get_wscale: the window scale option (with CT_WSCALE_FLAG), or 0. */
function tcpGetWscale(p: Packet): number {
  const b = p.bytes;
  let len = (b[p.l4Ofs + 12]! >> 4) * 4 - TCP_HEADER_LEN;
  let o = p.l4Ofs + TCP_HEADER_LEN;
  let wscale = 0;
  while (len >= 3) {
    const kind = b[o] ?? 0;
    if (kind === TCPOPT_EOL) return wscale;
    if (kind === TCPOPT_NOP) {
      o++;
      len--;
      continue;
    }
    if (kind === TCPOPT_WINDOW) wscale = Math.min(b[o + 2] ?? 0, TCP_MAX_WSCALE) | CT_WSCALE_FLAG;
    let optlen = b[o + 1] ?? 0;
    if (optlen < 2) optlen = 2;
    len -= optlen;
    o += optlen;
  }
  return wscale;
}

/** One end of a TCP connection (OVS's struct tcp_peer). */
class TcpPeer {
  /** Max sequence number sent. */
  seqlo = 0;
  /** Max the other end acked + its window. */
  seqhi = 0;
  /** Largest window (before scaling), 16 bits. */
  maxWin = 0;
  /** Window scale factor with CT_WSCALE_FLAG / CT_WSCALE_UNKNOWN. */
  wscale = 0;
  state: number = TCPS.CLOSED;
}

function divRoundUp(x: number, y: number): number {
  return Math.floor((x + y - 1) / y);
}

export class TcpConnState implements ConnL4 {
  /** peer[0] sent the first packet (original direction), peer[1] replies. */
  readonly peer: readonly [TcpPeer, TcpPeer];

  constructor() {
    this.peer = [new TcpPeer(), new TcpPeer()];
  }

  /** OVS's tcp_conn_update. */
  update(conn: Conn, pkt: Packet, reply: boolean, now: number, seqCheck: boolean): CtUpdateResult {
    const src = this.peer[reply ? 1 : 0];
    const dst = this.peer[reply ? 0 : 1];
    const b = pkt.bytes;
    const l4 = pkt.l4Ofs;
    const flags = tcpFlags(pkt);
    let win = get16(b, l4 + 14);
    const pLen = payloadLength(pkt);
    let sws = 0;
    let dws = 0;

    if (tcpInvalidFlags(flags)) return CT_UPDATE.INVALID;

    if ((flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      if (dst.state >= TCPS.FIN_WAIT_2 && src.state >= TCPS.FIN_WAIT_2) {
        src.state = dst.state = TCPS.CLOSED;
        return CT_UPDATE.NEW;
      } else if (src.state <= TCPS.SYN_SENT) {
        src.state = TCPS.SYN_SENT;
        conn.updateExpiration(CT_TM.TCP_FIRST_PACKET, now);
        return CT_UPDATE.VALID_NEW;
      }
    }

    if ((src.wscale & CT_WSCALE_FLAG) !== 0 && (dst.wscale & CT_WSCALE_FLAG) !== 0 && (flags & TCP_SYN) === 0) {
      sws = src.wscale & CT_WSCALE_MASK;
      dws = dst.wscale & CT_WSCALE_MASK;
    } else if ((src.wscale & CT_WSCALE_UNKNOWN) !== 0 && (dst.wscale & CT_WSCALE_UNKNOWN) !== 0 && (flags & TCP_SYN) === 0) {
      sws = TCP_MAX_WSCALE;
      dws = TCP_MAX_WSCALE;
    }

    const origSeq = get32(b, l4 + 4);
    let seq = origSeq;
    let ack: number;
    let end: number;
    let checkAckskew = true;
    if (src.state < TCPS.SYN_SENT) {
      // First packet from this end: set its state.
      ack = get32(b, l4 + 8);
      end = (seq + pLen) >>> 0;
      if ((flags & TCP_SYN) !== 0) {
        end = (end + 1) >>> 0;
        if ((dst.wscale & CT_WSCALE_FLAG) !== 0) {
          src.wscale = tcpGetWscale(pkt);
          if ((src.wscale & CT_WSCALE_FLAG) !== 0) {
            // Remove the scale factor from the initial window.
            sws = src.wscale & CT_WSCALE_MASK;
            win = divRoundUp(win, 1 << sws) & 0xffff;
            dws = dst.wscale & CT_WSCALE_MASK;
          } else {
            // Fix up the other window; in case of a retransmitted SYN|ACK.
            dst.maxWin = (dst.maxWin << (dst.wscale & CT_WSCALE_MASK)) & 0xffff;
            dst.wscale = 0;
          }
        }
      }
      if ((flags & TCP_FIN) !== 0) end = (end + 1) >>> 0;
      src.seqlo = seq;
      src.state = TCPS.SYN_SENT;
      // May need to slide the window (seqhi may have been set by picking up an established connection).
      const room = Math.max(1, dst.maxWin << dws);
      if (src.seqhi === 1 || seqGeq((end + room) >>> 0, src.seqhi)) {
        src.seqhi = (end + room) >>> 0;
        // A new connection, or one picked up: be permissive on ack skew.
        checkAckskew = false;
      }
      if (win > src.maxWin) src.maxWin = win;
    } else {
      ack = get32(b, l4 + 8);
      end = (seq + pLen) >>> 0;
      if ((flags & TCP_SYN) !== 0) end = (end + 1) >>> 0;
      if ((flags & TCP_FIN) !== 0) end = (end + 1) >>> 0;
    }

    if ((flags & TCP_ACK) === 0) {
      // Let it pass through the ack skew check.
      ack = dst.seqlo;
    } else if (ack === 0 && (flags & (TCP_ACK | TCP_RST)) === (TCP_ACK | TCP_RST)) {
      // Broken TCP stacks do not set ack.
      ack = dst.seqlo;
    }

    if (seq === end) {
      // Ease sequencing restrictions on no-data packets.
      seq = src.seqlo;
      end = seq;
    }

    const ackskew = checkAckskew ? (dst.seqlo - ack) | 0 : 0;
    const inWindow =
      seqGeq(src.seqhi, end) &&
      seqGeq(seq, (src.seqlo - (dst.maxWin << dws)) >>> 0) &&
      ackskew >= -MAXACKWINDOW &&
      ackskew <= MAXACKWINDOW << sws &&
      ((flags & TCP_RST) === 0 || origSeq === src.seqlo || origSeq === ((src.seqlo + 1) >>> 0) || ((origSeq + 1) >>> 0) === src.seqlo);
    if (inWindow || !seqCheck) {
      if (src.maxWin < win) src.maxWin = win;
      if (seqGt(end, src.seqlo)) src.seqlo = end;
      // Slide the window of what the other end can send.
      if (seqGeq((ack + (win << sws)) >>> 0, dst.seqhi)) dst.seqhi = (ack + Math.max(win << sws, 1)) >>> 0;
      if ((flags & TCP_SYN) !== 0 && src.state < TCPS.SYN_SENT) src.state = TCPS.SYN_SENT;
      if ((flags & TCP_FIN) !== 0 && src.state < TCPS.CLOSING) src.state = TCPS.CLOSING;
      if ((flags & TCP_ACK) !== 0) {
        if (dst.state === TCPS.SYN_SENT) dst.state = TCPS.ESTABLISHED;
        else if (dst.state === TCPS.CLOSING) dst.state = TCPS.FIN_WAIT_2;
      }
      if ((flags & TCP_RST) !== 0) src.state = dst.state = TCPS.TIME_WAIT;
      conn.updateExpiration(this.timeoutFor(src, dst), now);
    } else if (
      (dst.state < TCPS.SYN_SENT || dst.state >= TCPS.FIN_WAIT_2 || src.state >= TCPS.FIN_WAIT_2) &&
      seqGeq((src.seqhi + MAXACKWINDOW) >>> 0, end) &&
      seqGeq(seq, (src.seqlo - MAXACKWINDOW) >>> 0)
    ) {
      // Shotgunned SYNs, a stream picked up after establishment, funny packets after close:
      // accepted without refreshing the timeout.
      if (src.maxWin < win) src.maxWin = win;
      if (seqGt(end, src.seqlo)) src.seqlo = end;
      if (seqGeq((ack + (win << sws)) >>> 0, dst.seqhi)) dst.seqhi = (ack + Math.max(win << sws, 1)) >>> 0;
      if ((flags & TCP_FIN) !== 0 && src.state < TCPS.CLOSING) src.state = TCPS.CLOSING;
      if ((flags & TCP_RST) !== 0) src.state = dst.state = TCPS.TIME_WAIT;
    } else {
      return CT_UPDATE.INVALID;
    }
    return CT_UPDATE.VALID;
  }

  private timeoutFor(src: TcpPeer, dst: TcpPeer): CtTimeout {
    if (src.state >= TCPS.FIN_WAIT_2 && dst.state >= TCPS.FIN_WAIT_2) return CT_TM.TCP_CLOSED;
    if (src.state >= TCPS.CLOSING && dst.state >= TCPS.CLOSING) return CT_TM.TCP_FIN_WAIT;
    if (src.state < TCPS.ESTABLISHED || dst.state < TCPS.ESTABLISHED) return CT_TM.TCP_OPENING;
    if (src.state >= TCPS.CLOSING || dst.state >= TCPS.CLOSING) return CT_TM.TCP_CLOSING;
    return CT_TM.TCP_ESTABLISHED;
  }

  /** ct_dpif_format_protoinfo_tcp (one coalesced state) or its verbose form. */
  protoinfo(verbose: boolean): string {
    const [o, r] = this.peer;
    if (!verbose) return `state=${stateName(coalesce(Math.max(o.state, r.state)))}`;
    let s = `state_orig=${stateName(o.state)},state_reply=${stateName(r.state)}`;
    const wo = o.wscale & CT_WSCALE_MASK;
    const wr = r.wscale & CT_WSCALE_MASK;
    if (wo !== 0 || wr !== 0) s += `,wscale_orig=${wo},wscale_reply=${wr}`;
    return `${s},flags_orig=${peerFlags(o)},flags_reply=${peerFlags(r)}`;
  }
}

function stateName(state: number): string {
  return TCP_STATE_NAMES[state] ?? `[${state}]`;
}

/** OVS's coalesce_tcp_state: the kernel's view of FIN_WAIT_2 and SYN_RECV. */
function coalesce(state: number): number {
  if (state === TCPS.FIN_WAIT_2) return TCPS.TIME_WAIT;
  if (state === TCPS.SYN_RECV) return TCPS.ESTABLISHED;
  return state;
}

/** format_flags_masked of CT_DPIF_TCPF_* (WINDOW_SCALE 0x1, BE_LIBERAL 0x8) with a full mask. */
function peerFlags(p: TcpPeer): string {
  const names: string[] = [];
  if ((p.wscale & CT_WSCALE_FLAG) !== 0) names.push("WINDOW_SCALE");
  if ((p.wscale & CT_WSCALE_UNKNOWN) !== 0) names.push("BE_LIBERAL");
  return names.length === 0 ? "0" : names.join("|");
}

/** OVS's tcp_valid_new: a packet that may create a connection (valid flags, not SYN+ACK). */
export function tcpValidNew(pkt: Packet): boolean {
  const flags = tcpFlags(pkt);
  if (tcpInvalidFlags(flags)) return false;
  return !((flags & TCP_SYN) !== 0 && (flags & TCP_ACK) !== 0);
}

/** OVS's tcp_new_conn: the state of a connection `pkt` creates; its first timeout is TCP_FIRST_PACKET. */
export function tcpNewConn(pkt: Packet): TcpConnState {
  const st = new TcpConnState();
  const [src, dst] = st.peer;
  const b = pkt.bytes;
  const flags = tcpFlags(pkt);
  src.seqlo = get32(b, pkt.l4Ofs + 4);
  src.seqhi = (src.seqlo + payloadLength(pkt) + 1) >>> 0;
  if ((flags & TCP_SYN) !== 0) {
    src.seqhi = (src.seqhi + 1) >>> 0;
    src.wscale = tcpGetWscale(pkt);
  } else {
    src.wscale = CT_WSCALE_UNKNOWN;
    dst.wscale = CT_WSCALE_UNKNOWN;
  }
  src.maxWin = Math.max(get16(b, pkt.l4Ofs + 14), 1);
  if ((src.wscale & CT_WSCALE_MASK) !== 0) {
    src.maxWin = divRoundUp(src.maxWin, 1 << (src.wscale & CT_WSCALE_MASK)) & 0xffff;
  }
  if ((flags & TCP_FIN) !== 0) src.seqhi = (src.seqhi + 1) >>> 0;
  dst.seqhi = 1;
  dst.maxWin = 1;
  src.state = TCPS.SYN_SENT;
  dst.state = TCPS.CLOSED;
  return st;
}

export const TCP_FIRST_TIMEOUT: CtTimeout = CT_TM.TCP_FIRST_PACKET;
