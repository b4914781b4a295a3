/**
 * Action lists as ASTs (`actionLists()`): every action ovsim knows, with
 * values over their whole ranges, restricted to the lists ovs-ofctl's text can
 * express exactly (so that parse(format(x)) is x): instructions in OVS's
 * order, conjunctions only beside notes, nat only inside ct, controller
 * actions that do not collapse into an output, ...
 *
 * These are for the action layer's own properties (text round trips, encoding,
 * commit of set actions): they are valid, not realistic. Lists a pipeline runs
 * (outputs to its own ports, resubmits forward) come from pipeline-arbitraries.ts.
 */
import fc from "fast-check";
import type { FieldSpec } from "../flowtable/fields.js";
import { FIELDS, regField } from "../flowtable/fields.js";
import { OFPP_CONTROLLER, OFPP_IN_PORT, OFPP_LOCAL, OFPP_NONE, OFPP_NORMAL, OFPP_FLOOD, OFPP_ALL, OFPP_TABLE } from "../flowtable/ports.js";
import { HASH_FIELDS } from "../actions/hash-fields.js";
import type { Subfield } from "../flowtable/subfield.js";
import type { Action, LearnSpec, NatAction, NatRange } from "../actions/action-types.js";

const u8 = fc.integer({ min: 0, max: 255 });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: 0xffffffffffffffffn });
const mac = fc.bigInt({ min: 0n, max: 0xffffffffffffn });
const ipv4 = fc.bigInt({ min: 0n, max: 0xffffffffn });
const plainPort = fc.integer({ min: 0, max: 0xfeff });
const reservedPort = fc.constantFrom(OFPP_IN_PORT, OFPP_TABLE, OFPP_NORMAL, OFPP_FLOOD, OFPP_ALL, OFPP_LOCAL);
const table = fc.integer({ min: 0, max: 254 });

/** Fields subfields are drawn from (all with an NXM name, as learn requires). */
const SUBFIELD_FIELDS: readonly FieldSpec[] = [
  ...Array.from({ length: 16 }, (_, i) => regField(i)),
  FIELDS.eth_src,
  FIELDS.eth_dst,
  FIELDS.tun_id,
  FIELDS.in_port,
  FIELDS.pkt_mark,
  FIELDS.vlan_tci,
  FIELDS.xxreg0,
  FIELDS.xxreg3,
];

function subfieldOf(field: FieldSpec, maxBits = 64): fc.Arbitrary<Subfield> {
  return fc
    .integer({ min: 0, max: field.nBits - 1 })
    .chain((ofs) =>
      fc.integer({ min: 1, max: Math.min(field.nBits - ofs, maxBits) }).map((nBits) => ({ field, ofs, nBits })),
    );
}

const subfield = fc.constantFrom(...SUBFIELD_FIELDS).chain((f) => subfieldOf(f));

/** Two subfields of the same width. */
const subfieldPair = subfield.chain((src) =>
  fc
    .constantFrom(...SUBFIELD_FIELDS.filter((f) => f.nBits >= src.nBits && f.writable))
    .chain((f) => fc.integer({ min: 0, max: f.nBits - src.nBits }).map((ofs) => ({ src, dst: { field: f, ofs, nBits: src.nBits } }))),
);

function valueFor(sf: Subfield): fc.Arbitrary<bigint> {
  return fc.bigInt({ min: 0n, max: (1n << BigInt(sf.nBits)) - 1n });
}

const fullMask = (f: FieldSpec): bigint => (1n << BigInt(f.nBytes * 8)) - 1n;

/** set_field as written with `set_field:` (exact or masked, for fields that print it back the same). */
const setFieldExact: fc.Arbitrary<Action> = fc.oneof(
  fc.constantFrom(...Array.from({ length: 16 }, (_, i) => regField(i)), FIELDS.tun_id, FIELDS.metadata, FIELDS.pkt_mark).chain((f) =>
    fc
      .tuple(fc.bigInt({ min: 0n, max: fullMask(f) }), fc.option(fc.bigInt({ min: 1n, max: fullMask(f) }), { nil: undefined }))
      .map(([value, mask]): Action => ({ type: "set_field", field: f, value, mask: mask ?? fullMask(f), raw: "set_field" })),
  ),
  mac.map((value): Action => ({ type: "set_field", field: FIELDS.eth_src, value, mask: fullMask(FIELDS.eth_src), raw: "set_field" })),
  ipv4.map((value): Action => ({ type: "set_field", field: FIELDS.ip_dst, value, mask: fullMask(FIELDS.ip_dst), raw: "set_field" })),
  fc.integer({ min: 0, max: 63 }).map((v): Action => ({ type: "set_field", field: FIELDS.ip_dscp, value: BigInt(v), mask: 0xffn, raw: "set_field" })),
  plainPort.map((v): Action => ({ type: "set_field", field: FIELDS.in_port, value: BigInt(v), mask: 0xffffn, raw: "set_field" })),
);

/** `load:V->F[a..b]`: one contiguous run of at most 64 bits. */
const load: fc.Arbitrary<Action> = subfield.chain((sf) =>
  valueFor(sf).map((v): Action => ({
    type: "set_field",
    field: sf.field,
    value: v << BigInt(sf.ofs),
    mask: ((1n << BigInt(sf.nBits)) - 1n) << BigInt(sf.ofs),
    raw: "reg_load",
  })),
);

const learnSpec: fc.Arbitrary<LearnSpec> = fc.oneof(
  subfield.chain((dst) => valueFor(dst).map((value): LearnSpec => ({ kind: "match_imm", dst, value }))),
  subfieldPair.map(({ src, dst }): LearnSpec => ({ kind: "match_field", dst, src })),
  subfield.map((dst): LearnSpec => ({ kind: "match_field", dst, src: dst })),
  subfield.chain((dst) => valueFor(dst).map((value): LearnSpec => ({ kind: "load_imm", dst, value }))),
  subfieldPair.map(({ src, dst }): LearnSpec => ({ kind: "load_field", dst, src })),
  subfield.map((src): LearnSpec => ({ kind: "output", src })),
);

const learn: fc.Arbitrary<Action> = fc
  .record({
    table,
    priority: u16,
    idleTimeout: u16,
    hardTimeout: u16,
    finIdleTimeout: u16,
    finHardTimeout: u16,
    cookie: u64,
    sendFlowRem: fc.boolean(),
    deleteLearned: fc.boolean(),
    limit: u32,
    resultDst: fc.option(
      fc.integer({ min: 0, max: 31 }).chain((ofs) => fc.integer({ min: 0, max: 15 }).map((r): Subfield => ({ field: regField(r), ofs, nBits: 1 }))),
      { nil: null },
    ),
    specs: fc.array(learnSpec, { maxLength: 4 }),
  })
  .map((r): Action => ({ type: "learn", ...r }));

function natRange(family: "ipv4" | "ipv6"): fc.Arbitrary<NatRange> {
  const bits = family === "ipv4" ? 32n : 128n;
  const addr = fc.bigInt({ min: 1n, max: (1n << bits) - 2n });
  return fc
    .tuple(addr, fc.boolean(), fc.integer({ min: 0, max: 0xfffe }), fc.boolean())
    .chain(([min, hasMax, portMin, hasPortMax]) =>
      fc
        .tuple(fc.bigInt({ min: min + 1n, max: (1n << bits) - 1n }), fc.integer({ min: portMin + 1, max: 0xffff }))
        .map(([max, portMax]) => ({
          family,
          addrMin: min,
          addrMax: hasMax ? max : 0n,
          portMin,
          portMax: portMin !== 0 && hasPortMax ? portMax : 0,
        })),
    );
}

const nat: fc.Arbitrary<NatAction> = fc.oneof(
  fc.constant<NatAction>({ type: "nat", kind: null, range: null, persistent: false, hash: false, random: false }),
  fc.constantFrom<"src" | "dst">("src", "dst").map((kind): NatAction => ({ type: "nat", kind, range: null, persistent: false, hash: false, random: false })),
  fc
    .tuple(fc.constantFrom<"src" | "dst">("src", "dst"), fc.oneof(natRange("ipv4"), natRange("ipv6")), fc.boolean(), fc.constantFrom("none", "hash", "random"))
    .map(([kind, range, persistent, h]): NatAction => ({ type: "nat", kind, range, persistent, hash: h === "hash", random: h === "random" })),
);

const ctMark: fc.Arbitrary<Action> = u32.map((v) => ({
  type: "set_field",
  field: FIELDS.ct_mark,
  value: BigInt(v),
  mask: 0xffffffffn,
  raw: "set_field",
}));

const ctLabel: fc.Arbitrary<Action> = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((v) => ({
  type: "set_field",
  field: FIELDS.ct_label,
  value: v,
  mask: (1n << 128n) - 1n,
  raw: "set_field",
}));

const ct: fc.Arbitrary<Action> = fc
  .record({
    commit: fc.boolean(),
    force: fc.boolean(),
    table: fc.integer({ min: 0, max: 255 }),
    zone: fc.oneof(u16.map((z) => ({ zoneImm: z, zoneSrc: null })), subfieldOf(regField(0), 16).map((s) => ({ zoneImm: 0, zoneSrc: s }))),
    alg: fc.constantFrom(0, 21, 69),
    nat: fc.option(nat, { nil: undefined }),
    exec: fc.array(fc.oneof(ctMark, ctLabel), { maxLength: 2 }),
  })
  .map(
    (r): Action => ({
      type: "ct",
      commit: r.commit,
      force: r.commit && r.force,
      table: r.table,
      ...r.zone,
      alg: r.alg,
      actions: [...(r.nat ? [r.nat] : []), ...r.exec],
    }),
  );

const hashFields = fc.constantFrom(...HASH_FIELDS);

/** multipath with a destination wide enough for its links, as OVS's parser requires. */
const multipath: fc.Arbitrary<Action> = subfield.chain((dst) =>
  fc
    .record({
      fields: hashFields,
      basis: u16,
      algorithm: fc.constantFrom("modulo_n" as const, "hash_threshold" as const, "hrw" as const, "iter_hash" as const),
      nLinks: fc.integer({ min: 1, max: dst.nBits >= 16 ? 65536 : 2 ** dst.nBits }),
      arg: u32,
    })
    .map(({ nLinks, ...r }): Action => ({ type: "multipath", ...r, maxLink: nLinks - 1, dst })),
);

const bundle: fc.Arbitrary<Action> = fc
  .record({
    fields: hashFields,
    basis: u16,
    algorithm: fc.constantFrom("active_backup" as const, "hrw" as const),
    members: fc.array(fc.oneof(plainPort, reservedPort), { maxLength: 5 }),
    dst: fc.option(subfield, { nil: null }),
  })
  .map((r): Action => ({ type: "bundle", ...r }));

const sample: fc.Arbitrary<Action> = fc
  .record({
    probability: fc.integer({ min: 1, max: 0xffff }),
    collectorSetId: u32,
    obsDomainId: u32,
    obsPointId: u32,
    samplingPort: fc.oneof(plainPort, reservedPort, fc.constant(OFPP_NONE)),
    direction: fc.constantFrom("default" as const, "ingress" as const, "egress" as const),
  })
  .map((r): Action => ({ type: "sample", ...r }));

/** Plain (apply) actions; `depth` bounds clone nesting. */
function applyAction(depth: number): fc.Arbitrary<Action> {
  const leaves: fc.Arbitrary<Action>[] = [
    plainPort.map((port): Action => ({ type: "output", port, maxLen: 0 })),
    reservedPort.map((port): Action => ({ type: "output", port, maxLen: 0 })),
    u16.map((maxLen): Action => ({ type: "output", port: OFPP_CONTROLLER, maxLen })),
    subfield.map((src): Action => ({ type: "output_reg", src, maxLen: 0xffff })),
    fc
      .tuple(fc.oneof(plainPort, fc.constantFrom(OFPP_LOCAL, OFPP_IN_PORT)), fc.integer({ min: 14, max: 0xffffffff }))
      .map(([port, maxLen]): Action => ({ type: "output_trunc", port, maxLen })),
    fc.tuple(fc.oneof(plainPort, fc.constantFrom(OFPP_LOCAL, OFPP_IN_PORT)), u32).map(([port, queue]): Action => ({ type: "enqueue", port, queue })),
    fc
      .record({
        maxLen: u16,
        reason: fc.constantFrom("no_match", "action", "invalid_ttl", "action_set", "group", "packet_out" as const),
        controllerId: u16,
        userdata: fc.array(u8, { maxLength: 6 }),
        pause: fc.boolean(),
        meterId: u32,
      })
      .filter((c) => c.reason !== "action" || c.controllerId !== 0 || c.userdata.length > 0 || c.pause || c.meterId !== 0xffffffff)
      .map((c): Action => ({ type: "controller", ...c })),
    u32.map((groupId): Action => ({ type: "group", groupId })),
    fc
      .tuple(fc.oneof(plainPort, fc.constantFrom(OFPP_IN_PORT, OFPP_LOCAL)), fc.integer({ min: 0, max: 255 }), fc.boolean())
      .filter(([p, t]) => p !== OFPP_IN_PORT || t !== 255)
      .map(([inPort, t, withCt]): Action => ({ type: "resubmit", inPort, table: t, withCt: withCt && (t !== 255 || inPort === OFPP_IN_PORT) ? withCt : false })),
    fc.tuple(fc.integer({ min: 0, max: 0xfff }), fc.boolean()).map(([vid, pushIfNeeded]): Action => ({ type: "set_vlan_vid", vid, pushIfNeeded })),
    fc.tuple(fc.integer({ min: 0, max: 7 }), fc.boolean()).map(([pcp, pushIfNeeded]): Action => ({ type: "set_vlan_pcp", pcp, pushIfNeeded })),
    fc.boolean().map((pop): Action => ({ type: "strip_vlan", pop })),
    fc.constantFrom(0x8100, 0x88a8).map((ethertype): Action => ({ type: "push_vlan", ethertype })),
    mac.map((m): Action => ({ type: "set_eth_src", mac: m })),
    mac.map((m): Action => ({ type: "set_eth_dst", mac: m })),
    ipv4.map((ip): Action => ({ type: "set_ipv4_src", ip })),
    ipv4.map((ip): Action => ({ type: "set_ipv4_dst", ip })),
    fc.integer({ min: 0, max: 63 }).map((d): Action => ({ type: "set_ip_dscp", dscp: d << 2 })),
    fc.integer({ min: 0, max: 3 }).map((ecn): Action => ({ type: "set_ip_ecn", ecn })),
    u8.map((ttl): Action => ({ type: "set_ip_ttl", ttl })),
    u16.map((port): Action => ({ type: "set_l4_src_port", port })),
    u16.map((port): Action => ({ type: "set_l4_dst_port", port })),
    subfieldPair.map(({ src, dst }): Action => ({ type: "reg_move", src, dst })),
    subfield.map((sf): Action => ({ type: "stack_push", subfield: sf })),
    subfield.filter((sf) => sf.field.writable).map((sf): Action => ({ type: "stack_pop", subfield: sf })),
    setFieldExact,
    load,
    fc.oneof(
      fc.constant<Action>({ type: "dec_ttl", ids: [0], withIds: false }),
      fc.array(u16, { minLength: 1, maxLength: 4 }).map((ids): Action => ({ type: "dec_ttl", ids, withIds: true })),
    ),
    fc.oneof(
      fc.bigInt({ min: 0n, max: 0xffffffffn }).map((tunId): Action => ({ type: "set_tunnel", tunId, is64: false })),
      u64.map((tunId): Action => ({ type: "set_tunnel", tunId, is64: true })),
    ),
    u32.map((queueId): Action => ({ type: "set_queue", queueId })),
    fc.constant<Action>({ type: "pop_queue" }),
    fc.tuple(u16, u16).map(([idleTimeout, hardTimeout]): Action => ({ type: "fin_timeout", idleTimeout, hardTimeout })),
    fc.array(u8, { maxLength: 8 }).map((data): Action => ({ type: "note", data })),
    fc.constant<Action>({ type: "exit" }),
    fc.constant<Action>({ type: "ct_clear" }),
    multipath,
    bundle,
    sample,
    subfield.chain((f) => subfieldOf(f.field, 1)).chain((dst) => u16.map((pktLen): Action => ({ type: "check_pkt_larger", pktLen, dst }))),
    learn,
    ct,
  ];
  if (depth > 0) {
    leaves.push(fc.array(applyAction(depth - 1), { minLength: 0, maxLength: 3 }).map((actions): Action => ({ type: "clone", actions })));
  }
  return fc.oneof(...leaves);
}

const conjunction: fc.Arbitrary<Action> = fc
  .integer({ min: 2, max: 64 })
  .chain((n) => fc.tuple(u32, fc.integer({ min: 1, max: n })).map(([id, clause]): Action => ({ type: "conjunction", id, clause, nClauses: n })));

/** A whole flow's actions: apply actions then instructions in OVS's order, or conjunctions with notes. */
const actionList: fc.Arbitrary<Action[]> = fc.oneof(
  { weight: 1, arbitrary: fc.array(fc.oneof(conjunction, fc.array(u8, { maxLength: 4 }).map((data): Action => ({ type: "note", data }))), { minLength: 1, maxLength: 4 }).filter((l) => l.some((a) => a.type === "conjunction")) },
  {
    weight: 6,
    arbitrary: fc
      .record({
        meter: fc.option(fc.integer({ min: 1, max: 0xffff0000 }), { nil: undefined }),
        apply: fc.array(applyAction(2), { maxLength: 5 }),
        clear: fc.boolean(),
        write: fc.option(fc.array(applyAction(1), { maxLength: 3 }), { nil: undefined }),
        metadata: fc.option(fc.tuple(u64, u64), { nil: undefined }),
        gotoTable: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }),
      })
      .map((r): Action[] => [
        ...(r.meter !== undefined ? [{ type: "meter", meterId: r.meter } as const] : []),
        ...r.apply,
        ...(r.clear ? [{ type: "clear_actions" } as const] : []),
        ...(r.write !== undefined ? [{ type: "write_actions", actions: r.write } as const] : []),
        ...(r.metadata !== undefined ? [{ type: "write_metadata", metadata: r.metadata[0], mask: r.metadata[1] } as const] : []),
        ...(r.gotoTable !== undefined ? [{ type: "goto_table", table: r.gotoTable } as const] : []),
      ]),
  },
);

/** A whole flow's action list as an AST (apply actions then instructions, or conjunctions with notes). */
export function actionLists(): fc.Arbitrary<Action[]> {
  return actionList;
}
