/**
 * `ovs-ofctl dump-tables SWITCH`: OFPST_TABLE, one entry per table 0-253, as
 * ofp-print prints it (lib/ofp-table.c ofputil_table_features_format).
 *
 * Each table has stats (active flows, packets looked up, packets matched:
 * Bridge.tableMatched / tableMissed, counted by translations with stats, so
 * packets move them and ofproto/trace does not) and, up to OpenFlow 1.2, the
 * features its version's reply carries: the flow limit (a Flow_Table's
 * `flow_limit`, at most 1000000), the table-miss config (1.1 and 1.2), the
 * metadata bits (1.2), the instructions and actions (1.1 and 1.2; the last
 * table cannot goto_table), the matchable fields, and the name (a
 * Flow_Table's `name`; 1.3+ replies carry no features at all). The printer
 * compares each table with the one before: equal stats and features make a
 * "ditto" run, equal parts print as "(same ...)". The lists of actions and
 * fields are OVS 3.1's, as its replies carry them for each version.
 *
 * OpenFlow 1.1's reply carries ofproto's miss config as its raw enum value
 * (ofputil_put_ofp11_table_stats), which ovs-ofctl decodes as the OFPTC11
 * bits: controller prints as continue, continue as drop, and drop is a bad
 * value 3 (a warning, then controller).
 */
import type { Bridge } from "../datapath/bridge.js";
import type { TableMiss } from "../datapath/table-config.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import type { OfVersion } from "./ofctl-messages.js";
import { header } from "./ofctl-messages.js";

const N_OF_TABLES = 254;
/** ofproto's largest max_entries in a table stats reply. */
const MAX_ENTRIES = 1000000;

const OF10_MATCH = "in_port eth_{src,dst,type} vlan_{vid,pcp} ip_{src,dst} nw_{proto,tos} tcp_{src,dst}";
const OF11_MATCH = "metadata in_port eth_{src,dst,type} vlan_{vid,pcp} mpls_{label,tc} ip_{src,dst} nw_{proto,tos} tcp_{src,dst}";
const OF12_MATCH =
  "metadata in_port_oxm eth_{src,dst,type} vlan_{vid,pcp} mpls_{label,tc} ip_{src,dst} ipv6_{src,dst,label} nw_proto ip_dscp nw_ecn arp_{op,spa,tpa,sha,tha} tcp_{src,dst} udp_{src,dst} sctp_{src,dst} icmp_{type,code} icmpv6_{type,code} nd_{target,sll,tll}";
const OF11_ACTIONS =
  "output group set_vlan_vid set_vlan_pcp strip_vlan push_vlan mod_dl_src mod_dl_dst mod_nw_src mod_nw_dst mod_nw_tos mod_nw_ecn mod_nw_ttl mod_tp_src mod_tp_dst dec_ttl set_mpls_label set_mpls_tc set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue";
const OF12_ACTIONS = "output group set_field strip_vlan push_vlan mod_nw_ttl dec_ttl set_mpls_ttl dec_mpls_ttl push_mpls pop_mpls set_queue";
const OF12_SET_FIELDS =
  "metadata in_port_oxm eth_{src,dst} vlan_{vid,pcp} mpls_{label,tc} ip_{src,dst} ipv6_{src,dst,label} ip_dscp nw_ecn arp_{op,spa,tpa,sha,tha} tcp_{src,dst} udp_{src,dst} sctp_{src,dst} icmp_{type,code} icmpv6_{type,code} nd_{target,sll,tll}";
const INSTRUCTIONS = "apply_actions clear_actions write_actions write_metadata";
const METADATA = "match=0xffffffffffffffff write=0xffffffffffffffff";
const TF_SET_FIELDS =
  "tun_{id,src,dst,ipv6_{src,dst},flags,gbp_{id,flags},erspan_{idx,ver,dir,hwid},metadata0...metadata63} metadata in_{port,port_oxm} pkt_mark ct_{mark,label} reg0...reg15 xreg0...xreg7 xxreg0...xxreg3 eth_{src,dst} vlan_{tci,vid,pcp} mpls_{label,tc,ttl} ip_{src,dst} ipv6_{src,dst,label} nw_tos ip_dscp nw_{ecn,ttl} arp_{op,spa,tpa,sha,tha} tcp_{src,dst} udp_{src,dst} sctp_{src,dst} icmp_{type,code} icmpv6_{type,code} nd_{target,sll,tll,reserved,options_type} nsh_{flags,spi,si,c1...c4,ttl}";
const TF_MASKED =
  "dp_hash tun_{id,src,dst,ipv6_{src,dst},flags,gbp_{id,flags},erspan_{idx,ver,dir,hwid},gtpu_{flags,msgtype},metadata0...metadata63} metadata pkt_mark ct_{state,mark,label,nw_{src,dst},ipv6_{src,dst},tp_{src,dst}} reg0...reg15 xreg0...xreg7 xxreg0...xxreg3 eth_{src,dst} vlan_{tci,vid} ip_{src,dst} ipv6_{src,dst,label} ip_frag arp_{spa,tpa,sha,tha} tcp_{src,dst,flags} udp_{src,dst} sctp_{src,dst} nd_{target,sll,tll} nsh_{flags,c1...c4}";
const TF_MATCH =
  "recirc_id packet_type conj_id in_{port,port_oxm} actset_output ct_{zone,nw_proto} eth_type vlan_pcp mpls_{label,tc,bos,ttl} nw_{proto,tos} ip_dscp nw_{ecn,ttl} arp_op icmp_{type,code} icmpv6_{type,code} nd_{reserved,options_type} nsh_{mdtype,np,spi,si,ttl}";

interface TableStats {
  readonly active: number;
  readonly lookup: number;
  readonly matched: number;
}

/** What one version's reply tells of a table besides its stats (null: not carried). */
interface TableFeatures {
  readonly name: string;
  readonly metadata: string | null;
  readonly config: string | null;
  /** OpenFlow 1.4+ table features: whether eviction / vacancy events are supported (OVS: not). */
  readonly eviction: string | null;
  readonly vacancy: string | null;
  readonly maxEntries: number;
  /** Whether the table may goto the tables after it (table features print them: `next tables: T+1-253`). */
  readonly next: boolean;
  readonly instructions: string | null;
  readonly actions: string | null;
  readonly setFields: string | null;
  /** Fields matchable with an arbitrary mask (table features only). */
  readonly masked: string | null;
  readonly matching: string | null;
}

function sameStats(a: TableStats, b: TableStats): boolean {
  return a.active === b.active && a.lookup === b.lookup && a.matched === b.matched;
}

function sameInstructions(a: TableFeatures, b: TableFeatures): boolean {
  return a.next === b.next && a.instructions === b.instructions && a.actions === b.actions && a.setFields === b.setFields;
}

function sameMatching(a: TableFeatures, b: TableFeatures): boolean {
  return a.masked === b.masked && a.matching === b.matching;
}

function sameFeatures(a: TableFeatures, b: TableFeatures): boolean {
  return (
    a.metadata === b.metadata &&
    a.config === b.config &&
    a.eviction === b.eviction &&
    a.vacancy === b.vacancy &&
    a.maxEntries === b.maxEntries &&
    sameInstructions(a, b) &&
    sameMatching(a, b)
  );
}

function emptyFeatures(f: TableFeatures): boolean {
  return f.metadata === null && f.config === null && f.maxEntries === 0 && f.instructions === null && f.actions === null && f.matching === null && f.masked === null;
}

/** The miss config as the reply of version `v` carries it and ovs-ofctl decodes it (see above); `warn` for a bad value. */
function missText(miss: TableMiss, v: OfVersion): { text: string; warn: boolean } {
  if (v === 12) return { text: miss === "default" ? "controller" : miss, warn: false };
  const decoded: Record<TableMiss, string> = { default: "controller", controller: "continue", continue: "drop", drop: "controller" };
  return { text: decoded[miss], warn: miss === "drop" };
}

function featuresOf(v: OfVersion, table: number, name: string, maxFlows: number, miss: TableMiss): TableFeatures {
  const maxEntries = Math.min(MAX_ENTRIES, maxFlows);
  const none = {
    name: "",
    metadata: null,
    config: null,
    eviction: null,
    vacancy: null,
    maxEntries: 0,
    next: false,
    instructions: null,
    actions: null,
    setFields: null,
    masked: null,
    matching: null,
  };
  if (v >= 13) return none;
  if (v === 10) return { ...none, name, maxEntries, matching: OF10_MATCH };
  const last = table === N_OF_TABLES - 1;
  return {
    ...none,
    name,
    metadata: v === 12 ? METADATA : null,
    config: missText(miss, v).text,
    maxEntries,
    instructions: last ? INSTRUCTIONS : `${INSTRUCTIONS} goto_table`,
    actions: v === 11 ? OF11_ACTIONS : OF12_ACTIONS,
    setFields: v === 12 ? OF12_SET_FIELDS : null,
    matching: v === 11 ? OF11_MATCH : OF12_MATCH,
  };
}

/** A table's features as an OpenFlow 1.3+ table features reply carries them. */
function tableFeaturesOf(v: OfVersion, table: number, name: string, maxFlows: number): TableFeatures {
  const last = table === N_OF_TABLES - 1;
  // OpenFlow 1.5 has no meter instruction (meters are an action there).
  const instructions = `${v >= 15 ? "" : "meter "}${INSTRUCTIONS}${last ? "" : " goto_table"}`;
  return {
    name,
    metadata: METADATA,
    config: null,
    eviction: v >= 14 ? "not supported" : null,
    vacancy: v >= 14 ? "not supported" : null,
    maxEntries: Math.min(MAX_ENTRIES, maxFlows),
    next: !last,
    instructions,
    actions: OF12_ACTIONS,
    setFields: TF_SET_FIELDS,
    masked: TF_MASKED,
    matching: TF_MATCH,
  };
}

/** ofputil_table_features_format over every table, then _format_finish. */
function formatTables(head: string, tables: readonly { stats: TableStats | null; features: TableFeatures }[]): string[] {
  let s = head;
  let firstDitto = -1;
  let lastDitto = -1;
  const finish = (): void => {
    if (firstDitto < 0) return;
    s += firstDitto === lastDitto ? `\n  table ${firstDitto}: ditto\n` : `\n  tables ${firstDitto}...${lastDitto}: ditto\n`;
  };
  tables.forEach(({ stats, features: f }, t) => {
    const prev = t > 0 ? tables[t - 1] : undefined;
    const statsSame = stats === null || (prev?.stats != null && sameStats(stats, prev.stats));
    const featuresSame = prev !== undefined && sameFeatures(f, prev.features);
    if (statsSame && featuresSame && f.name === "") {
      if (firstDitto < 0) firstDitto = t;
      lastDitto = t;
      return;
    }
    finish();
    firstDitto = -1;
    s += `\n  table ${t}${f.name === "" ? "" : ` ("${f.name}")`}:`;
    if (statsSame && featuresSame) {
      s += " ditto";
      return;
    }
    s += "\n";
    if (stats !== null) s += `    active=${stats.active}, lookup=${stats.lookup}, matched=${stats.matched}\n`;
    if (featuresSame) {
      if (!emptyFeatures(f)) s += "    (same features)\n";
      return;
    }
    const p = prev?.features;
    if (f.metadata !== null) s += `    metadata: ${f.metadata}\n`;
    if (f.config !== null) s += `    config=${f.config}\n`;
    if (f.eviction !== null) s += `    eviction: ${f.eviction}\n`;
    if (f.vacancy !== null) s += `    vacancy events: ${f.vacancy}\n`;
    if (f.maxEntries !== 0) s += `    max_entries=${f.maxEntries}\n`;
    if (p !== undefined && sameInstructions(f, p)) {
      if (f.instructions !== null) s += "    (same instructions)\n";
    } else if (f.instructions !== null) {
      s += "    instructions (table miss and others):\n";
      if (f.next) s += `      next tables: ${t + 1 === N_OF_TABLES - 1 ? `${t + 1}` : `${t + 1}-${N_OF_TABLES - 1}`}\n`;
      s += p !== undefined && p.instructions === f.instructions ? "      (same instructions)\n" : `      instructions: ${f.instructions}\n`;
      if (p !== undefined && p.actions === f.actions && p.setFields === f.setFields && f.setFields !== null) s += "      (same actions)\n";
      else if (f.actions !== null || f.setFields !== null) {
        s += "      Write-Actions and Apply-Actions features:\n";
        if (f.actions !== null) s += `        actions: ${f.actions}\n`;
        if (f.setFields !== null) s += `        supported on Set-Field: ${f.setFields}\n`;
      }
    }
    if (f.matching !== null) {
      if (p !== undefined && sameMatching(f, p)) s += "    (same matching)\n";
      else {
        s += "    matching:\n";
        if (f.masked !== null) s += `      arbitrary mask: ${f.masked}\n`;
        s += `      exact match or wildcard: ${f.matching}\n`;
      }
    }
  });
  finish();
  return s.split("\n");
}

/** `dump-tables SWITCH`; `names` gives a table's Flow_Table name ("" for none). */
export function dumpTables(br: Bridge, v: OfVersion, names: (table: number) => string): CommandResult {
  const tables = [];
  const warnings: string[] = [];
  for (let t = 0; t < N_OF_TABLES; t++) {
    const matched = br.tableMatched[t] ?? 0;
    const stats = { active: br.tables.count(t), lookup: matched + (br.tableMissed[t] ?? 0), matched };
    const miss = br.tableConfig.missOf(t);
    if (v === 11 && missText(miss, v).warn) warnings.push("ofp_table|WARN|bad table miss config 3");
    tables.push({ stats, features: featuresOf(v, t, v <= 12 ? names(t) : "", br.tables.tableLimit(t).maxFlows, miss) });
  }
  const lines = formatTables(header("OFPST_TABLE reply", v, 2), tables);
  if (lines.at(-1) === "") lines.pop();
  return output(lines, warnings);
}

/**
 * `dump-table-features SWITCH` (OpenFlow 1.3+): every table's features, no header, the
 * dittos running across the reply's messages as ovs-ofctl prints them, and a blank line last.
 */
export function dumpTableFeatures(br: Bridge, v: OfVersion, names: (table: number) => string): CommandResult {
  if (v < 13) return { stdout: [], stderr: ["ovs-ofctl: dump-table-features needs OpenFlow 1.3 or later ('-O OpenFlow13')"], ok: false };
  const tables = [];
  for (let t = 0; t < N_OF_TABLES; t++) tables.push({ stats: null, features: tableFeaturesOf(v, t, names(t), br.tables.tableLimit(t).maxFlows) });
  // The text's first newline is not printed; a blank line ends it.
  return output(formatTables("", tables).slice(1));
}
