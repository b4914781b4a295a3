/**
 * A packet: its bytes plus the layer offsets flow extraction finds, as OVS's
 * `struct dp_packet` (lib/dp-packet.h) keeps them.
 *
 * Design:
 * - `bytes` may be longer than the frame (a reusable buffer): `size` bytes
 *   from 0 are the frame. Nothing here copies unless asked to.
 * - Offsets are byte offsets from the start of the frame, `OFS_NONE` when the
 *   layer is absent, exactly as dp_packet's `l3_ofs` / `l4_ofs`
 *   (`UINT16_MAX` there). `extractFlow` sets them; builders set them too.
 * - `l2PadSize`: bytes of Ethernet padding after the IP datagram's end
 *   (dp_packet's `l2_pad_size`), never part of L3/L4 parsing.
 *
 * Hex text (`eth_from_hex`, `dp_packet_put_hex` in OVS) is parsed and printed here.
 */

/** An absent layer (OVS's UINT16_MAX offsets). */
export const OFS_NONE = 0xffff;
/** OVS's ETH_HEADER_LEN. */
export const ETH_HEADER_LEN = 14;

export class Packet {
  /** The frame: `size` bytes from index 0 (the array may be longer). */
  bytes: Uint8Array;
  /** Frame length in bytes. */
  size: number;
  /** Start of the L2 header (always 0 for Ethernet frames here). */
  l2Ofs: number;
  /** Start of the MPLS label stack (unused: no MPLS), OFS_NONE. */
  l2_5Ofs: number;
  /** Start of the L3 header (IP, ARP...) or OFS_NONE. */
  l3Ofs: number;
  /** Start of the L4 header (TCP, UDP, ICMP...) or OFS_NONE. */
  l4Ofs: number;
  /** Ethernet padding bytes after the IP datagram. */
  l2PadSize: number;
  /** Metadata (pkt_metadata's skb_priority): QoS queue, written by set(skb_priority). */
  skbPriority: number;
  /** Metadata (pkt_metadata's pkt_mark): written by set(skb_mark). */
  pktMark: number;
  /** Metadata (pkt_metadata's dp_hash): written by the datapath's hash(...) action, 0 = none. */
  dpHash: number;
  /**
   * Conntrack metadata (pkt_metadata's ct_* members), written by the `ct`
   * action (src/datapath/conntrack). `ctState` 0 means untracked, and then
   * the other ct members mean nothing (OVS's rule: ct_state == 0 voids them).
   */
  ctState: number;
  /** The zone of the last `ct` action (pkt_metadata's ct_zone). */
  ctZone: number;
  /** The connection's mark (pkt_metadata's ct_mark). */
  ctMark: number;
  /** The connection's 128-bit label as 4 words, most significant first; null = 0. Never mutated: replaced. */
  ctLabel: Uint32Array | null;
  /** The original-direction tuple (pkt_metadata's ct_orig_tuple), a conntrack key never mutated; null = none. */
  ctOrig: object | null;
  /** The connection found by the last `ct` action, kept for the next one (pkt_metadata's conn), or null. */
  ctConn: object | null;
  /** With `ctConn`: whether the packet was in the reply direction (pkt_metadata's reply). */
  ctReply: boolean;
  /** With `ctConn`: whether the packet was an ICMP error related to it (pkt_metadata's icmp_related). */
  ctIcmpRelated: boolean;

  constructor(bytes: Uint8Array, size: number = bytes.length) {
    this.bytes = bytes;
    this.size = size;
    this.l2Ofs = 0;
    this.l2_5Ofs = OFS_NONE;
    this.l3Ofs = OFS_NONE;
    this.l4Ofs = OFS_NONE;
    this.l2PadSize = 0;
    this.skbPriority = 0;
    this.pktMark = 0;
    this.dpHash = 0;
    this.ctState = 0;
    this.ctZone = 0;
    this.ctMark = 0;
    this.ctLabel = null;
    this.ctOrig = null;
    this.ctConn = null;
    this.ctReply = false;
    this.ctIcmpRelated = false;
  }

  /** The frame's bytes (a view, not a copy). */
  data(): Uint8Array {
    return this.bytes.subarray(0, this.size);
  }

  /** OVS's dp_packet_reset_offsets. */
  resetOffsets(): void {
    this.l2Ofs = 0;
    this.l2_5Ofs = OFS_NONE;
    this.l3Ofs = OFS_NONE;
    this.l4Ofs = OFS_NONE;
    this.l2PadSize = 0;
  }
}

function hexit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * OVS's dp_packet_put_hex: pairs of hex digits, white space allowed between
 * (not inside) bytes. Returns the bytes and the index where parsing stopped
 * (`s.length` when all of `s` was used).
 */
export function parseHexBytes(s: string): { readonly bytes: Uint8Array; readonly end: number } {
  const out = new Uint8Array(s.length >> 1);
  let n = 0;
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    if (i >= s.length) break;
    const hi = hexit(s.charCodeAt(i));
    const lo = i + 1 < s.length ? hexit(s.charCodeAt(i + 1)) : -1;
    if (hi < 0 || lo < 0) break;
    out[n++] = (hi << 4) | lo;
    i += 2;
  }
  return { bytes: out.slice(0, n), end: i };
}

export type HexPacketResult = { readonly ok: true; readonly packet: Packet } | { readonly ok: false; readonly error: string };

/** OVS's eth_from_hex: a frame from hex text, with OVS's error texts. */
export function packetFromHex(s: string): HexPacketResult {
  const { bytes, end } = parseHexBytes(s);
  if (end < s.length) return { ok: false, error: "Trailing garbage in packet data" };
  if (bytes.length < ETH_HEADER_LEN) return { ok: false, error: "Packet data too short for Ethernet" };
  return { ok: true, packet: new Packet(bytes) };
}

const HEX = "0123456789abcdef";

/** Lower-case hex of `bytes` (what ovs-ofctl and netdev-dummy/receive read). */
export function toHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    s += (HEX[b >> 4] ?? "") + (HEX[b & 15] ?? "");
  }
  return s;
}
