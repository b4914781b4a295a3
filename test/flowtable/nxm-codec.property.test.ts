/**
 * The NXM/OXM match codec (src/flowtable/nxm-put.ts, nxm-pull.ts,
 * nxm-text.ts) over random matches of every registry field
 * (registryMatches: any value and mask each field allows, every field's
 * prerequisites met by the whole match):
 *
 * (a) NXM is lossless: decoding what nx_put_match wrote (strictly, as
 *     ovs-ofctl --strict parse-nx-match does) gives the same match back,
 *     except the ERSPAN ver/dir/hwid fields, whose mask OVS sets to the value
 *     on receipt (match_set_tun_erspan_*_masked); from that first decoding
 *     on, encoding and decoding is a fixed point.
 * (b) OXM of each version (1.2-1.5) decodes strictly without error, and from
 *     the first decoding on is a fixed point too (OXM may drop what it cannot
 *     say: a VLAN PCP without a VID).
 * (c) The text notation round trips: parsing the printed entries gives the
 *     same bytes.
 * (d) Arbitrary bytes never throw: every input decodes or gives an ofperr.
 *
 * Expected outputs on OVS's own inputs are checked by the converted OVS tests
 * (fixtures/ovs-tests/ovs-ofctl/011..020: parse-nx-match, parse-oxm).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { allFields, FIELDS } from "../../src/flowtable/fields.js";
import { M } from "../../src/flowtable/flow-layout.js";
import type { Match } from "../../src/flowtable/match.js";
import type { NxmVersion } from "../../src/flowtable/nxm-headers.js";
import { allNxmHeaders, headerByName, headerByWire, wildHeader } from "../../src/flowtable/nxm-headers.js";
import { nxPullMatch, nxPullRaw, oxmPullMatch } from "../../src/flowtable/nxm-pull.js";
import { nxPutMatch, oxmPutMatch } from "../../src/flowtable/nxm-put.js";
import { nxMatchFromString, nxMatchToString, oxmMatchFromString, oxmMatchToString } from "../../src/flowtable/nxm-text.js";
import { prereqOk } from "../../src/flowtable/prereqs.js";
import { registryMatches } from "../../src/testing/registry-matches.js";
import { propertyRuns } from "../../src/testing/runs.js";

const RUNS = propertyRuns(300);
// The GTP-U fields have the ERSPAN quirk too (match_set_tun_gtpu_*_masked).
const QUIRKY = new Set([FIELDS.tun_erspan_ver, FIELDS.tun_erspan_dir, FIELDS.tun_erspan_hwid, FIELDS.tun_gtpu_flags, FIELDS.tun_gtpu_msgtype]);

function diff(a: Match, b: Match): string[] {
  const hex = (x: { value: bigint; mask: bigint }): string => `0x${x.value.toString(16)}/0x${x.mask.toString(16)}`;
  return allFields()
    .filter((f) => !QUIRKY.has(f))
    .flatMap((f) => {
      const x = a.getField(f);
      const y = b.getField(f);
      return x.value === y.value && x.mask === y.mask ? [] : [`${f.name}: ${hex(x)} vs ${hex(y)}`];
    });
}

/**
 * A TCI match with VID bits but no CFI bit, and PCP bits: OXM writes
 * OXM_OF_VLAN_PCP after a VLAN_VID without OFPVID_PRESENT, which strict
 * decoding refuses (OFPBMC_BAD_PREREQ), in OVS too: `ovs-ofctl check-vlan
 * 0001 ffff` (fixtures/flowtable/check-vlan.ovs).
 */
function pcpWithoutCfi(m: Match): boolean {
  const tci = m.memberValue(M.vlanTci);
  const mask = m.memberMask(M.vlanTci);
  return (tci & 0x1fffn) !== 0n && (tci & 0x1000n) === 0n && (mask & 0xe000n) !== 0n;
}

/**
 * Every field's prerequisites hold in the whole match. The generator adds a
 * field when the match so far allows it, so a later `nw_frag=later` can take
 * away the TCP/UDP/SCTP ports' prerequisite: OVS cannot send such a match
 * either (the decoder answers OFPBMC_BAD_PREREQ, as match-transmit.ts notes).
 */
function prereqsHold(m: Match): boolean {
  return allFields().every((f) => !m.hasField(f) || prereqOk(f.prereq, m.key));
}

const matches = registryMatches().filter(prereqsHold);

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

describe("NXM/OXM codec", () => {
  it("(a) NXM: decode(encode(m)) = m (ERSPAN ver/dir/hwid aside) and encoding is a fixed point", () => {
    fc.assert(
      fc.property(matches, (m) => {
        const out = nxPutMatch(m);
        const r = nxPullMatch(out.bytes, out.matchLen, true);
        if (!r.ok) throw new Error(`${r.error}: ${nxMatchToString(out.bytes, 0, out.matchLen)}`);
        expect(diff(m, r.match)).toEqual([]);
        // From the first decoding on (the ERSPAN quirk applied), encoding and decoding is a fixed point.
        const once = nxPutMatch(r.match, r.cookie, r.cookieMask, { packetTypeEth: r.packetTypeEth });
        const r2 = nxPullMatch(once.bytes, once.matchLen, true);
        if (!r2.ok) throw new Error(r2.error);
        const twice = nxPutMatch(r2.match, r2.cookie, r2.cookieMask, { packetTypeEth: r2.packetTypeEth });
        expect(nxMatchToString(twice.bytes, 0, twice.matchLen)).toBe(nxMatchToString(once.bytes, 0, once.matchLen));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([12, 13, 14, 15] as const)("(b) OXM %i: decodes strictly and re-encodes to the same bytes", (v: Exclude<NxmVersion, 0>) => {
    fc.assert(
      fc.property(matches.filter((m) => !pcpWithoutCfi(m)), (m) => {
        const out = oxmPutMatch(m, v);
        const r = oxmPullMatch(out.bytes, true);
        if (!r.ok) throw new Error(`${r.error}: ${oxmMatchToString(out.bytes, out.matchLen)}`);
        const once = oxmPutMatch(r.match, v, { packetTypeEth: r.packetTypeEth });
        const r2 = oxmPullMatch(once.bytes, true);
        if (!r2.ok) throw new Error(r2.error);
        const twice = oxmPutMatch(r2.match, v, { packetTypeEth: r2.packetTypeEth });
        expect(oxmMatchToString(twice.bytes, twice.matchLen)).toBe(oxmMatchToString(once.bytes, once.matchLen));
      }),
      { numRuns: RUNS },
    );
  });

  it("(c) the text notation round trips (NXM and OXM)", () => {
    fc.assert(
      fc.property(matches, fc.constantFrom<NxmVersion>(0, 12, 13, 15), (m, v) => {
        if (v === 0) {
          const out = nxPutMatch(m);
          const text = nxMatchToString(out.bytes, 0, out.matchLen);
          expect(same(nxMatchFromString(text).bytes, out.bytes)).toBe(true);
        } else {
          const out = oxmPutMatch(m, v);
          const text = oxmMatchToString(out.bytes, out.matchLen);
          expect(same(oxmMatchFromString(text).bytes, out.bytes)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("(d) arbitrary bytes decode or fail with an ofperr, never throw", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.boolean(), (b, strict) => {
        const r = nxPullRaw(b, 0, b.length, { strict, allowCookie: true });
        expect(r.ok || /^OFPBMC_/.test(r.error)).toBe(true);
        expect(typeof nxMatchToString(b, 0, b.length)).toBe("string");
      }),
      { numRuns: RUNS },
    );
  });

  it("every header is found again by its wire form and its name, exact and masked", () => {
    for (const h of allNxmHeaders()) {
      expect(headerByWire(h.header)).toBe(h);
      expect(headerByName(h.name)).toBe(h);
      if (h.field.maskable) expect(headerByWire(wildHeader(h.header))).toBe(h);
    }
  });
});
