/*
 * Which flow fields the classifier's prefix tries may index, OVS's default ones, and how a
 * Flow_Table's `prefixes` column picks them (vswitchd/bridge.c bridge_configure_tables,
 * ofproto.c default_prefix_fields, lib/classifier.c classifier_set_prefix_fields).
 *
 * OVS keeps tries for the fields meta-flow.h gives a "prefix lookup member": tun_id,
 * tun_src, tun_dst, tun_ipv6_src, tun_ipv6_dst, ct_nw_src, ct_nw_dst, ct_ipv6_src,
 * ct_ipv6_dst, ip_src, ip_dst, ipv6_src, ipv6_dst. Every OpenFlow table starts with ip_dst
 * and ip_src, in that order; IPv6 addresses are not indexed unless configured.
 *
 * A `prefixes` value is read in the order the database holds the set (sorted, as OVSDB
 * sorts every set), which is the order the tries are consulted in: `none` anywhere means no
 * tries; a name that is no field, or a field that cannot be indexed, is skipped with a
 * warning in the vswitchd log; duplicates (`nw_src` and `ip_src`) make one trie; when no
 * valid field is left the defaults stay. The schema allows at most 3 names (CLS_MAX_TRIES),
 * so OVS's "too many fields" case cannot arise from the database.
 *
 * ovsim's flow key has no ct_* address members: those names are valid (they replace the
 * defaults, as in OVS) but index nothing, which is what their tries do for ovsim's flows,
 * where no rule can match those fields.
 */

import type { PrefixField } from "./cls-tries.js";
import { fieldByName } from "./fields.js";
import { M } from "./flow-layout.js";
import type { FlowMember } from "./flow-layout.js";
import { ETH_TYPE } from "./protocols.js";


function ethType(type: number): PrefixField["prereq"] {
  const m = M.dlType;
  return { word: m.word, mask: (0xffff << m.shift) >>> 0, value: (type << m.shift) >>> 0 };
}

function prefixField(name: string, member: FlowMember, prereq: PrefixField["prereq"]): PrefixField {
  return { name, word: member.word, bits: member.bits, prereq };
}

/** The prefix-indexable fields in ovsim's flow key, by OVS's canonical name. */
const INDEXABLE: ReadonlyMap<string, PrefixField> = new Map([
  ["tun_id", prefixField("tun_id", M.tunId, null)],
  ["tun_src", prefixField("tun_src", M.tunSrc, null)],
  ["tun_dst", prefixField("tun_dst", M.tunDst, null)],
  ["tun_ipv6_src", prefixField("tun_ipv6_src", M.tunIpv6Src, null)],
  ["tun_ipv6_dst", prefixField("tun_ipv6_dst", M.tunIpv6Dst, null)],
  ["ip_src", prefixField("ip_src", M.nwSrc, ethType(ETH_TYPE.IP))],
  ["ip_dst", prefixField("ip_dst", M.nwDst, ethType(ETH_TYPE.IP))],
  ["ipv6_src", prefixField("ipv6_src", M.ipv6Src, ethType(ETH_TYPE.IPV6))],
  ["ipv6_dst", prefixField("ipv6_dst", M.ipv6Dst, ethType(ETH_TYPE.IPV6))],
]);

/** Indexable in OVS, absent from ovsim's flow key (see the header). */
const INDEXABLE_UNMODELLED = new Set(["ct_nw_src", "ct_nw_dst", "ct_ipv6_src", "ct_ipv6_dst"]);

/** Names OVS's mf_from_name accepts beyond canonical ones, for the indexable fields. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["tunnel_id", "tun_id"],
  ["nw_src", "ip_src"],
  ["nw_dst", "ip_dst"],
]);

/** OVS's default_prefix_fields: every OpenFlow table's tries unless configured. */
export const DEFAULT_PREFIX_FIELDS: readonly PrefixField[] = [INDEXABLE.get("ip_dst")!, INDEXABLE.get("ip_src")!];

/** A table's prefix fields as OVS configures them from a `prefixes` value. */
export interface PrefixConfig {
  readonly fields: readonly PrefixField[];
  /** The vswitchd log's warnings for this value (ovsim keeps no log file; for callers and tests). */
  readonly warnings: readonly string[];
}

/**
 * The prefix fields for a table whose Flow_Table row has `prefixes` = `names` (in the
 * database's order), or the defaults when `names` is null (no row) or empty.
 */
export function configurePrefixes(bridge: string, names: readonly string[] | null): PrefixConfig {
  const warnings: string[] = [];
  let useDefault = true;
  const canonical: string[] = [];
  for (const name of names ?? []) {
    if (name === "none") {
      useDefault = false;
      canonical.length = 0;
      break;
    }
    const id = ALIASES.get(name) ?? name;
    if (!INDEXABLE.has(id) && !INDEXABLE_UNMODELLED.has(id)) {
      warnings.push(
        fieldByName(name) === undefined
          ? `bridge ${bridge}: 'prefixes' with unknown field: ${name}`
          : `bridge ${bridge}: 'prefixes' with incompatible field: ${name}`,
      );
      continue;
    }
    useDefault = false;
    canonical.push(id);
  }
  if (useDefault) return { fields: DEFAULT_PREFIX_FIELDS, warnings };
  const fields: PrefixField[] = [];
  for (const id of new Set(canonical)) {
    const f = INDEXABLE.get(id);
    if (f !== undefined) fields.push(f);
  }
  return { fields, warnings };
}
