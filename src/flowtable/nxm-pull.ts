/**
 * Decoding an nx_match / OXM match from its bytes into a Match (OVS's
 * `nx_pull_match`, `oxm_pull_match` and their `_loose` forms, lib/nx-match.c).
 *
 * Entries are read in order; each must be well formed (OFPBMC_BAD_LEN), name
 * a known field (OFPBMC_BAD_FIELD; the loose forms skip unknown entries),
 * have no 1-bit in its value where its mask has a 0-bit
 * (OFPBMC_BAD_WILDCARDS), a mask the field allows (OFPBMC_BAD_MASK) and a
 * value the field can hold (OFPBMC_BAD_VALUE). The strict forms then check
 * the field's prerequisites against the entries before it
 * (OFPBMC_BAD_PREREQ); a field already matched is OFPBMC_DUP_FIELD. The
 * first failing entry fails the whole match.
 *
 * A field is then set as OVS's `mf_set` sets it, which is ovsim's
 * `Match.setField` except where OVS's flow holds more than ovsim's field:
 * - `tcp_flags` and `tun_erspan_idx` ("low 12/20 bits" of a 16/32-bit
 *   field) keep a mask or an exact value wider than those bits as it came
 *   (ovsim's own exact match, from text, has only the low bits in its mask;
 *   nxm-put.ts writes either as exact);
 * - `tun_erspan_ver`/`_dir`/`_hwid` take the value as their mask
 *   (match_set_tun_erspan_ver_masked and friends do so in OVS 3.1).
 */
import type { FieldSpec } from "./fields.js";
import { FIELDS } from "./fields.js";
import { allOnes } from "./field-values.js";
import { Match } from "./match.js";
import type { NxmHeader, NxmSideFieldId, NxmSideHeader } from "./nxm-headers.js";
import {
  headerByWire,
  headerLen,
  isExperimenter,
  NXM_NX_COOKIE,
  NXM_NX_COOKIE_W,
  nxmHasMask,
  nxmLength,
  OXM_OF_PACKET_TYPE,
  payloadLen,
  sideHeaderByWire,
  valueLen,
} from "./nxm-headers.js";
import { portFromOfp11 } from "./ofp11-port.js";
import { prereqOk } from "./prereqs.js";

/** Why a match failed to decode (OVS's ofperr names). */
export type NxmPullError =
  | "OFPBMC_BAD_LEN"
  | "OFPBMC_BAD_TYPE"
  | "OFPBMC_BAD_FIELD"
  | "OFPBMC_BAD_WILDCARDS"
  | "OFPBMC_BAD_MASK"
  | "OFPBMC_BAD_VALUE"
  | "OFPBMC_BAD_PREREQ"
  | "OFPBMC_DUP_FIELD";

export type NxmPullResult =
  | {
      readonly ok: true;
      readonly match: Match;
      readonly cookie: bigint;
      readonly cookieMask: bigint;
      /**
       * OVS's match then matches packet_type=Ethernet (match_add_ethernet_prereq:
       * a field with a prerequisite was set). ovsim's Match has no packet_type;
       * nxm-put.ts writes it back when no field written implies it.
       */
      readonly packetTypeEth: boolean;
      /** The matched fields ovsim's Match does not hold (dp_hash, recirc_id): value (masked) and mask. */
      readonly side: NxmSideFields;
    }
  | {
      readonly ok: false;
      readonly error: NxmPullError;
      /** For OFPBMC_BAD_WILDCARDS: the header of the entry with 1-bits in its value outside its mask. */
      readonly header?: bigint;
    };

/** Side fields (nxm-headers.ts) as matched: value already masked. */
export type NxmSideFields = ReadonlyMap<NxmSideFieldId, { readonly value: bigint; readonly mask: bigint }>;

export interface NxmPullOptions {
  /** Unknown fields are errors and prerequisites are checked (nx_pull_match), or not (_loose). */
  readonly strict: boolean;
  /** NXM_NX_COOKIE(_W) is accepted (nx_match of a flow_mod or flow stats request; never in OXM). */
  readonly allowCookie: boolean;
}

/** Values OVS checks on receipt (mf_is_value_valid): the bits the value may have. Other fields take any value. */
const VALID_BITS: ReadonlyMap<FieldSpec, bigint> = new Map([
  [FIELDS.nw_tos, 0xfcn],
  [FIELDS.ip_dscp, 0x3fn],
  [FIELDS.nw_ecn, 0x03n],
  [FIELDS.ip_frag, 0x03n],
  [FIELDS.tcp_flags, 0x0fffn],
  [FIELDS.arp_op, 0x00ffn],
  [FIELDS.vlan_vid, 0x1fffn],
  [FIELDS.vlan_pcp, 0x07n],
  [FIELDS.ipv6_label, 0xfffffn],
  [FIELDS.mpls_label, 0xfffffn],
  [FIELDS.mpls_tc, 0x07n],
  [FIELDS.mpls_bos, 0x01n],
  [FIELDS.tun_flags, 0x01n],
  [FIELDS.ct_state, 0xffn],
]);

/** "Low N bits" fields: OVS's flow keeps the whole wire value and mask, the member wide (see the header). */
export const LOW_BITS: ReadonlySet<FieldSpec> = new Set([FIELDS.tcp_flags, FIELDS.tun_erspan_idx]);
/** Fields whose mask OVS 3.1 sets to the received value (match_set_tun_erspan_*_masked, match_set_tun_gtpu_*_masked). */
export const MASK_IS_VALUE: ReadonlySet<FieldSpec> = new Set([
  FIELDS.tun_erspan_ver,
  FIELDS.tun_erspan_dir,
  FIELDS.tun_erspan_hwid,
  FIELDS.tun_gtpu_flags,
  FIELDS.tun_gtpu_msgtype,
]);
/** Fields carried as OpenFlow 1.1+ 32-bit ports, kept in OpenFlow 1.0 numbering. */
const OFP11_PORTS: ReadonlySet<FieldSpec> = new Set([FIELDS.in_port_oxm, FIELDS.actset_output]);


function readBig(b: Uint8Array, at: number, n: number): bigint {
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(b[at + i] ?? 0);
  return v;
}

function valueValid(f: FieldSpec, v: bigint): boolean {
  if (OFP11_PORTS.has(f)) return portFromOfp11(v) !== null;
  const bits = VALID_BITS.get(f);
  return bits === undefined || (v & ~bits) === 0n;
}

/** Sets `f` in `m` from a received value and mask (OVS's mf_set, as the header comment says). */
function setReceived(m: Match, f: FieldSpec, value: bigint, mask: bigint): void {
  const width = allOnes(f.member.bits);
  const full = allOnes(f.nBytes * 8);
  if (MASK_IS_VALUE.has(f)) {
    m.setMemberBits(f.member, width, value & mask, value);
  } else if (LOW_BITS.has(f) && mask === full && (value & ~f.memberMask) === 0n) {
    m.setFieldExact(f, value);
  } else if (LOW_BITS.has(f)) {
    m.setMemberBits(f.member, width, value, mask);
  } else if (OFP11_PORTS.has(f)) {
    m.setFieldExact(f, value < 0xff00n ? value : value - 0xffff0000n);
  } else {
    m.setField(f, value, mask);
  }
}

/** True when no bit of `f` is matched yet (mf_is_all_wild). */
function allWild(m: Match, f: FieldSpec): boolean {
  const bits = LOW_BITS.has(f) || MASK_IS_VALUE.has(f) ? allOnes(f.member.bits) : f.memberMask;
  return (m.memberMask(f.member) & bits) === 0n;
}

interface Entry {
  readonly header: bigint;
  readonly known: NxmHeader | undefined;
  readonly side: NxmSideHeader | undefined;
  readonly value: bigint;
  readonly mask: bigint;
}

type EntryResult = { ok: true; entry: Entry; next: number } | { ok: false; error: NxmPullError; next: number; header?: bigint };

/** One entry at `at` (nx_pull_entry__ and nx_pull_match_entry). `next` is where the following one starts. */
function pullEntry(b: Uint8Array, at: number, end: number, allowCookie: boolean): EntryResult {
  if (end - at < 4) return { ok: false, error: "OFPBMC_BAD_LEN", next: end };
  let header = readBig(b, at, 4) << 32n;
  if (isExperimenter(header)) {
    if (end - at < 8) return { ok: false, error: "OFPBMC_BAD_LEN", next: end };
    header = readBig(b, at, 8);
  }
  if (nxmLength(header) < headerLen(header) - 4) return { ok: false, error: "OFPBMC_BAD_LEN", next: end };
  let p = at + headerLen(header);
  const known = headerByWire(header);
  const side = known === undefined ? sideHeaderByWire(header) : undefined;
  const isCookie = header === NXM_NX_COOKIE || header === NXM_NX_COOKIE_W;
  const headerError = known === undefined && side === undefined && !(allowCookie && isCookie) && header !== OXM_OF_PACKET_TYPE;
  const plen = payloadLen(header);
  if (end - p < plen) return { ok: false, error: "OFPBMC_BAD_LEN", next: end };
  const width = valueLen(header);
  const masked = nxmHasMask(header);
  const value = readBig(b, p, width);
  const mask = masked ? readBig(b, p + width, width) : allOnes(width * 8);
  p += plen;
  if (masked && (value & ~mask) !== 0n) return { ok: false, error: "OFPBMC_BAD_WILDCARDS", next: p, header };
  if (headerError) return { ok: false, error: "OFPBMC_BAD_FIELD", next: p };
  if (known !== undefined) {
    const f = known.field;
    if (!f.maskable && mask !== 0n && mask !== allOnes(width * 8)) return { ok: false, error: "OFPBMC_BAD_MASK", next: p };
    if (!valueValid(f, value)) return { ok: false, error: "OFPBMC_BAD_VALUE", next: p };
  }
  if (side !== undefined && !side.maskable && mask !== 0n && mask !== allOnes(width * 8)) return { ok: false, error: "OFPBMC_BAD_MASK", next: p };
  return { ok: true, entry: { header, known, side, value, mask }, next: p };
}

/** The entries of `b[start, end)` into a match (nx_pull_raw). */
export function nxPullRaw(b: Uint8Array, start: number, end: number, o: NxmPullOptions): NxmPullResult {
  const match = new Match();
  let cookie = 0n;
  let cookieMask = 0n;
  let packetTypeEth = false;
  const side = new Map<NxmSideFieldId, { value: bigint; mask: bigint }>();
  let at = start;
  while (at < end) {
    const r = pullEntry(b, at, end, o.allowCookie);
    at = r.next;
    if (!r.ok) {
      if (r.error === "OFPBMC_BAD_FIELD" && !o.strict) continue;
      return r.header === undefined ? { ok: false, error: r.error } : { ok: false, error: r.error, header: r.header };
    }
    const { known, value, mask } = r.entry;
    if (r.entry.header === OXM_OF_PACKET_TYPE) {
      // Only the Ethernet packet_type (0) is one ovsim can hold (see packetTypeEth).
      if (value !== 0n) return { ok: false, error: "OFPBMC_BAD_VALUE" };
      if (packetTypeEth) return { ok: false, error: "OFPBMC_DUP_FIELD" };
      packetTypeEth = true;
      continue;
    }
    if (r.entry.side !== undefined) {
      if (side.has(r.entry.side.side)) return { ok: false, error: "OFPBMC_DUP_FIELD" };
      if (mask !== 0n) side.set(r.entry.side.side, { value: value & mask, mask });
      continue;
    }
    if (known === undefined) {
      if (cookieMask !== 0n) return { ok: false, error: "OFPBMC_DUP_FIELD" };
      cookie = value;
      cookieMask = mask;
      continue;
    }
    const f = known.field;
    if (o.strict && !prereqOk(f.prereq, match.key)) return { ok: false, error: "OFPBMC_BAD_PREREQ" };
    if (!allWild(match, f)) return { ok: false, error: "OFPBMC_DUP_FIELD" };
    setReceived(match, f, value, mask);
    if (f.prereq !== "none") packetTypeEth = true;
  }
  return { ok: true, match, cookie, cookieMask, packetTypeEth, side };
}

/** An nx_match of `matchLen` bytes at the start of `b` (nx_pull_match / _loose, cookie allowed). */
export function nxPullMatch(b: Uint8Array, matchLen: number, strict: boolean): NxmPullResult {
  const padded = Math.ceil(matchLen / 8) * 8;
  if (padded > b.length) return { ok: false, error: "OFPBMC_BAD_LEN" };
  return nxPullRaw(b, 0, matchLen, { strict, allowCookie: true });
}

/** An OXM match (struct ofp11_match_header, type OFPMT_OXM = 1, then entries) at the start of `b`. */
export function oxmPullMatch(b: Uint8Array, strict: boolean): NxmPullResult {
  if (b.length < 4) return { ok: false, error: "OFPBMC_BAD_LEN" };
  const type = readBig(b, 0, 2);
  const len = Number(readBig(b, 2, 2));
  if (len < 4) return { ok: false, error: "OFPBMC_BAD_LEN" };
  if (type !== 1n) return { ok: false, error: "OFPBMC_BAD_TYPE" };
  if (Math.ceil(len / 8) * 8 > b.length) return { ok: false, error: "OFPBMC_BAD_LEN" };
  return nxPullRaw(b, 4, len, { strict, allowCookie: false });
}
