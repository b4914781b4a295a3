/**
 * Reading a snapshot's bridges (snapshot-load.ts): flows with their counters,
 * times and ids, the tables' subtable order, ports' config and counters,
 * NORMAL's flood order, the MAC table, groups, meters and packet-ins, the
 * fragment handling and table_mod settings (optional: older snapshots lack them), each
 * field checked at its path; action lists are decoded and printed once.
 */
import type { ActionList } from "../actions/action-types.js";
import type { GroupBucket, GroupProps, GroupType } from "../actions/group-types.js";
import type { PacketIn } from "../actions/xlate/xlate-context.js";
import type { FragHandling } from "../actions/xlate/xlate-bridge.js";
import type { TableConfigState, TableMiss } from "../datapath/table-config.js";
import { Group } from "../datapath/group-table.js";
import type { MacTableState } from "../datapath/mac-learning.js";
import type { MeterBand, MeterTableState } from "../datapath/meter-table.js";
import type { MirrorSlotState } from "../datapath/mirrors.js";
import { FlowEntry } from "../flowtable/flow-entry.js";
import { FLOW_WORDS } from "../flowtable/flow-layout.js";
import { N_TABLES } from "../flowtable/flow-tables.js";
import { Match } from "../flowtable/match.js";
import type { TunMetadataEntry } from "../flowtable/tun-metadata-table.js";
import { TLV_MAX_OPT_SIZE, TUN_METADATA_NUM_OPTS, TUN_METADATA_TOT_OPT_SIZE } from "../flowtable/tun-metadata-table.js";
import type { In } from "./snapshot-read.js";
import { actionsAt, has, hmap, objects, U16, U32 } from "./snapshot-read.js";

/** A bridge as a snapshot holds it, read and checked: ready to give to the restored bridge. */
export interface BridgeSnapshot {
  readonly name: string;
  readonly nextId: number;
  readonly version: number;
  readonly recircDropId: number | null;
  /** Per table, the lookup order of its subtables as one flow id of each. */
  readonly subtableOrders: [number, number[]][];
  readonly flows: FlowEntry<ActionList>[];
  readonly ports: { name: string; config: number; stats: { rxPackets: number; rxBytes: number; txPackets: number; txBytes: number } }[];
  readonly bundleOrder: string[];
  readonly mac: MacTableState;
  readonly groups: Group[];
  readonly meters: MeterTableState;
  readonly packetIns: PacketIn[];
  /** Each mirror's index and counters (its configuration comes back from the DB). */
  readonly mirrors: MirrorSlotState[];
  /** Fragment handling and table_mod settings; null in a snapshot saved before they were. */
  readonly openflowConfig: BridgeOpenflowConfig | null;
  /** The TLV map's entries (none in a snapshot saved before it was). */
  readonly tunMetadata: TunMetadataEntry[];
}

/** The bridge's TLV map: each entry's index, option, length and the chunks of option space it holds. */
function readTunMetadata(b: In): TunMetadataEntry[] {
  const o = b.value as { readonly [k: string]: unknown };
  if (!Object.hasOwn(o, "tunMetadata")) return [];
  return b
    .get("tunMetadata")
    .arr()
    .map((e) => ({
      index: e.get("index").int(0, TUN_METADATA_NUM_OPTS - 1),
      optionClass: e.get("optionClass").int(0, 0xffff),
      optionType: e.get("optionType").int(0, 0xff),
      optionLen: e.get("optionLen").int(0, TLV_MAX_OPT_SIZE),
      chunks: e
        .get("chunks")
        .arr()
        .map((c) => ({ offset: c.get("offset").int(0, TUN_METADATA_TOT_OPT_SIZE - 4), len: c.get("len").int(0, TUN_METADATA_TOT_OPT_SIZE) })),
    }));
}

/** What OpenFlow set_config and table_mods configured of a bridge. */
export interface BridgeOpenflowConfig {
  readonly frags: FragHandling;
  readonly evictionTables: number[];
  readonly tables: TableConfigState[];
  /** [table, packets matched, packets missed] per table with lookups. */
  readonly lookups: [number, number, number][];
}

const FRAG_MODES: readonly FragHandling[] = ["normal", "drop", "nx-match"];
const TABLE_MISSES: readonly TableMiss[] = ["default", "controller", "continue", "drop"];

function readOpenflowConfig(b: In): BridgeOpenflowConfig | null {
  const o = b.value as { readonly [k: string]: unknown };
  if (!Object.hasOwn(o, "openflowConfig")) return null;
  const c = b.get("openflowConfig");
  const frags = c.get("frags").str();
  if (!(FRAG_MODES as readonly string[]).includes(frags)) c.get("frags").fail("not normal, drop or nx-match");
  return {
    frags: frags as FragHandling,
    evictionTables: c.get("evictionTables").arr().map((t) => t.int(0, N_TABLES - 1)),
    tables: c.get("tables").arr().map((t) => {
      const miss = t.get("miss").str();
      if (!(TABLE_MISSES as readonly string[]).includes(miss)) t.get("miss").fail("not default, controller, continue or drop");
      const v = t.get("vacancy");
      return {
        table: t.get("table").int(0, N_TABLES - 1),
        miss: miss as TableMiss,
        vacancy: { on: v.get("on").bool(), down: v.get("down").int(0, 100), up: v.get("up").int(0, 100) },
        name: t.get("name").str(),
      };
    }),
    lookups: c.get("lookups").arr().map((l): [number, number, number] => {
      const a = l.arr();
      const [t, m, x] = a;
      if (a.length !== 3 || t === undefined || m === undefined || x === undefined) return l.fail("not [table, matched, missed]");
      return [t.int(0, N_TABLES - 1), m.int(0), x.int(0)];
    }),
  };
}

function readFlow(f: In): FlowEntry<ActionList> {
  const key = f.get("key").words(FLOW_WORDS);
  const mask = f.get("mask").words(FLOW_WORDS);
  for (let w = 0; w < FLOW_WORDS; w++) key[w] = (key[w]! & mask[w]!) >>> 0;
  const fl = f.get("flags");
  const flags = {
    sendFlowRem: fl.get("sendFlowRem").bool(),
    checkOverlap: fl.get("checkOverlap").bool(),
    resetCounts: fl.get("resetCounts").bool(),
    noPacketCounts: fl.get("noPacketCounts").bool(),
    noByteCounts: fl.get("noByteCounts").bool(),
  };
  const e = new FlowEntry<ActionList>(
    f.get("id").int(0),
    f.get("table").int(0, N_TABLES - 1),
    new Match(key, mask),
    f.get("priority").int(0, U16),
    f.get("cookie").u64(),
    f.get("idleTimeout").int(0, U16),
    f.get("hardTimeout").int(0, U16),
    f.get("importance").int(0, U16),
    flags,
    actionsAt(f.get("actions")),
    f.get("created").num(),
  );
  e.modified = f.get("modified").num();
  e.used = f.get("used").num();
  e.nPackets = f.get("nPackets").int(0);
  e.nBytes = f.get("nBytes").int(0);
  return e;
}

export function readBridge(b: In): BridgeSnapshot {
  const fl = b.get("flows");
  const nextId = fl.get("nextId").int(0);
  const flows = fl.get("entries").arr().map(readFlow);
  const ids = new Set<number>();
  const matches = new Set<string>();
  fl.get("entries").arr().forEach((f, i) => {
    const e = flows[i]!;
    if (e.id >= nextId || ids.has(e.id)) f.get("id").fail(`not a unique id below nextId ${nextId}`);
    ids.add(e.id);
    const m = `${e.tableId}/${e.priority}/${e.rule.key.join(",")}/${e.rule.mask.join(",")}`;
    if (matches.has(m)) f.fail("a second flow with this table, match and priority");
    matches.add(m);
  });
  const recirc = fl.get("recircDropId");
  const mac = b.get("mac");
  const g = b.get("groups");
  const meters = b.get("meters");
  return {
    name: b.get("name").str(),
    nextId,
    version: fl.get("version").int(0),
    recircDropId: recirc.isNull() ? null : recirc.int(0),
    subtableOrders: fl.get("subtableOrders").pairs((t) => t.int(0, N_TABLES - 1), (v) => v.arr().map((id) => id.int(0))),
    flows,
    ports: b.get("ports").arr().map((p) => {
      const s = p.get("stats");
      return {
        name: p.get("name").str(),
        config: p.get("config").int(0, U32),
        stats: { rxPackets: s.get("rxPackets").int(0), rxBytes: s.get("rxBytes").int(0), txPackets: s.get("txPackets").int(0), txBytes: s.get("txBytes").int(0) },
      };
    }),
    bundleOrder: b.get("bundleOrder").arr().map((n) => n.str()),
    mac: {
      idleTime: mac.get("idleTime").int(1),
      maxEntries: mac.get("maxEntries").int(1),
      floodVlans: mac.get("floodVlans").arr().map((v) => v.int(0, 4095)),
      totalLearned: mac.get("totalLearned").int(0),
      totalExpired: mac.get("totalExpired").int(0),
      totalEvicted: mac.get("totalEvicted").int(0),
      totalMoved: mac.get("totalMoved").int(0),
      // Static entries (fdb/add): optional, older snapshots lack them.
      staticEntries: has(mac, "staticEntries") ? mac.get("staticEntries").int(0) : 0,
      staticNoneMove: has(mac, "staticNoneMove") ? mac.get("staticNoneMove").int(0) : 0,
      version: mac.get("version").int(0),
      entries: mac.get("entries").arr().map((e) => ({
        mac: e.get("mac").int(0, 0xffffffffffff),
        vlan: e.get("vlan").int(0, 0xffff), // fdb/add takes any uint16
        port: e.get("port").int(-1, U32),
        expires: e.get("expires").int(),
        isStatic: has(e, "isStatic") ? e.get("isStatic").bool() : false,
      })),
      ...(has(mac, "portOrder") ? { portOrder: mac.get("portOrder").arr().map((p) => p.int(0, U32)) } : {}),
    },
    groups: g.arr().map((x) => {
      const type = x.get("type").str();
      if (!["all", "select", "indirect", "ff"].includes(type)) x.get("type").fail("not all, select, indirect or ff");
      const buckets = objects<GroupBucket>(x.get("buckets"));
      for (const bucket of x.get("buckets").arr()) actionsAt(bucket.get("actions"));
      const props = x.get("props").data();
      if (props === null || typeof props !== "object") x.get("props").fail("not group properties");
      const group = new Group({ command: "add", groupId: x.get("groupId").int(0, U32), type: type as GroupType, buckets, props: props as GroupProps }, x.get("created").num());
      group.packets = x.get("packets").int(0);
      group.bytes = x.get("bytes").int(0);
      const stats = x.get("bucketStats").arr();
      if (stats.length !== buckets.length) x.get("bucketStats").fail(`not ${buckets.length} bucket counters`);
      stats.forEach((s, i) => {
        group.bucketStats[i]!.packets = s.get("packets").int(0);
        group.bucketStats[i]!.bytes = s.get("bytes").int(0);
      });
      return group;
    }),
    meters: {
      meters: meters.get("meters").arr().map((m) => {
        const f = m.get("flags");
        return {
          meterId: m.get("meterId").int(1, U32),
          flags: { kbps: f.get("kbps").bool(), pktps: f.get("pktps").bool(), burst: f.get("burst").bool(), stats: f.get("stats").bool() },
          bands: m.get("bands").arr().map((band) => {
            const type = band.get("type").str();
            if (type !== "drop" && type !== "dscp_remark") band.get("type").fail("not drop or dscp_remark");
            const b: MeterBand = { type: type as MeterBand["type"], rate: band.get("rate").int(0, U32), burstSize: band.get("burstSize").int(0, U32), precLevel: band.get("precLevel").int(0, 0xff) };
            return b;
          }),
          dpId: m.get("dpId").int(0),
          created: m.get("created").num(),
        };
      }),
      order: hmap(meters.get("order"), (v) => v.int(1, U32)),
    },
    packetIns: objects(b.get("packetIns")),
    mirrors: b.get("mirrors").arr().map((m) => ({ key: m.get("key").str(), index: m.get("index").int(0, 31), packets: m.get("packets").int(0), bytes: m.get("bytes").int(0) })),
    openflowConfig: readOpenflowConfig(b),
    tunMetadata: readTunMetadata(b),
  };
}
