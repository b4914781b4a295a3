/**
 * Matches over every field of the registry with any value and mask the
 * field allows (OVS's mf_is_value_valid / mf_is_mask_valid), for the
 * properties of match text and the classifier: a random dl_type / nw_proto
 * context first (IP contexts most often, ND contexts for nd_target and the
 * ND link-layer addresses), then a random subset of the fields whose
 * prerequisites the match so far meets, each exact or (if maskable) with a
 * random or prefix mask. `ip_frag` takes only OVS's valid value/mask pairs;
 * `dl_vlan` also OpenFlow 1.0's "no VLAN" (0xffff).
 *
 * Unlike matches() (match-arbitraries.ts), whose realistic pooled values
 * make flows and packets collide, these cover the whole value space.
 */
import fc from "fast-check";
import { allOnes } from "../flowtable/field-values.js";
import type { FieldSpec } from "../flowtable/fields.js";
import { allFields, FIELDS } from "../flowtable/fields.js";
import { Match } from "../flowtable/match.js";
import { prereqOk } from "../flowtable/prereqs.js";
import { ETH_TYPE, IPPROTO, ND_NEIGHBOR_ADVERT, ND_NEIGHBOR_SOLICIT } from "../flowtable/protocols.js";

/** The dl_type / nw_proto / ICMPv6 type a match is built in; null = not matched. */
export interface MatchContext {
  readonly dlType: number | null;
  readonly nwProto: number | null;
  /** ICMPv6 type and code 0, exact, to allow the ND fields. */
  readonly ndType: number | null;
}

const OTHER_ETH_TYPES = fc.integer({ min: 0x0600, max: 0xffff });
const context: fc.Arbitrary<MatchContext> = fc.oneof(
  fc.constant<MatchContext>({ dlType: null, nwProto: null, ndType: null }),
  fc
    .constantFrom(ETH_TYPE.ARP, ETH_TYPE.RARP, ETH_TYPE.MPLS, ETH_TYPE.MPLS_MCAST)
    .map((dlType): MatchContext => ({ dlType, nwProto: null, ndType: null })),
  OTHER_ETH_TYPES.map((dlType): MatchContext => ({ dlType, nwProto: null, ndType: null })),
  {
    // IP contexts hold most fields: draw them more often.
    weight: 4,
    arbitrary: fc
      .record({
        dlType: fc.constantFrom(ETH_TYPE.IP, ETH_TYPE.IPV6),
        nwProto: fc.oneof(
          { weight: 1, arbitrary: fc.constant(null) },
          {
            weight: 4,
            arbitrary: fc.constantFrom(IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP, IPPROTO.ICMP, IPPROTO.ICMPV6),
          },
          { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) },
        ),
        ndType: fc.constantFrom(null, ND_NEIGHBOR_SOLICIT, ND_NEIGHBOR_ADVERT),
      })
      .map((c): MatchContext => ({
        ...c,
        ndType: c.dlType === ETH_TYPE.IPV6 && c.nwProto === IPPROTO.ICMPV6 ? c.ndType : null,
      })),
  },
);

/** Fields the context sets; the random subset leaves them alone so the context stays valid. */
const CONTEXT_FIELDS: ReadonlySet<FieldSpec> = new Set([FIELDS.eth_type, FIELDS.nw_proto]);
const ND_CONTEXT_FIELDS: ReadonlySet<FieldSpec> = new Set([FIELDS.icmpv6_type, FIELDS.icmpv6_code]);

/** Value bits a field may hold, in the field's own units (OVS's mf_is_value_valid). */
function validBits(f: FieldSpec): bigint {
  const inMember = f.memberMask >> BigInt(f.shift);
  return f === FIELDS.vlan_vid ? inMember : inMember & allOnes(f.nBits);
}

/** Valid `ip_frag` value/mask pairs (OVS's frag table: no, first, later; no, yes; not_later, later). */
const FRAG_PAIRS: ReadonlyArray<readonly [bigint, bigint]> = [
  [0n, 0xffn],
  [1n, 0xffn],
  [3n, 0xffn],
  [0n, 0xfdn],
  [1n, 0xfdn],
  [0n, 0xfen],
  [2n, 0xfen],
];

function bits(valid: bigint): fc.Arbitrary<bigint> {
  return fc.bigInt({ min: 0n, max: valid }).map((v) => v & valid);
}

/** A value and mask valid for `f`: exact, or (if maskable) a random or prefix mask. */
function valueAndMask(f: FieldSpec): fc.Arbitrary<{ value: bigint; mask: bigint }> {
  if (f === FIELDS.ip_frag) return fc.constantFrom(...FRAG_PAIRS).map(([value, mask]) => ({ value, mask }));
  const valid = validBits(f);
  const full = allOnes(f.nBytes * 8);
  const exact = bits(valid).map((value) => ({ value, mask: full }));
  const specials =
    f === FIELDS.dl_vlan ? [fc.constant({ value: 0xffffn, mask: full })] : []; // OpenFlow 1.0's "no VLAN"
  if (!f.maskable) return fc.oneof(exact, ...specials);
  const width = valid.toString(2).length;
  const prefix = fc
    .integer({ min: 1, max: width })
    .map((n) => (allOnes(n) << BigInt(width - n)) & valid);
  const mask = fc.oneof(bits(valid).filter((m) => m !== 0n), prefix);
  const masked = fc.record({ value: bits(valid), mask }).map(({ value, mask: m }) => ({ value: value & m, mask: m }));
  return fc.oneof(exact, masked);
}

// Fields no OpenFlow flow format carries (tun_tos, tun_ttl, skb_priority) live past the flow key: no Match holds them.
const FIELD_LIST = allFields().filter((f) => f.datapathOnly !== true);
const fieldSettings = fc.array(
  fc.constantFrom(...FIELD_LIST).chain((f) => valueAndMask(f).map((vm) => ({ field: f, ...vm }))),
  { maxLength: 8 },
);

/**
 * ct_state values of a valid connection (+trk with new, est, rpl...), which the conntrack
 * original-tuple fields need (their "ct" prerequisite).
 */
const CT_VALID_STATES = fc.record({
  state: fc.constantFrom(0x21n, 0x22n, 0x2an, 0x26n, 0x61n),
  proto: fc.option(fc.constantFrom(6n, 17n, 1n, 58n, 132n)),
});

/** The conntrack tuple's ports: OVS carries (and prints) them only with ct_nw_proto. */
const CT_PORT_FIELDS: ReadonlySet<FieldSpec> = new Set([FIELDS.ct_tp_src, FIELDS.ct_tp_dst]);

/** Builds the match: context first (with `ct`, a valid ct_state), then each field whose prerequisites the match so far meets. */
function buildMatch(
  c: MatchContext,
  settings: ReadonlyArray<{ field: FieldSpec; value: bigint; mask: bigint }>,
  ct: { readonly state: bigint; readonly proto: bigint | null } | null = null,
): Match {
  const m = Match.catchall();
  if (ct !== null) m.setFieldExact(FIELDS.ct_state, ct.state);
  if (ct !== null && ct.proto !== null) m.setFieldExact(FIELDS.ct_nw_proto, ct.proto);
  if (c.dlType !== null) m.setFieldExact(FIELDS.eth_type, BigInt(c.dlType));
  if (c.nwProto !== null) m.setFieldExact(FIELDS.nw_proto, BigInt(c.nwProto));
  if (c.ndType !== null) {
    m.setFieldExact(FIELDS.icmpv6_type, BigInt(c.ndType));
    m.setFieldExact(FIELDS.icmpv6_code, 0n);
  }
  for (const s of settings) {
    if (CONTEXT_FIELDS.has(s.field) || (c.ndType !== null && ND_CONTEXT_FIELDS.has(s.field))) continue;
    if (!prereqOk(s.field.prereq, m.key)) continue;
    if (s.field === FIELDS.ct_state && ct !== null) continue;
    // The tuple's addresses go with their IP version's dl_type; its ports with ct_nw_proto.
    if ((s.field === FIELDS.ct_nw_src || s.field === FIELDS.ct_nw_dst) && c.dlType !== ETH_TYPE.IP) continue;
    if ((s.field === FIELDS.ct_ipv6_src || s.field === FIELDS.ct_ipv6_dst) && c.dlType !== ETH_TYPE.IPV6) continue;
    if (CT_PORT_FIELDS.has(s.field) && m.getField(FIELDS.ct_nw_proto).value === 0n) continue;
    if (s.field === FIELDS.ct_nw_proto && s.value === 0n) continue;
    m.setField(s.field, s.value, s.mask);
  }
  return m;
}

/** A Match over the whole registry (see the file comment). */
export function registryMatches(): fc.Arbitrary<Match> {
  return fc
    .record({ c: context, settings: fieldSettings, ct: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: CT_VALID_STATES }) })
    .map(({ c, settings, ct }) => buildMatch(c, settings, ct));
}

