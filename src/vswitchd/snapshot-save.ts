/**
 * Saving a switch (snapshot.ts): each part's `save()` state, made JSON data
 * by the codec where it holds bigints, words or action lists. Nothing here
 * changes the switch: pending megaflow stats stay pending (they are saved as
 * such), no flow or MAC entry is expired.
 */
import type { ActionList } from "../actions/action-types.js";
import type { Bridge } from "../datapath/bridge.js";
import type { ConfigDb } from "../datapath/config-db.js";
import type { FlowEntry } from "../flowtable/flow-entry.js";
import type { Ofprotos } from "./ofprotos.js";
import type { Json } from "./snapshot-codec.js";
import { encodeData } from "./snapshot-codec.js";
import { saveBonds } from "./bond-snapshot.js";
import type { SwitchSnapshot } from "./snapshot.js";
import { SNAPSHOT_VERSION, SnapshotError } from "./snapshot.js";
import type { Switch } from "./switch.js";

/** What saving and loading reach inside a Switch (its private parts, handed over by the Switch itself). */
export interface SwitchParts {
  readonly sw: Switch;
  readonly ofprotos: Ofprotos;
  readonly db: () => ConfigDb;
  readonly setDb: (db: ConfigDb) => void;
  readonly clock: () => number;
  readonly setClock: (ms: number) => void;
  readonly monitors: () => number;
}

function hex64(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function saveFlow(e: FlowEntry<ActionList>, path: string): Json {
  return {
    id: e.id,
    table: e.tableId,
    priority: e.priority,
    key: [...e.rule.key],
    mask: [...e.rule.mask],
    cookie: hex64(e.cookie),
    idleTimeout: e.idleTimeout,
    hardTimeout: e.hardTimeout,
    importance: e.importance,
    flags: { ...e.flags },
    actions: encodeData(e.actions, `${path}.actions`),
    created: e.created,
    modified: e.modified,
    used: e.used,
    nPackets: e.nPackets,
    nBytes: e.nBytes,
  };
}

function saveBridge(br: Bridge, path: string): Json {
  return {
    name: br.name,
    flows: {
      nextId: br.tables.nextEntryId,
      version: br.tables.version,
      recircDropId: br.recircDropId,
      subtableOrders: br.tables.subtableOrders(),
      entries: br.tables.entries().map((e, i) => saveFlow(e, `${path}.flows.entries[${i}]`)),
    },
    ports: br.ports().map((p) => ({ name: p.name, config: p.config, stats: { ...p.stats } })),
    bundleOrder: br.bundles().map((p) => p.name),
    // The TLV map (absent in older snapshots: an empty map).
    tunMetadata: br.tunMetadata.save().map((e) => ({
      index: e.index,
      optionClass: e.optionClass,
      optionType: e.optionType,
      optionLen: e.optionLen,
      chunks: e.chunks.map((c) => ({ offset: c.offset, len: c.len })),
    })),
    mac: encodeData(br.macTable.save(), `${path}.mac`),
    groups: br.groupTable.groups().map((g, i) => ({
      groupId: g.groupId,
      type: g.type,
      buckets: encodeData(g.buckets, `${path}.groups[${i}].buckets`),
      props: encodeData(g.props, `${path}.groups[${i}].props`),
      created: g.created,
      packets: g.packets,
      bytes: g.bytes,
      bucketStats: g.bucketStats.map((s) => ({ ...s })),
    })),
    meters: encodeData(br.meterTable.save(), `${path}.meters`),
    mirrors: br.mirrorTable.save().map((m) => ({ ...m })),
    packetIns: encodeData(br.packetIns, `${path}.packetIns`),
    // OFPT_SET_CONFIG's fragment handling and table_mods' settings (absent in older snapshots).
    openflowConfig: {
      frags: br.fragHandling,
      evictionTables: br.tables.evictionByOpenflowTables(),
      tables: br.tableConfig.save().map((t) => ({ table: t.table, miss: t.miss, vacancy: { ...t.vacancy }, name: t.name })),
      // Per table with lookups: [table, packets matched, packets missed] (dump-tables' counters).
      lookups: [...br.tableMatched.keys()]
        .filter((t) => br.tableMatched[t] !== 0 || br.tableMissed[t] !== 0)
        .map((t) => [t, br.tableMatched[t] ?? 0, br.tableMissed[t] ?? 0]),
    },
  };
}

/** The snapshot of the switch whose parts are `p`. */
export function saveSwitch(p: SwitchParts): SwitchSnapshot {
  const sw = p.sw;
  const held = sw.vswitchd.openDatapaths().some((dp) => sw.datapaths.existing(dp)?.installsHeld === true);
  if (held || sw.io.busy) throw new SnapshotError("the switch is not quiescent: a packet is being processed");
  const io = sw.io.attachments();
  const recirc = sw.recircIds.save();
  return {
    format: "ovsim-switch",
    version: SNAPSHOT_VERSION,
    clock: p.clock(),
    attached: {
      ports: io.ports,
      vports: io.vports,
      neighbourRequests: sw.tunnels.neighbourRequestSink !== null,
      monitors: p.monitors(),
      tap: io.tap,
      recirculate: io.recirculate,
    },
    db: encodeData(p.db().save(), "$.db"),
    vswitchd: encodeData(sw.vswitchd.save(), "$.vswitchd"),
    bridges: [...p.ofprotos.bridges.values()].map((br, i) => saveBridge(br, `$.bridges[${i}]`)),
    datapaths: encodeData(sw.datapaths.save(), "$.datapaths"),
    tunnels: encodeData(sw.tunnels.save(), "$.tunnels"),
    recircIds: encodeData({ ...recirc, states: recirc.states.map(([id, st]) => [id, { ...st, bridge: st.bridge.name }] as const) }, "$.recircIds"),
    io: encodeData(sw.io.save(), "$.io"),
    vlog: encodeData(sw.vlog.save(), "$.vlog"),
    bonds: encodeData(saveBonds(sw.bonds.save()), "$.bonds"),
  };
}
