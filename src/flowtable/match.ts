/**
 * A match: a flow key and a mask of the same fixed layout (OVS's `struct match`,
 * a `struct flow` plus `struct flow_wildcards`). Invariant: `key == key & mask`
 * in every word, so two matches are equal exactly when their words are equal.
 *
 * Fields are set and read through the registry (`fields.ts`) with OVS's
 * `mf_set` semantics: an all-ones mask sets the field exactly (with its implied
 * bits, e.g. VLAN_CFI for `dl_vlan`), an all-zero mask wildcards it, anything
 * else sets value and mask bitwise.
 */
import type { FieldSpec } from "./fields.js";
import type { FlowMember } from "./flow-layout.js";
import { FLOW_WORDS, readMember, writeMember } from "./flow-layout.js";
import { allOnes } from "./field-values.js";
import type { TunMdField } from "./tun-metadata-match.js";

/** OpenFlow 1.0's "no VLAN" value for `dl_vlan`. */
export const OFP10_VLAN_NONE = 0xffffn;

export class Match {
  /** Flow values, already masked. */
  readonly key: Uint32Array;
  /** 1 bits are the bits that must match. */
  readonly mask: Uint32Array;
  /**
   * The tun_metadata fields as ovs-ofctl parsed them, before a switch placed
   * them in the key by its TLV map (OVS's match->tun_md; tun-metadata-match.ts).
   * Empty in a switch's matches, whose key words hold them.
   */
  readonly tunMd: TunMdField[];

  constructor(key?: Uint32Array, mask?: Uint32Array, tunMd?: TunMdField[]) {
    this.key = key ?? new Uint32Array(FLOW_WORDS);
    this.mask = mask ?? new Uint32Array(FLOW_WORDS);
    this.tunMd = tunMd ?? [];
  }

  /** The match that matches every packet. */
  static catchall(): Match {
    return new Match();
  }

  clone(): Match {
    return new Match(this.key.slice(), this.mask.slice(), [...this.tunMd]);
  }

  equals(other: Match): boolean {
    for (let i = 0; i < FLOW_WORDS; i++) {
      if (this.key[i] !== other.key[i] || this.mask[i] !== other.mask[i]) return false;
    }
    return true;
  }

  isCatchall(): boolean {
    return this.mask.every((w) => w === 0);
  }

  memberValue(m: FlowMember): bigint {
    return readMember(this.key, m);
  }

  memberMask(m: FlowMember): bigint {
    return readMember(this.mask, m);
  }

  /** Sets member bits selected by `bits` to `value` / `mask` (both already positioned). */
  setMemberBits(m: FlowMember, bits: bigint, value: bigint, mask: bigint): void {
    const oldValue = readMember(this.key, m);
    const oldMask = readMember(this.mask, m);
    const newMask = (oldMask & ~bits) | (mask & bits);
    writeMember(this.mask, m, newMask);
    writeMember(this.key, m, ((oldValue & ~bits) | (value & bits)) & newMask);
  }

  /** Sets a whole member exactly. */
  setMember(m: FlowMember, value: bigint): void {
    this.setMemberBits(m, allOnes(m.bits), value, allOnes(m.bits));
  }

  /** Wildcards a whole member. */
  clearMember(m: FlowMember): void {
    this.setMemberBits(m, allOnes(m.bits), 0n, 0n);
  }

  /** The field's value and mask, in the field's own units (OVS's `mf_get`). */
  getField(f: FieldSpec): { value: bigint; mask: bigint } {
    const v = readMember(this.key, f.member) & f.memberMask;
    const m = readMember(this.mask, f.member) & f.memberMask;
    return { value: v >> BigInt(f.shift), mask: m >> BigInt(f.shift) };
  }

  /** True when any bit of the field is matched. */
  hasField(f: FieldSpec): boolean {
    return (readMember(this.mask, f.member) & f.memberMask) !== 0n;
  }

  /** OVS's `mf_set`: exact when `mask` is all ones, wildcard when zero, else bitwise. */
  setField(f: FieldSpec, value: bigint, mask: bigint): void {
    const full = allOnes(f.nBytes * 8);
    if (mask === full || (f.name === "ipv6_label" && (mask & 0xfffffn) === 0xfffffn)) {
      this.setFieldExact(f, value);
    } else if (mask === 0n) {
      this.setFieldWild(f);
    } else {
      const shift = BigInt(f.shift);
      this.setMemberBits(f.member, f.memberMask, value << shift, mask << shift);
    }
  }

  /** OVS's `mf_set_value`. */
  setFieldExact(f: FieldSpec, value: bigint): void {
    if (f.name === "dl_vlan" && value === OFP10_VLAN_NONE) {
      // OpenFlow 1.0's "no VLAN header": the whole TCI must be zero.
      this.setMemberBits(f.member, 0xffffn, 0n, 0xffffn);
      return;
    }
    const shift = BigInt(f.shift);
    const bits = f.memberMask | f.impliedBits;
    this.setMemberBits(f.member, bits, (value << shift) | f.impliedBits, bits);
  }

  /** OVS's `mf_set_wild`. */
  setFieldWild(f: FieldSpec): void {
    if (f.impliedBits !== 0n) {
      // dl_vlan / dl_vlan_pcp (match_set_any_vid / _pcp): dropping one half of a
      // TCI match keeps the other half when it is matched, else wildcards the TCI.
      const otherHalf = f.memberMask === 0x0fffn ? 0xe000n : 0x0fffn;
      const bits = (this.memberMask(f.member) & otherHalf) !== 0n ? f.memberMask : 0xffffn;
      this.setMemberBits(f.member, bits, 0n, 0n);
      return;
    }
    this.setMemberBits(f.member, f.memberMask, 0n, 0n);
  }
}
