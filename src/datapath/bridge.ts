/**
 * A bridge (OVS's ofproto): a name, its OpenFlow tables and its fail mode.
 * Its configuration is its Bridge record in the config DB (config-db.ts);
 * `datapathType` and `failMode` mirror that record (World keeps them in step).
 * Ports, datapath and NORMAL processing join as the datapath work lands.
 */
import { FlowTables } from "../flowtable/flow-tables.js";
import { Match } from "../flowtable/match.js";
import { OFPP_NORMAL, OFPP_NONE } from "../flowtable/ports.js";
import { OFPG_ANY, TABLE_ALL } from "../flowtable/flow-mod-parse.js";
import type { ActionList } from "../actions/action-types.js";
import { actionSemantics } from "../actions/action-semantics.js";

export type FailMode = "standalone" | "secure";

export class Bridge {
  readonly name: string;
  readonly tables: FlowTables<ActionList>;
  datapathType: string;
  failMode: FailMode;

  constructor(name: string, now: number) {
    this.name = name;
    this.tables = new FlowTables<ActionList>(actionSemantics);
    this.datapathType = "";
    this.failMode = "standalone";
    this.installFailOpenFlow(now);
  }

  /**
   * Deletes every flow, then re-adds the fail-open flow if it applies: what
   * OVS does when the fail mode changes, or when the bridge gains its first
   * controller or loses its last one (connmgr_set_fail_mode, ofproto_flush).
   */
  flush(now: number, hasControllers: boolean): void {
    this.tables.apply(
      {
        command: "delete",
        match: Match.catchall(),
        priority: 0,
        tableId: TABLE_ALL,
        cookie: 0n,
        cookieMask: 0n,
        newCookie: 0n,
        modifyCookie: false,
        idleTimeout: 0,
        hardTimeout: 0,
        importance: 0,
        flags: { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPacketCounts: false, noByteCounts: false },
        outPort: OFPP_NONE,
        outGroup: OFPG_ANY,
        actions: [],
      },
      now,
    );
    if (!hasControllers) this.installFailOpenFlow(now);
  }

  /**
   * In standalone fail mode OVS keeps a "priority=0 actions=NORMAL" flow in
   * table 0 while no controller is connected (what a fresh bridge shows).
   */
  installFailOpenFlow(now: number): void {
    if (this.failMode !== "standalone") return;
    this.tables.apply(
      {
        command: "add",
        match: Match.catchall(),
        priority: 0,
        tableId: 0,
        cookie: 0n,
        cookieMask: 0n,
        newCookie: 0n,
        modifyCookie: false,
        idleTimeout: 0,
        hardTimeout: 0,
        importance: 0,
        flags: { sendFlowRem: false, checkOverlap: false, resetCounts: false, noPacketCounts: false, noByteCounts: false },
        outPort: OFPP_NONE,
        outGroup: OFPG_ANY,
        actions: [{ type: "output", port: OFPP_NORMAL, maxLen: 0 }],
      },
      now,
    );
  }
}
