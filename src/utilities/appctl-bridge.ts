/**
 * `ovs-appctl` commands about bridges and datapaths, printed as
 * ofproto-dpif.c / ofproto.c print them: dpif/show, dpif/dump-dps,
 * ofproto/list, bridge/dump-flows, fdb/show, fdb/flush, fdb/stats-show,
 * dpif/show-dp-features, dpif/set-dp-features.
 */
import { formatActions } from "../actions/action-text.js";
import { dummyNetdevConfig, netdevConfig } from "../datapath/bridge-port.js";
import { formatMac } from "../datapath/mac-learning.js";
import { formatMatch } from "../flowtable/match-format.js";
import { N_TABLES, TABLE_INTERNAL } from "../flowtable/flow-tables.js";
import { OFPG_ANY } from "../flowtable/flow-mod-parse.js";
import { Match } from "../flowtable/match.js";
import { OFPP_LOCAL, OFPP_NONE } from "../flowtable/ports.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import type { Switch } from "../vswitchd/switch.js";

/** A unixctl command's error reply: ovs-appctl prints it and exits 2 (utilities/ovs-appctl.c). */
export function serverError(message: string): CommandResult {
  return { stdout: [], stderr: [message, "ovs-appctl: ovs-vswitchd: server returned an error"], ok: false, exitCode: 2 };
}

/** C's strcmp order (byte order of the UTF-8 names). */
function strcmp(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/**
 * `dpif/show`: each datapath (by type) with its hit/miss counters, then its
 * bridges by name, each port by name as `name ofport/odp-port: (type: config)`.
 */
export function dpifShow(sw: Switch): CommandResult {
  const lines: string[] = [];
  for (const dp of sw.vswitchd.openDatapaths()) {
    lines.push(`${dp.type}@${dp.name}: hit:${dp.nHit} missed:${dp.nMissed}`);
    const rts = sw.vswitchd
      .runtimes()
      .filter((rt) => rt.datapath === dp)
      .sort((a, b) => strcmp(a.name, b.name));
    for (const rt of rts) {
      lines.push(`  ${rt.name}:`);
      const br = sw.bridge(rt.name);
      for (const live of [...rt.ports.values()].sort((a, b) => strcmp(a.name, b.name))) {
        const options = br?.port(live.ofport)?.options ?? new Map<string, string>();
        const config = [...netdevConfig(live.type, options), ...dummyNetdevConfig(live.netdevType, options)].sort(([a], [b]) => strcmp(a, b));
        const cfg = config.map(([k, v], i) => `${i === 0 ? ":" : ","} ${k}=${v}`).join("");
        lines.push(`    ${live.name} ${live.ofport}/${live.odpPort ?? "none"}: (${live.netdevType}${cfg})`);
      }
    }
  }
  return output(lines);
}

export function dpifDumpDps(sw: Switch): CommandResult {
  const names = sw.vswitchd.runtimes().map((rt) => `${rt.dpType}@${rt.name}`);
  return output(names.sort(strcmp));
}

export function ofprotoList(sw: Switch): CommandResult {
  return output(sw.vswitchd.ofprotoNames());
}

/** `bridge/dump-flows BRIDGE`: every flow, hidden tables included, as ofproto.c's flow_stats_ds. */
export function bridgeDumpFlows(sw: Switch, args: string[]): CommandResult {
  const name = args.filter((a) => a !== "--offload-stats").at(-1) ?? "";
  const br = sw.bridge(name);
  if (!br) return serverError("Unknown bridge");
  const lines: string[] = [];
  for (let t = 0; t < N_TABLES; t++) {
    if (br.tables.count(t) === 0) continue;
    for (const f of br.tables.select({ tableId: t, match: Match.catchall(), cookie: 0n, cookieMask: 0n, outPort: OFPP_NONE, outGroup: OFPG_ANY })) {
      let s = t !== 0 ? `table_id=${t}, ` : "";
      s += `duration=${Math.floor((sw.now - f.created) / 1000)}s, n_packets=${f.nPackets}, n_bytes=${f.nBytes}, `;
      let match = formatMatch(f.match, f.priority);
      if (br.isRecircDropFlow(f)) match += ",recirc_id=0";
      lines.push(`${s}${match},actions=${formatActions(f.actions)}`);
    }
    // Rules the bridge keeps outside its classifier (bonds' post-recirculation rules in table 254).
    if (t === TABLE_INTERNAL) {
      for (const { entry: f, match } of br.internalRules?.list() ?? []) {
        lines.push(`table_id=${t}, duration=${Math.floor((sw.now - f.created) / 1000)}s, n_packets=${f.nPackets}, n_bytes=${f.nBytes}, ${match},actions=${formatActions(f.actions)}`);
      }
    }
  }
  return output(lines);
}

export function fdbShow(sw: Switch, name: string): CommandResult {
  const br = sw.bridge(name);
  if (!br) return serverError("no such bridge");
  br.macTable.run(sw.now);
  const lines = [" port  VLAN  MAC                Age"];
  for (const { entry, age } of br.macTable.list(sw.now)) {
    const port = entry.port === OFPP_LOCAL ? "LOCAL" : String(entry.port);
    lines.push(`${port.padStart(5)}  ${String(entry.vlan).padStart(4)}  ${formatMac(entry.mac)}  ${age === "static" ? "static" : String(age).padStart(3)}`);
  }
  return output(lines);
}

export function fdbFlush(sw: Switch, name: string | undefined): CommandResult {
  if (name !== undefined) {
    const br = sw.bridge(name);
    if (!br) return serverError("no such bridge");
    br.macTable.flush();
  } else for (const br of sw.bridges.values()) br.macTable.flush();
  return output(["table successfully flushed"]);
}

export function fdbStatsShow(sw: Switch, name: string): CommandResult {
  const br = sw.bridge(name);
  if (!br) return serverError("no such bridge");
  br.macTable.run(sw.now);
  const ml = br.macTable;
  return output([
    `Statistics for bridge "${name}":`,
    `  Current/maximum MAC entries in the table: ${ml.size}/${ml.maxEntries}`,
    `  Current static MAC entries in the table : ${ml.staticEntries}`,
    `  Total number of learned MAC entries     : ${ml.totalLearned}`,
    `  Total number of expired MAC entries     : ${ml.totalExpired}`,
    `  Total number of evicted MAC entries     : ${ml.totalEvicted}`,
    `  Total number of port moved MAC entries  : ${ml.totalMoved}`,
  ]);
}

/** The userspace datapath's features, as OVS 3.1 probes them (dpif/show-dp-features). */
const DP_FEATURES: ReadonlyArray<readonly [string, string, string]> = [
  ["masked_set_action", "Masked set action", "true"],
  ["tnl_push_pop", "Tunnel push pop", "true"],
  ["ufid", "Ufid", "true"],
  ["trunc", "Truncate action", "true"],
  ["clone", "Clone action", "true"],
  ["sample_nesting", "Sample nesting", "10"],
  ["ct_eventmask", "Conntrack eventmask", "true"],
  ["ct_clear", "Conntrack clear", "true"],
  ["max_hash_alg", "Max dp_hash algorithm", "1"],
  ["check_pkt_len", "Check pkt length action", "true"],
  ["ct_timeout", "Conntrack timeout policy", "true"],
  ["explicit_drop_action", "Explicit Drop action", "true"],
  ["lb_output_action", "Optimized Balance TCP mode", "true"],
  ["ct_zero_snat", "Conntrack all-zero IP SNAT", "true"],
  ["add_mpls", "MPLS Label add", "true"],
  ["max_vlan_headers", "Max VLAN headers", "1"],
  ["max_mpls_depth", "Max MPLS depth", "3"],
  ["recirc", "Recirc", "true"],
  ["ct_state", "CT state", "true"],
  ["ct_zone", "CT zone", "true"],
  ["ct_mark", "CT mark", "true"],
  ["ct_label", "CT label", "true"],
  ["ct_state_nat", "CT state NAT", "true"],
  ["ct_orig_tuple", "CT orig tuple", "true"],
  ["ct_orig_tuple6", "CT orig tuple for IPv6", "true"],
  ["nd_ext", "IPv6 ND Extension", "true"],
];

/** The order `dpif/set-dp-features BRIDGE` lists them in (OVS's shash order, recorded). */
const SET_DP_FEATURES_ORDER = [
  "sample_nesting", "clone", "ufid", "lb_output_action", "nd_ext", "ct_orig_tuple", "tnl_push_pop", "ct_eventmask",
  "ct_state", "ct_zero_snat", "ct_clear", "max_vlan_headers", "recirc", "ct_label", "max_hash_alg", "add_mpls",
  "ct_state_nat", "ct_timeout", "explicit_drop_action", "ct_mark", "ct_orig_tuple6", "max_mpls_depth",
  "masked_set_action", "check_pkt_len", "ct_zone", "trunc",
];

/** The run-time value of each feature of the datapath of bridge `name` (its overrides over the probed values). */
function runTimeFeatures(sw: Switch, name: string): Map<string, string> {
  const f = new Map(DP_FEATURES.map(([k, , v]) => [k, v]));
  for (const [k, v] of sw.ofproto(name)?.datapath.runTimeFeatures ?? []) f.set(k, v);
  return f;
}

/** `dpif/show-dp-features`: the features as probed at boot (run-time overrides do not show). */
export function dpifShowDpFeatures(sw: Switch, name: string): CommandResult {
  if (!sw.bridge(name)) return serverError("no such bridge");
  return output(DP_FEATURES.map(([, label, v]) => `${label}: ${v === "true" ? "Yes" : v}`));
}

/**
 * `dpif/set-dp-features BRIDGE [FEATURE [VALUE]]` (ofproto-dpif.c's
 * dpif_set_support / show_dp_feature_*): without FEATURE lists every feature,
 * with FEATURE alone lists that one, with a VALUE sets a boolean feature's
 * run-time value for the bridge's datapath (silently; OVS answers "Unexpected
 * support field" and "Boolean value expected" as normal output, exit 0).
 * Numeric features take a decimal number. The values live in the datapath
 * (`Switch.setDatapathFeature`); of them translation reads `tnl_push_pop`
 * (off: output to tunnels as with a kernel datapath).
 */
export function dpifSetDpFeatures(sw: Switch, args: string[]): CommandResult {
  const name = args[0] ?? "";
  if (!sw.bridge(name)) return serverError("no such bridge");
  const rt = runTimeFeatures(sw, name);
  const line = (key: string): string => {
    const [, label, boot] = DP_FEATURES.find(([k]) => k === key) as readonly [string, string, string];
    return `${key} (${label}) : [run time]:${rt.get(key) ?? boot}, [boot time]:${boot}`;
  };
  const feature = args[1];
  if (feature === undefined) return output(SET_DP_FEATURES_ORDER.map(line));
  const spec = DP_FEATURES.find(([k]) => k === feature);
  if (spec === undefined) return output(["Unexpected support field"]);
  const value = args[2];
  if (value === undefined) return output([line(feature)]);
  if (spec[2] !== "true" && spec[2] !== "false") {
    if (/^\d+$/.test(value)) sw.setDatapathFeature(name, feature, String(Number(value)));
    return output([]);
  }
  if (value !== "true" && value !== "false") return output(["Boolean value expected"]);
  sw.setDatapathFeature(name, feature, value);
  return output([]);
}
