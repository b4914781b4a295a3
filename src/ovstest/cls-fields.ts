/*
 * The rules and flows of OVS's tests/test-classifier.c, over ovsim's flow key.
 *
 * OVS's test builds every rule and every lookup flow from thirteen fields (CLS_FIELDS), each
 * of which takes one of two values. A rule is thus two 13-bit sets: the fields it wildcards
 * (`wild`) and, for each field it matches, which of the two values (`pat`, one bit a field,
 * bits of wildcarded fields 0); a lookup flow is one 13-bit value pattern. That abstract form
 * is what the reference classifier (tcls.ts) reads; this module turns it into ovsim's key and
 * mask words through the field registry, as OVS's make_rule turns it into a `struct match`.
 *
 * One departure: OVS 3.1's make_rule sets all thirteen fields whatever its `wc_fields`
 * argument (a loop body lost its `if (wc_fields & bit) continue;` in 2011, commit d8ae4d672),
 * so every rule there is exact on all thirteen fields and lands in one subtable. Here a set bit
 * of `wc_fields` wildcards its field again, as the test was written to do, so rules fall into
 * several subtables and the checks cover tuple space search (and its tries) across masks.
 */

import { fieldByName } from "../flowtable/fields.js";
import type { FieldSpec } from "../flowtable/fields.js";
import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import { Match } from "../flowtable/match.js";

/** One of the thirteen fields: its name in ovsim's registry and its two values (value, text). */
interface ClsField {
  readonly name: string;
  readonly spec: FieldSpec;
  readonly values: readonly [bigint, bigint];
  readonly texts: readonly [string, string];
}

function clsField(name: string, values: readonly [bigint, bigint], texts: readonly [string, string]): ClsField {
  const spec = fieldByName(name);
  if (spec === undefined) throw new Error(`test-classifier: no field ${name} in the registry`);
  return { name, spec, values, texts };
}

const OFPP_LOCAL = 0xfffen;
const U64 = 0xfedcba9876543210n;

/** OVS's CLS_FIELDS in its order (bit i of a pattern is field i) with its values. */
export const CLS_FIELDS: readonly ClsField[] = [
  clsField("tun_id", [0n, U64], ["0", "0xfedcba9876543210"]),
  clsField("metadata", [0n, U64], ["0", "0xfedcba9876543210"]),
  clsField("nw_src", [0xc0a80001n, 0xc0a04455n], ["192.168.0.1", "192.160.68.85"]),
  clsField("nw_dst", [0xc0a80002n, 0xc0a04455n], ["192.168.0.2", "192.160.68.85"]),
  clsField("in_port", [1n, OFPP_LOCAL], ["1", "LOCAL"]),
  clsField("vlan_tci", [101n, 0n], ["0x0065", "0x0000"]),
  clsField("dl_type", [0x0800n, 0x0806n], ["0x0800", "0x0806"]),
  clsField("tp_src", [49362n, 80n], ["49362", "80"]),
  clsField("tp_dst", [6667n, 22n], ["6667", "22"]),
  clsField("dl_src", [0x0002e30f80a4n, 0x5e337f5f1e99n], ["00:02:e3:0f:80:a4", "5e:33:7f:5f:1e:99"]),
  clsField("dl_dst", [0x4a2771ae64c1n, 0xffffffffffffn], ["4a:27:71:ae:64:c1", "ff:ff:ff:ff:ff:ff"]),
  clsField("nw_proto", [6n, 1n], ["6", "1"]),
  // OVS matches nw_tos under IP_DSCP_MASK: ovsim's nw_tos field is that view.
  clsField("nw_tos", [48n, 0n], ["48", "0"]),
];

export const CLS_N_FIELDS = CLS_FIELDS.length;
/** Every field: the 13-bit set of all of them. */
export const ALL_FIELDS = (1 << CLS_N_FIELDS) - 1;
/** Number of distinct lookup flows (two values a field). */
export const N_FLOW_VALUES = 1 << CLS_N_FIELDS;

/**
 * Each field's key words for each of its two values, and its mask words, as the registry
 * sets them exactly (OVS's mf_set_value). Fields never share bits, so a rule's key and mask
 * are the OR of its fields'.
 */
interface FieldWords {
  readonly key: readonly [Uint32Array, Uint32Array];
  readonly mask: Uint32Array;
}

let fieldWords: readonly FieldWords[] | null = null;

function wordsOfFields(): readonly FieldWords[] {
  if (fieldWords === null) {
    fieldWords = CLS_FIELDS.map((f) => {
      const m0 = Match.catchall();
      const m1 = Match.catchall();
      m0.setFieldExact(f.spec, f.values[0]);
      m1.setFieldExact(f.spec, f.values[1]);
      return { key: [m0.key, m1.key], mask: m0.mask };
    });
  }
  return fieldWords;
}

/** The key and mask words of the rule that matches the fields outside `wild` with the values `pat` picks. */
export function ruleWords(wild: number, pat: number): { key: Uint32Array; mask: Uint32Array } {
  const fw = wordsOfFields();
  const key = new Uint32Array(FLOW_WORDS);
  const mask = new Uint32Array(FLOW_WORDS);
  for (let f = 0; f < CLS_N_FIELDS; f++) {
    if ((wild >> f) & 1) continue;
    const w = fw[f]!;
    const k = w.key[(pat >> f) & 1]!;
    for (let i = 0; i < FLOW_WORDS; i++) {
      key[i] = key[i]! | k[i]!;
      mask[i] = mask[i]! | w.mask[i]!;
    }
  }
  return { key, mask };
}

let flowKeys: readonly Uint32Array[] | null = null;

/** The flow key of lookup flow `x` (a 13-bit value pattern), built once for all 8192. */
export function flowKey(x: number): Uint32Array {
  if (flowKeys === null) {
    const keys: Uint32Array[] = [];
    for (let p = 0; p < N_FLOW_VALUES; p++) keys.push(ruleWords(0, p).key);
    flowKeys = keys;
  }
  return flowKeys[x]!;
}

/** The fields outside `wild` with the values `pat` picks, as match text (`nw_src=192.168.0.1,...`). */
export function patternText(wild: number, pat: number): string {
  const parts: string[] = [];
  for (let f = 0; f < CLS_N_FIELDS; f++) {
    if ((wild >> f) & 1) continue;
    const field = CLS_FIELDS[f]!;
    parts.push(`${field.name}=${field.texts[(pat >> f) & 1]!}`);
  }
  return parts.length === 0 ? "(catch-all)" : parts.join(",");
}
