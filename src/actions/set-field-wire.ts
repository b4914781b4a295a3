/**
 * How a set_field travels (OVS's `encode_SET_FIELD` and the decoders on the
 * far side), which decides how a dump prints it:
 *
 * - a write that arrived as `load` goes out as NXM loads (one per contiguous
 *   run of mask bits) and comes back as `load`s;
 * - over OpenFlow 1.0/1.1, writes to fields those versions have an action for
 *   become that action (`mod_dl_src`, `mod_vlan_vid`, ...; the mask is
 *   dropped, as in OVS), others become NXM loads;
 * - over OpenFlow 1.2-1.4 a whole-field write is a set_field, a partial one
 *   NXM loads.
 *
 * A field with no NXM/OXM header (`dl_vlan`, `dl_vlan_pcp`) goes as
 * NXAST_REG_LOAD2 with header 0, which the far side reads as in_port (a real
 * OVS quirk: `set_field:5->dl_vlan` dumps as `set_field:5->in_port`). One
 * with only an experimenter OXM (`tun_erspan_ver`: NXOXM_ET_ERSPAN_VER) goes as
 * NXAST_REG_LOAD2 with that header and comes back as a set_field of itself.
 */
import { allOnes } from "../flowtable/field-values.js";
import { FIELDS } from "../flowtable/fields.js";
import type { WireContext } from "./action-op.js";
import { WireDecodeError } from "./action-op.js";
import type { Action, ActionList, SetFieldAction } from "./action-types.js";
import { hasNxmHeader, loadSegments, subfieldWrite } from "./field-text.js";
import { VLAN_CFI } from "./flow-view.js";

function decodeWritable(sf: SetFieldAction): void {
  if (!sf.field.writable) throw new WireDecodeError("OFPBAC_BAD_SET_ARGUMENT");
}

/** A field named by its NXM/OXM header: without one, the header is 0, which decodes as NXM_OF_IN_PORT. */
function decodedField(sf: SetFieldAction): SetFieldAction["field"] {
  if (hasNxmHeader(sf.field)) return sf.field;
  if (FIELDS.in_port.nBytes !== sf.field.nBytes) throw new WireDecodeError("OFPBAC_BAD_SET_LEN");
  return FIELDS.in_port;
}

/** A field named only by an experimenter OXM (mf_nxm_header is 0 for it): NXAST_REG_LOAD cannot carry it. */
function experimenterOnly(f: SetFieldAction["field"]): boolean {
  return f.nxm === null && f.oxm !== null && /^(NXOXM|ONFOXM)_ET_/.test(f.oxm);
}

/** NXAST_REG_LOAD(2) encoding and its decoding. */
function toNxast(sf: SetFieldAction): ActionList {
  // A variable-length field (tun_metadata<N>) cannot go as NXAST_REG_LOAD either.
  if (sf.raw === "reg_load2" || !hasNxmHeader(sf.field) || experimenterOnly(sf.field) || sf.field.tunMetadata !== undefined) {
    const out: SetFieldAction = { ...sf, field: decodedField(sf), raw: "reg_load2" };
    decodeWritable(out);
    return [out];
  }
  decodeWritable(sf);
  return loadSegments(sf.field, sf.value, sf.mask).map((s) => ({
    type: "set_field",
    field: sf.field,
    ...subfieldWrite(s.sf, s.value),
    raw: "reg_load",
  }));
}

function toLegacy(sf: SetFieldAction, ctx: WireContext): ActionList {
  const v = Number(sf.value);
  const of10 = ctx.version === 10;
  switch (sf.field.name) {
    case "vlan_tci": {
      const vid = v & 0xfff;
      const pcp = v >> 13;
      if ((v & VLAN_CFI) === 0) return [{ type: "strip_vlan", pop: !of10 }];
      const push: Action[] = !of10 && !ctx.before.hasVlan ? [{ type: "push_vlan", ethertype: 0x8100 }] : [];
      return [...push, { type: "set_vlan_vid", vid, pushIfNeeded: of10 }, { type: "set_vlan_pcp", pcp, pushIfNeeded: of10 }];
    }
    case "vlan_vid":
      return [{ type: "set_vlan_vid", vid: v & 0xfff, pushIfNeeded: of10 }];
    case "vlan_pcp":
      return [{ type: "set_vlan_pcp", pcp: v & 0xff, pushIfNeeded: of10 }];
    case "eth_src":
      return [{ type: "set_eth_src", mac: sf.value }];
    case "eth_dst":
      return [{ type: "set_eth_dst", mac: sf.value }];
    case "ip_src":
      return [{ type: "set_ipv4_src", ip: sf.value }];
    case "ip_dst":
      return [{ type: "set_ipv4_dst", ip: sf.value }];
    case "nw_tos":
      return [{ type: "set_ip_dscp", dscp: v & 0xff }];
    case "ip_dscp":
      return [{ type: "set_ip_dscp", dscp: (v << 2) & 0xff }];
    case "nw_ecn":
      return of10
        ? [{ type: "set_field", field: sf.field, value: sf.value & 3n, mask: 3n, raw: "reg_load" }]
        : [{ type: "set_ip_ecn", ecn: v & 3 }];
    case "tcp_src":
    case "udp_src":
      return [{ type: "set_l4_src_port", port: v & 0xffff }];
    case "tcp_dst":
    case "udp_dst":
      return [{ type: "set_l4_dst_port", port: v & 0xffff }];
    default:
      return toNxast(sf);
  }
}

export function wireSetField(sf: SetFieldAction, ctx: WireContext): ActionList {
  if (ctx.version >= 15) return [{ ...sf, raw: "set_field" }];
  if (sf.raw === "reg_load" || sf.raw === "reg_load2") return toNxast(sf);
  if (ctx.version < 12) return toLegacy(sf, ctx);
  if (sf.mask === allOnes(sf.field.nBytes * 8)) {
    const out: SetFieldAction = { ...sf, field: decodedField(sf) };
    decodeWritable(out);
    // OpenFlow 1.5: "the OFPVID_PRESENT bit must be a 1-bit" (OVS checks it for every version).
    if (out.field.name === "vlan_vid" && (out.value & BigInt(VLAN_CFI)) === 0n) throw new WireDecodeError("OFPBAC_BAD_SET_ARGUMENT");
    return [out];
  }
  return toNxast(sf);
}
