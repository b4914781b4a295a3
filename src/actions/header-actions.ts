/**
 * Actions that rewrite L2-L4 header fields: mod_dl_src/dst, mod_nw_src/dst,
 * mod_nw_tos, mod_nw_ecn, mod_nw_ttl, mod_tp_src/dst and dec_ttl. Over
 * OpenFlow 1.2+ OVS sends most of them as set_field, over 1.0 the ECN and TTL
 * writes as NXM loads (which is how a dump then prints them).
 */
import { formatEthernet, formatIpv4 } from "../flowtable/field-values.js";
import type { FieldSpec } from "../flowtable/fields.js";
import { FIELDS } from "../flowtable/fields.js";
import type { ActionOp, CheckContext, WireContext } from "./action-op.js";
import { fail } from "./action-op.js";
import type {
  Action,
  DecTtlAction,
  SetEthAction,
  SetFieldAction,
  SetIpDscpAction,
  SetIpEcnAction,
  SetIpTtlAction,
  SetIpv4Action,
  SetL4PortAction,
} from "./action-types.js";
import { atoi, strToIp, strToMac, strToU16, strToU8 } from "./parse-util.js";
import { inconsistent } from "./vlan-actions.js";
import { IPPROTO } from "../flowtable/protocols.js";

const FRAG_LATER = 2;

/** A whole-field write as OVS's `put_set_field` sends it (OpenFlow 1.2+). */
export function setFieldOf(field: FieldSpec, value: bigint, raw: SetFieldAction["raw"] = "set_field"): SetFieldAction {
  return { type: "set_field", field, value, mask: (1n << BigInt(field.nBytes * 8)) - 1n, raw };
}

/** OVS's `put_reg_load` of a whole small field (`load:V->F[]`, mask = the field's bits). */
function regLoadOf(field: FieldSpec, value: bigint): SetFieldAction {
  return { type: "set_field", field, value, mask: (1n << BigInt(field.nBits)) - 1n, raw: "reg_load" };
}

function checkSetIp(_a: unknown, ctx: CheckContext): null {
  if (!ctx.flow.isIpAny) inconsistent(ctx);
  return null;
}

function ethOp(type: SetEthAction["type"], name: string, field: FieldSpec): ActionOp<SetEthAction> {
  return {
    name,
    instruction: "apply_actions",
    parse: (arg, ctx) => ({ type, mac: strToMac(ctx, arg) }) as Action,
    format: (a) => `${name}:${formatEthernet(a.mac)}`,
    check: () => null,
    wire: (a, ctx) => (ctx.version < 12 ? [a] : [setFieldOf(field, a.mac)]),
  };
}

function ipv4Op(type: SetIpv4Action["type"], name: string, field: FieldSpec): ActionOp<SetIpv4Action> {
  return {
    name,
    instruction: "apply_actions",
    parse: (arg, ctx) => ({ type, ip: strToIp(ctx, arg) }) as Action,
    format: (a) => `${name}:${formatIpv4(a.ip)}`,
    check: (_a, ctx) => {
      if (ctx.flow.dlType !== 0x0800) inconsistent(ctx);
      return null;
    },
    wire: (a, ctx) => (ctx.version < 12 ? [a] : [setFieldOf(field, a.ip)]),
  };
}

export const setEthSrc = ethOp("set_eth_src", "mod_dl_src", FIELDS.eth_src);
export const setEthDst = ethOp("set_eth_dst", "mod_dl_dst", FIELDS.eth_dst);
export const setIpv4Src = ipv4Op("set_ipv4_src", "mod_nw_src", FIELDS.ip_src);
export const setIpv4Dst = ipv4Op("set_ipv4_dst", "mod_nw_dst", FIELDS.ip_dst);

export const setIpDscp: ActionOp<SetIpDscpAction> = {
  name: "mod_nw_tos",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const dscp = strToU8(ctx, arg, "TOS");
    if ((dscp & ~0xfc) !== 0) fail(ctx, `${arg}: not a valid TOS`);
    return { type: "set_ip_dscp", dscp };
  },
  format: (a) => `mod_nw_tos:${a.dscp}`,
  check: checkSetIp,
  wire: (a, ctx) => (ctx.version < 12 ? [a] : [setFieldOf(FIELDS.ip_dscp, BigInt(a.dscp >> 2))]),
};

export const setIpEcn: ActionOp<SetIpEcnAction> = {
  name: "mod_nw_ecn",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    const ecn = strToU8(ctx, arg, "ECN");
    if ((ecn & ~3) !== 0) fail(ctx, `${arg}: not a valid ECN`);
    return { type: "set_ip_ecn", ecn };
  },
  format: (a) => `mod_nw_ecn:${a.ecn}`,
  check: checkSetIp,
  wire: (a, ctx) => {
    if (ctx.version === 10) return [regLoadOf(FIELDS.nw_ecn, BigInt(a.ecn))];
    if (ctx.version === 11) return [a];
    return [setFieldOf(FIELDS.nw_ecn, BigInt(a.ecn))];
  },
};

/** mod_nw_ttl (also spelled set_nw_ttl). */
export const setIpTtl: ActionOp<SetIpTtlAction> = {
  name: "mod_nw_ttl",
  instruction: "apply_actions",
  parse: (arg, ctx) => ({ type: "set_ip_ttl", ttl: strToU8(ctx, arg, "TTL") }),
  format: (a) => `mod_nw_ttl:${a.ttl}`,
  check: checkSetIp,
  wire: (a, ctx) => (ctx.version >= 11 ? [a] : [regLoadOf(FIELDS.nw_ttl, BigInt(a.ttl))]),
};

function l4Op(
  type: SetL4PortAction["type"],
  name: string,
  what: string,
  fields: Readonly<Record<number, FieldSpec>>,
): ActionOp<SetL4PortAction> {
  return {
    name,
    instruction: "apply_actions",
    parse: (arg, ctx) => ({ type, port: strToU16(ctx, arg, what) }) as Action,
    format: (a) => `${name}:${a.port}`,
    check: (_a, ctx) => {
      const f = ctx.flow;
      const proto = f.nwProto;
      if (!f.isIpAny || (f.nwFrag & FRAG_LATER) !== 0 || (proto !== IPPROTO.TCP && proto !== IPPROTO.UDP && proto !== IPPROTO.SCTP)) {
        inconsistent(ctx);
      }
      return null;
    },
    wire: (a, ctx: WireContext) => {
      const field = fields[ctx.before.nwProto];
      return ctx.version >= 12 && field !== undefined ? [setFieldOf(field, BigInt(a.port))] : [a];
    },
  };
}

export const setL4SrcPort = l4Op("set_l4_src_port", "mod_tp_src", "source port", {
  [IPPROTO.TCP]: FIELDS.tcp_src,
  [IPPROTO.UDP]: FIELDS.udp_src,
  [IPPROTO.SCTP]: FIELDS.sctp_src,
});
export const setL4DstPort = l4Op("set_l4_dst_port", "mod_tp_dst", "destination port", {
  [IPPROTO.TCP]: FIELDS.tcp_dst,
  [IPPROTO.UDP]: FIELDS.udp_dst,
  [IPPROTO.SCTP]: FIELDS.sctp_dst,
});

export const decTtl: ActionOp<DecTtlAction> = {
  name: "dec_ttl",
  instruction: "apply_actions",
  parse: (arg, ctx) => {
    if (arg === "") return { type: "dec_ttl", ids: [0], withIds: false };
    const ids = arg
      .split(/[, ]/)
      .filter((t) => t !== "")
      .map((t) => atoi(t) & 0xffff);
    if (ids.length === 0) fail(ctx, "dec_ttl_cnt_ids: expected at least one controller id.");
    return { type: "dec_ttl", ids, withIds: true };
  },
  format: (a) => (a.withIds ? `dec_ttl(${a.ids.join(",")})` : "dec_ttl"),
  check: checkSetIp,
  wire: (a) => [{ ...a, withIds: a.withIds || a.ids.length !== 1 || a.ids[0] !== 0 }],
};
