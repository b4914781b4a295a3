/**
 * Why each datapath backer revalidates, as ofproto-dpif.c's
 * `backer->need_revalidate` records it, and the coverage counter each
 * revalidation raises (`rev_reconfigure`, ...), as type_run counts them.
 *
 * In OVS, configuration code sets `need_revalidate = REV_<reason>` on the
 * backer (the datapath of one type: every bridge of that type shares it);
 * the next main-loop iteration's type_run counts the reason that is set
 * *then*, once, and clears it. So one ovs-vsctl transaction (one
 * bridge_reconfigure) counts at most once per backer, however many ports it
 * adds, and the last reason set wins: a reconfiguration that also changes a
 * bridge's flow tables (set_tables_version: REV_FLOW_TABLE) counts
 * rev_flow_table instead, and one that toggles STP counts rev_stp (the STP
 * ports' states follow), not rev_reconfigure.
 *
 * REV_RECONFIGURE is set, among others (ofproto-dpif.c), by port_construct /
 * port_destruct (a port added, removed, re-opened with another OpenFlow
 * number), tnl_port_reconfigure and ofport_update_peer (a tunnel's or patch
 * port's options), bundle_set (a port's VLAN mode, tag, trunks, members,
 * bond and LACP settings), set_lldp / set_cfm / set_bfd (enabled or not),
 * set_ipfix (an exporter created or its options changed), set_sflow /
 * set_netflow, set_mcast_snooping (enabled or flood-unregistered),
 * forward_bpdu_changed, set_rstp when RSTP turns on (turning it off moves
 * the ports' RSTP states: REV_RSTP), and by type_run itself when the backer
 * is new (recv_set_enable) or dpif-netdev's tunnel configuration sequence
 * moved (a neighbour or route of the tunnel tables set: every backer).
 *
 * How ovsim finds them: at each commit, each bridge's configuration that
 * those functions read is summarised as text (`reconfigureSignature`), and
 * a bridge whose summary changed, or that came or went, marks its backer.
 * A new bridge in standalone fail mode without controllers (its fail-open
 * flow), a bridge whose flows the commit flushed, and a deleted bridge
 * (its rules deleted) mark REV_FLOW_TABLE instead; a new backer marks
 * REV_RECONFIGURE at its first type_run whatever came before.
 *
 * Not modelled: mirrors (their revalidation is requested through the
 * mbridge and did not count in OVS 3.1's recording), `ovs-ofctl mod-port`'s
 * port_reconfigured, QoS queues, controller connections, and the extra
 * passes a `netdev` datapath's PMD reconfiguration makes (recorded: adding
 * a netdev bridge counts 4).
 */
import type { CoverageCounts } from "../datapath/coverage-counts.js";
import type { ConfigDb, Row } from "../datapath/config-db.js";
import type { BridgeRuntime } from "../datapath/config-db-vswitchd.js";
import { isTunnelType } from "../datapath/dpif.js";

/** ofproto-dpif.c's enum revalidate_reason, by the coverage counter each raises. */
export type RevalidateReason = "rev_reconfigure" | "rev_stp" | "rev_rstp" | "rev_flow_table";

function cell(row: Row | undefined, col: string): string {
  const d = row?.cols.get(col);
  return d === undefined ? "" : JSON.stringify(d.keys.map(String));
}

function mapValue(row: Row | undefined, col: string, key: string): string {
  const v = row?.cols.get(col)?.get(key);
  return v === undefined ? "" : String(v);
}

/** The parts of a bridge's configuration whose change sets REV_RECONFIGURE, as text. */
export function reconfigureSignature(db: ConfigDb, br: Row, rt: BridgeRuntime): string {
  const parts: string[] = [];
  for (const p of [...rt.ports.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    parts.push(`port ${p.name} ${p.ofport} ${p.odpPort ?? "-"} ${p.type}`);
  }
  for (const ref of br.cols.get("ports")?.keys ?? []) {
    const port = db.row("Port", String(ref));
    if (port === undefined) continue;
    const ifaces = [...(port.cols.get("interfaces")?.keys ?? [])].map((r) => db.row("Interface", String(r)));
    parts.push(
      [
        "bundle",
        cell(port, "name"),
        cell(port, "tag"),
        cell(port, "trunks"),
        cell(port, "vlan_mode"),
        cell(port, "bond_mode"),
        cell(port, "lacp"),
        JSON.stringify(ifaces.map((i) => cell(i, "name")).sort()),
      ].join(" "),
    );
    for (const i of ifaces) {
      if (i === undefined) continue;
      const type = String(i.cols.get("type")?.first() ?? "");
      const options = type === "patch" || isTunnelType(type) ? JSON.stringify((i.cols.get("options")?.pairs() ?? []).map(([k, v]) => [String(k), String(v)]).sort()) : "";
      parts.push(
        [
          "iface",
          cell(i, "name"),
          options,
          cell(i, "cfm_mpid"),
          mapValue(i, "bfd", "enable") === "true" ? "bfd" : "",
          mapValue(i, "lldp", "enable") === "true" ? "lldp" : "",
        ].join(" "),
      );
    }
  }
  const oc = (k: string): string => mapValue(br, "other_config", k);
  parts.push(
    [
      "bridge",
      cell(br, "mcast_snooping_enable") === '["true"]' ? "mcast" : "",
      oc("mcast-snooping-disable-flood-unregistered"),
      oc("forward-bpdu") === "true" ? "forward-bpdu" : "",
      cell(br, "netflow") === "" || cell(br, "netflow") === "[]" ? "" : "netflow",
      sflowSampling(db, br),
    ].join(" "),
  );
  return parts.join("\n");
}

function sflowSampling(db: ConfigDb, br: Row): string {
  const ref = br.cols.get("sflow")?.first();
  if (ref === undefined) return "";
  const row = db.row("sFlow", String(ref));
  return `sflow ${cell(row, "sampling")} ${cell(row, "targets")}`;
}

/** What one bridge was at the last commit: its backer, ofproto, summary, STP and RSTP. */
interface BridgeSeen {
  readonly dpType: string;
  readonly runtime: BridgeRuntime;
  readonly signature: string;
  readonly stp: boolean;
  readonly rstp: boolean;
}

/** The backers' pending revalidation reasons, and what they were decided from. */
export class BackerRevalidation {
  /** need_revalidate, by datapath type. */
  private readonly need = new Map<string, RevalidateReason>();
  private seen = new Map<string, BridgeSeen>();
  /** Backers type_run has met (a new one revalidates at its first run: recv_set_enable). */
  private readonly backers = new Set<string>();

  /** backer->need_revalidate = reason. */
  set(dpType: string, reason: RevalidateReason): void {
    this.need.set(dpType, reason);
  }

  /**
   * One commit's bridges (by name: row, ofproto and whether their flow tables changed in it),
   * compared with the last commit's; marks their backers.
   */
  observe(db: ConfigDb, bridges: ReadonlyMap<string, { readonly row: Row; readonly runtime: BridgeRuntime; readonly flowsChanged: boolean; readonly ipfixChanged: boolean }>): void {
    const next = new Map<string, BridgeSeen>();
    for (const [name, b] of bridges) {
      const seen: BridgeSeen = {
        dpType: b.runtime.dpType,
        runtime: b.runtime,
        signature: reconfigureSignature(db, b.row, b.runtime),
        stp: cell(b.row, "stp_enable") === '["true"]',
        rstp: cell(b.row, "rstp_enable") === '["true"]',
      };
      next.set(name, seen);
      const old = this.seen.get(name);
      const dp = seen.dpType;
      if (old === undefined || old.runtime !== b.runtime) {
        this.set(dp, b.flowsChanged ? "rev_flow_table" : "rev_reconfigure");
        continue;
      }
      if (old.signature !== seen.signature || b.ipfixChanged || (seen.rstp && !old.rstp)) this.set(dp, "rev_reconfigure");
      if (old.rstp && !seen.rstp) this.set(dp, "rev_rstp");
      if (old.stp !== seen.stp) this.set(dp, "rev_stp");
      if (b.flowsChanged) this.set(dp, "rev_flow_table");
    }
    for (const [name, old] of this.seen) {
      const now = next.get(name);
      if (now === undefined || now.runtime !== old.runtime) this.set(old.dpType, "rev_flow_table");
    }
    this.seen = next;
  }

  /**
   * type_run for every backer open (`open`, datapath types): a new backer revalidates; each
   * counts its reason, once, under the reason's counter among `counted`, and forgets it.
   */
  run(open: Iterable<string>, coverage: CoverageCounts, counted: ReadonlySet<RevalidateReason>): void {
    const types = new Set(open);
    for (const t of types) {
      if (!this.backers.has(t)) {
        this.backers.add(t);
        this.set(t, "rev_reconfigure");
      }
      const reason = this.need.get(t);
      if (reason !== undefined && counted.has(reason)) coverage.add(reason);
    }
    for (const t of [...this.backers]) if (!types.has(t)) this.backers.delete(t);
    this.need.clear();
  }

  /** Every open backer's dpif_run saw the tunnel configuration move (tnl_conf_seq). */
  tunnelConfChanged(open: Iterable<string>): void {
    for (const t of open) this.set(t, "rev_reconfigure");
  }

  /** After a snapshot's restore: what the bridges are now is the baseline, nothing pending. */
  settle(open: Iterable<string>): void {
    this.need.clear();
    this.backers.clear();
    for (const t of open) this.backers.add(t);
  }
}
