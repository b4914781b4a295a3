/*
 * The classifier's prefix tries and ports tries (OVS's check_tries and the ports trie of
 * find_match_wc) on real flow keys. Rules look like OpenFlow flows: an Ethernet type, then
 * CIDR prefixes on nw_src / nw_dst / ipv6_src, maybe a protocol and transport ports under
 * prefix masks, maybe tcp_flags, with values from small pools so that prefixes share bits.
 * Properties:
 * - the megaflow is sound: every key agreeing with the looked-up one on the wc bits gets the
 *   same rule (unique priorities), also after random removals;
 * - the answer is the one a classifier without tries gives, and the wc is never wider;
 * - a classifier whose prefix fields change after its rules are in answers, wc included,
 *   exactly as one built with those fields.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Classifier, ClassifierRule } from "../../src/flowtable/classifier.js";
import type { PrefixField } from "../../src/flowtable/cls-tries.js";
import { FLOW_WORDS, M, writeMember } from "../../src/flowtable/flow-layout.js";
import type { FlowMember } from "../../src/flowtable/flow-layout.js";
import { configurePrefixes, DEFAULT_PREFIX_FIELDS } from "../../src/flowtable/prefix-fields.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(300);
const WITH_IPV6 = configurePrefixes("br0", ["ip_dst", "ip_src", "ipv6_src"]).fields;

const IPV4 = [0x0a000000n, 0x0a010000n, 0x0a010203n, 0x0a0102ffn, 0x0a800000n, 0x0b000001n, 0xc0a80101n];
const IPV6 = [0x20010db8000000000000000000000001n, 0x20010db8000100000000000000000001n, 0x20010db9000000000000000000000000n, 0xfe800000000000000000000000000001n];
const PORTS = [22n, 80n, 81n, 443n, 0x1000n, 0x1234n, 0x8000n];
const ETH = [0x0800n, 0x86ddn, 0x0806n];

/** The value of one member of a key or mask. */
type Assignment = readonly [FlowMember, bigint];

function words(assignments: readonly Assignment[]): Uint32Array {
  const w = new Uint32Array(FLOW_WORDS);
  for (const [m, v] of assignments) writeMember(w, m, v);
  return w;
}

const prefixMask = (bits: number, len: number): bigint => (len === 0 ? 0n : ((1n << BigInt(len)) - 1n) << BigInt(bits - len));

/** A rule's mask as OpenFlow would have it: the Ethernet type whenever an L3 field is matched. */
const maskArb: fc.Arbitrary<Uint32Array> = fc
  .record({
    inPort: fc.boolean(),
    eth: fc.nat(ETH.length - 1),
    src: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 32 }), fc.constantFrom(8, 16, 24, 32)),
    dst: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 32 })),
    src6: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 128 }), fc.constantFrom(32, 48, 64)),
    proto: fc.boolean(),
    tpSrc: fc.constantFrom(0n, 0xffffn, 0xff00n),
    tpDst: fc.constantFrom(0n, 0xffffn, 0xfff0n, 0xf000n),
    tcpFlags: fc.boolean(),
  })
  .map((m) => {
    const a: Assignment[] = [[M.dlType, 0xffffn]];
    if (m.inPort) a.push([M.inPort, 0xffffn]);
    const eth = ETH[m.eth]!;
    if (eth === 0x86ddn) a.push([M.ipv6Src, prefixMask(128, m.src6)]);
    else {
      a.push([M.nwSrc, prefixMask(32, m.src)], [M.nwDst, prefixMask(32, m.dst)]);
    }
    if (eth !== 0x0806n && m.proto) {
      a.push([M.nwProto, 0xffn], [M.tpSrc, m.tpSrc], [M.tpDst, m.tpDst]);
      if (m.tcpFlags) a.push([M.tcpFlags, 0xfffn]);
    }
    return words(a);
  });

/** A key (also a rule's key before masking) with values from the pools. */
const keyArb: fc.Arbitrary<Uint32Array> = fc
  .record({
    inPort: fc.constantFrom(1n, 2n),
    eth: fc.constantFrom(...ETH),
    src: fc.constantFrom(...IPV4),
    dst: fc.constantFrom(...IPV4),
    src6: fc.constantFrom(...IPV6),
    proto: fc.constantFrom(6n, 17n),
    tpSrc: fc.constantFrom(...PORTS),
    tpDst: fc.constantFrom(...PORTS),
    tcpFlags: fc.constantFrom(0n, 2n, 0x10n),
  })
  .map((k) =>
    words([
      [M.inPort, k.inPort],
      [M.dlType, k.eth],
      [M.nwSrc, k.src],
      [M.nwDst, k.dst],
      [M.ipv6Src, k.src6],
      [M.nwProto, k.proto],
      [M.tpSrc, k.tpSrc],
      [M.tpDst, k.tpDst],
      [M.tcpFlags, k.tcpFlags],
    ]),
  );

interface Spec {
  readonly key: Uint32Array;
  readonly mask: Uint32Array;
}

const specsArb = fc
  .record({ masks: fc.array(maskArb, { minLength: 1, maxLength: 8 }), rules: fc.array(fc.tuple(fc.nat(), keyArb), { maxLength: 40 }) })
  .map(({ masks, rules }) =>
    rules.map(([m, k]): Spec => {
      const mask = masks[m % masks.length]!;
      return { key: k.map((v, i) => v & mask[i]!), mask };
    }),
  );

function build(specs: readonly Spec[], prefixes: readonly PrefixField[], ports = true): Classifier<number> {
  const cls = new Classifier<number>(FLOW_WORDS, { prefixes, ...(ports ? {} : { portsWord: -1 }) });
  // Unique priorities: soundness can ask for the very same rule.
  specs.forEach((s, i) => cls.insert(new ClassifierRule(s.key, s.mask, i, i)));
  return cls;
}

/** A key to probe: from the pools, or one that hits rule `from` with `noise` elsewhere. */
function probe(specs: readonly Spec[], from: number | null, noise: Uint32Array): Uint32Array {
  if (from === null || specs.length === 0) return noise;
  const s = specs[from % specs.length]!;
  return s.key.map((k, i) => (k | (noise[i]! & ~s.mask[i]!)) >>> 0);
}

function expectSound(cls: Classifier<number>, specs: readonly Spec[], key: Uint32Array, others: readonly [number | null, Uint32Array][]): Uint32Array {
  const wc = new Uint32Array(FLOW_WORDS);
  const got = cls.lookup(key, wc);
  expect(cls.lookup(key, null)).toBe(got);
  for (const [from, noise] of others) {
    const base = probe(specs, from, noise);
    const other = base.map((v, i) => ((key[i]! & wc[i]!) | (v & ~wc[i]!)) >>> 0);
    expect(cls.lookup(other, null)?.value ?? null).toBe(got?.value ?? null);
  }
  return wc;
}

const othersArb = fc.array(fc.tuple(fc.option(fc.nat()), keyArb), { minLength: 1, maxLength: 12 });

describe("classifier prefix and ports tries (flow keys)", () => {
  it("report sound megaflows", () => {
    fc.assert(
      fc.property(specsArb, fc.option(fc.nat()), keyArb, othersArb, fc.boolean(), (specs, from, noise, others, ipv6) => {
        const cls = build(specs, ipv6 ? WITH_IPV6 : DEFAULT_PREFIX_FIELDS);
        expectSound(cls, specs, probe(specs, from, noise), others);
      }),
      { numRuns: RUNS },
    );
  });

  it("stay sound as rules leave", () => {
    fc.assert(
      fc.property(specsArb, fc.array(fc.nat()), fc.option(fc.nat()), keyArb, othersArb, (specs, gone, from, noise, others) => {
        const cls = new Classifier<number>(FLOW_WORDS, { prefixes: WITH_IPV6 });
        const rules = specs.map((s, i) => new ClassifierRule(s.key, s.mask, i, i));
        for (const r of rules) cls.insert(r);
        const left = new Set(rules);
        for (const g of gone) {
          if (rules.length === 0) break;
          const r = rules[g % rules.length]!;
          expect(cls.remove(r)).toBe(left.delete(r));
        }
        const kept = specs.filter((_, i) => left.has(rules[i]!));
        const key = probe(kept, from, noise);
        expectSound(cls, kept, key, others);
        // The same answer and bits as a classifier that only ever held the rules left.
        const fresh = new Classifier<number>(FLOW_WORDS, { prefixes: WITH_IPV6 });
        for (const r of rules) if (left.has(r)) fresh.insert(new ClassifierRule(r.key, r.mask, r.priority, r.value));
        const a = new Uint32Array(FLOW_WORDS);
        const b = new Uint32Array(FLOW_WORDS);
        expect(cls.lookup(key, a)?.value ?? null).toBe(fresh.lookup(key, b)?.value ?? null);
        expect(a).toEqual(b);
      }),
      { numRuns: RUNS },
    );
  });

  it("find the rule a classifier without tries finds, with a wc never wider", () => {
    fc.assert(
      fc.property(specsArb, fc.option(fc.nat()), keyArb, (specs, from, noise) => {
        const withTries = build(specs, WITH_IPV6);
        const without = build(specs, [], false);
        const key = probe(specs, from, noise);
        const a = new Uint32Array(FLOW_WORDS);
        const b = new Uint32Array(FLOW_WORDS);
        expect(withTries.lookup(key, a)?.value ?? null).toBe(without.lookup(key, b)?.value ?? null);
        for (let i = 0; i < FLOW_WORDS; i++) expect((a[i]! & ~b[i]!) >>> 0).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });

  it("answer after setPrefixFields as if built with those fields", () => {
    const choices = [[], DEFAULT_PREFIX_FIELDS, WITH_IPV6, configurePrefixes("br0", ["ip_src"]).fields];
    fc.assert(
      fc.property(specsArb, fc.nat(choices.length - 1), fc.nat(choices.length - 1), fc.array(keyArb, { maxLength: 8 }), (specs, first, then, keys) => {
        const changed = build(specs, choices[first]!);
        changed.setPrefixFields(choices[then]!);
        const built = build(specs, choices[then]!);
        expect(changed.prefixFields).toEqual(built.prefixFields);
        for (const key of [...keys, ...specs.map((s) => s.key)]) {
          const a = new Uint32Array(FLOW_WORDS);
          const b = new Uint32Array(FLOW_WORDS);
          expect(changed.lookup(key, a)?.value ?? null).toBe(built.lookup(key, b)?.value ?? null);
          expect(a).toEqual(b);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("classifier tries: OVS's examples", () => {
  /** tests/classifier.at "flow classifier - prefix lookup", table 0 without the in_port stage. */
  it("un-wildcards the bits the tries looked at", () => {
    const cls = new Classifier<string>(FLOW_WORDS);
    const rule = (name: string, priority: number, a: Assignment[], m: Assignment[]) =>
      cls.insert(new ClassifierRule(words(a), words(m), priority, name));
    const ip = (s: string) => s.split(".").reduce((v, b) => (v << 8n) | BigInt(b), 0n);
    rule("a", 16, [[M.dlType, 0x800n], [M.nwProto, 6n], [M.nwDst, ip("10.1.0.0")]], [[M.dlType, 0xffffn], [M.nwProto, 0xffn], [M.nwDst, prefixMask(32, 16)]]);
    rule("b", 33, [[M.dlType, 0x800n], [M.nwProto, 6n], [M.nwDst, ip("10.1.2.15")], [M.tpDst, 80n]], [[M.dlType, 0xffffn], [M.nwProto, 0xffn], [M.nwDst, prefixMask(32, 32)], [M.tpDst, 0xffffn]]);
    const key = words([[M.dlType, 0x800n], [M.nwProto, 6n], [M.nwSrc, ip("192.168.0.1")], [M.nwDst, ip("192.168.0.2")], [M.tpDst, 80n]]);
    const wc = words([[M.dlType, 0xffffn]]);
    expect(cls.lookup(key, wc)).toBeNull();
    // nw_dst=192.168.0.0/16 in OVS's test, here /1: only 10.1/16 prefixes are in the trie.
    expect(wc).toEqual(words([[M.dlType, 0xffffn], [M.nwDst, prefixMask(32, 1)]]));
    // A miss on the port: the ports trie un-wildcards tp_dst down to the differing bit.
    const key2 = words([[M.dlType, 0x800n], [M.nwProto, 6n], [M.nwDst, ip("10.1.2.15")], [M.tpDst, 79n]]);
    wc.fill(0);
    expect(cls.lookup(key2, wc)?.value).toBe("a");
    expect(wc).toEqual(words([[M.dlType, 0xffffn], [M.nwProto, 0xffn], [M.nwDst, prefixMask(32, 32)], [M.tpDst, 0xfff0n]]));
  });
});
