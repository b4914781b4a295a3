/**
 * Parses an exact flow, `FIELD=VALUE[,FIELD=VALUE]...` (OVS's
 * `parse_ofp_exact_flow` in lib/ofp-flow.c): what `ovs-appctl ofproto/trace
 * BRIDGE FLOW` reads. Unlike a match, every field is set to one value (no
 * masks: `10.0.0.0/8` is "wildcards not allowed here"), and prerequisites are
 * checked in order against the flow built so far, so `tcp,tp_src=5` is fine and
 * `tp_src=5,tcp` is "prerequisites not met for setting tp_src". `tp_src` is
 * `tcp_src`'s alias, as in OVS: `udp,tp_src=5` is refused too. A flow that
 * names no `in_port` gets OFPP_NONE (printed `ANY`). The key is a translation flow's
 * length: `skb_priority`, `tun_tos` and `tun_ttl` live past the flow key proper.
 *
 * Errors are OVS's texts, prefixed by the whole flow string as OVS does.
 */
import { allOnes } from "./field-values.js";
import { parseFieldValue } from "./field-parse.js";
import type { FieldSpec } from "./fields.js";
import { fieldByName } from "./fields.js";
import { DATAPATH_METADATA_WORDS, FLOW_WORDS, M, readMember, readSmall, writeMember } from "./flow-layout.js";
import { keyValuePairs } from "./flow-mod-parse.js";
import type { PortNameMap } from "./ports.js";
import { OFPP_NONE } from "./ports.js";
import { prereqOk } from "./prereqs.js";
import { PROTOCOL_SHORTHANDS } from "./protocols.js";

export type ExactFlowResult = { readonly ok: true; readonly key: Uint32Array } | { readonly ok: false; readonly error: string };

/** OVS's mf_get_value: the field's value in field units. */
function fieldValue(key: Uint32Array, f: FieldSpec): bigint {
  return (readMember(key, f.member) & f.memberMask) >> BigInt(f.shift);
}

/** OVS's mf_set_flow_value (implied bits such as dl_vlan's CFI included). */
function setFieldValue(key: Uint32Array, f: FieldSpec, value: bigint): void {
  if (f.name === "dl_vlan" && value === 0xffffn) {
    // OpenFlow 1.0's "no VLAN header".
    writeMember(key, f.member, 0n);
    return;
  }
  const bits = f.memberMask | f.impliedBits;
  const v = ((value << BigInt(f.shift)) & f.memberMask) | f.impliedBits;
  writeMember(key, f.member, (readMember(key, f.member) & ~bits) | v);
}

export function parseExactFlow(s: string, names?: PortNameMap): ExactFlowResult {
  // The flow key and the datapath metadata words after it (skb_priority, tun_tos, tun_ttl).
  const key = new Uint32Array(FLOW_WORDS + DATAPATH_METADATA_WORDS);
  const fail = (msg: string): ExactFlowResult => ({ ok: false, error: `${s}: ${msg}` });
  for (const [k, value] of keyValuePairs(s)) {
    const proto = PROTOCOL_SHORTHANDS.get(k);
    if (proto !== undefined) {
      if (readSmall(key, M.dlType) !== 0) return fail("Ethernet type set multiple times");
      writeMember(key, M.dlType, BigInt(proto.dlType));
      if (proto.nwProto !== 0) {
        if (readSmall(key, M.nwProto) !== 0) return fail("network protocol set multiple times");
        writeMember(key, M.nwProto, BigInt(proto.nwProto));
      }
      continue;
    }
    const f = fieldByName(k);
    if (f === undefined) return fail(`unknown field ${k}`);
    if (!prereqOk(f.prereq, key)) return fail(`prerequisites not met for setting ${k}`);
    if (fieldValue(key, f) !== 0n) return fail(`field ${k} set multiple times`);
    const p = parseFieldValue(f, value, names);
    if (!p.ok) return fail(`bad value for ${k} (${p.error})`);
    if (p.mask !== allOnes(f.nBytes * 8)) return fail(`bad value for ${k} (${value}: wildcards not allowed here)`);
    setFieldValue(key, f, p.value);
  }
  if (readSmall(key, M.inPort) === 0) writeMember(key, M.inPort, BigInt(OFPP_NONE));
  return { ok: true, key };
}
