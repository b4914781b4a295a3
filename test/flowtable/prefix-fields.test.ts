/*
 * How a Flow_Table's `prefixes` picks a table's prefix fields (bridge.c
 * bridge_configure_tables; the effect on megaflows is recorded through real OVS in
 * fixtures/xlate/trie-config, trie-ipv6 and trie-tables), and the stage index's counts.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { configurePrefixes, DEFAULT_PREFIX_FIELDS } from "../../src/flowtable/prefix-fields.js";
import { StageIndex } from "../../src/flowtable/stage-index.js";
import { propertyRuns } from "../../src/testing/runs.js";

const names = (p: { fields: readonly { name: string }[] }) => p.fields.map((f) => f.name);

describe("Flow_Table prefixes", () => {
  it("defaults to OVS's ip_dst, ip_src (no row, or an empty set)", () => {
    expect(configurePrefixes("br0", null).fields).toBe(DEFAULT_PREFIX_FIELDS);
    expect(names(configurePrefixes("br0", []))).toEqual(["ip_dst", "ip_src"]);
  });

  it("takes the fields in the database's order, aliases and duplicates folded", () => {
    expect(names(configurePrefixes("br0", ["ip_src", "nw_dst"]))).toEqual(["ip_src", "ip_dst"]);
    expect(names(configurePrefixes("br0", ["ip_dst", "nw_dst"]))).toEqual(["ip_dst"]);
    expect(names(configurePrefixes("br0", ["ipv6_dst", "ipv6_src", "tunnel_id"]))).toEqual(["ipv6_dst", "ipv6_src", "tun_id"]);
  });

  it("'none' disables the tries", () => {
    expect(names(configurePrefixes("br0", ["ip_src", "none"]))).toEqual([]);
  });

  it("skips unknown and unindexable fields with OVS's warnings; nothing valid keeps the defaults", () => {
    const c = configurePrefixes("br0", ["foo", "reg0", "tp_src"]);
    expect(names(c)).toEqual(["ip_dst", "ip_src"]);
    expect(c.warnings).toEqual([
      "bridge br0: 'prefixes' with unknown field: foo",
      "bridge br0: 'prefixes' with incompatible field: reg0",
      "bridge br0: 'prefixes' with incompatible field: tp_src",
    ]);
    expect(names(configurePrefixes("br0", ["ipv6_label", "nw_src"]))).toEqual(["ip_src"]);
  });

  it("fields OVS indexes but ovsim's key lacks replace the defaults and index nothing", () => {
    expect(names(configurePrefixes("br0", ["ct_nw_src"]))).toEqual([]);
    expect(names(configurePrefixes("br0", ["ct_nw_src", "ip_src"]))).toEqual(["ip_src"]);
  });
});

describe("StageIndex", () => {
  it("holds, per stage, exactly the hashes counted in and not out", () => {
    const stages = 3;
    const hash = fc.integer({ min: -40, max: 40 }).map((h) => h * 0x10001);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.nat(stages - 1), hash), { maxLength: 300 }), (ops) => {
        const index = new StageIndex(stages);
        const model = new Map<string, number>();
        const count = (s: number, h: number) => model.get(`${s}/${h}`) ?? 0;
        for (const [add, s, h] of ops) {
          if (add) {
            index.add(s, h);
            model.set(`${s}/${h}`, count(s, h) + 1);
          } else if (count(s, h) > 0) {
            index.remove(s, h);
            model.set(`${s}/${h}`, count(s, h) - 1);
          }
          for (let t = 0; t < stages; t++) {
            for (let x = -40; x <= 40; x++) expect(index.has(t, x * 0x10001)).toBe(count(t, x * 0x10001) > 0);
          }
        }
      }),
      { numRuns: propertyRuns(100) },
    );
  });
});
