/**
 * Snapshots of one switch (issue 14): everything a `Switch` holds, as a
 * versioned document of plain JSON data, and back (docs/snapshots.md).
 *
 * Goal: save, `JSON.stringify`, `JSON.parse`, load into a fresh switch, and
 * the switch continues exactly as the saved one would have: every command
 * prints the same text, every packet takes the same path. So the document
 * holds state, not a log: the config DB as committed; vswitchd's ofprotos
 * (ofport allocators, the hash orders dumps follow, open ports with their
 * netdev-dummy MACs), the datapaths (ports, counters, features, meters with
 * their buckets, conntrack); per bridge its flows with every counter and time
 * and the ids that order them, table versions, ports' OpenFlow config and
 * counters, NORMAL's flood order, the MAC table in eviction order, groups,
 * meters, queued packet-ins; the megaflow caches with their stats, pending
 * pushes and revalidation generations; tunnels' routes and neighbours;
 * recirculation ids with their frozen states; the clock. Derived state is
 * not saved but rebuilt (classifier indexes and tries, Flow_Table limits and
 * prefixes, which follow the DB; expiry hints).
 *
 * Invariants: saving changes nothing (no stats are pushed, no flow expires);
 * the same state gives the same text; a document is read whole and checked
 * (a SnapshotError names the JSON path of the first bad field) before a new
 * switch is built from it, so a bad one is never half-applied.
 *
 * What a document cannot hold is what the caller gave as functions: port
 * sinks, the tunnel vports' sink, native tunnelling's ARP request sink, DB
 * monitors, a datapath tap. `attached` records which were there;
 * `loadSnapshot` takes the sinks as options, the rest the caller sets again.
 *
 * Version rule: `version` is SNAPSHOT_VERSION when saved; a loader reads its
 * own version only, and any change to the document that an older loader
 * could misread bumps it.
 */
import { OvsimError } from "../flowtable/errors.js";
import type { SwitchOptions } from "./switch.js";
import type { PortSink, VportSink } from "./packet-io.js";
import type { Json } from "./snapshot-codec.js";

/** The snapshot format's version: bumped on any change an older loader could not read. */
export const SNAPSHOT_VERSION = 1;

/** A snapshot of one switch: plain JSON data (`JSON.stringify` gives the same text for the same state). */
export interface SwitchSnapshot {
  readonly format: "ovsim-switch";
  readonly version: number;
  /** The virtual clock, ms. */
  readonly clock: number;
  /** What the caller had attached that a document cannot hold: ports with a sink, a vport sink, a neighbour request sink. */
  readonly attached: SnapshotAttachments;
  /** The config DB as committed (ConfigDb.save). */
  readonly db: Json;
  /** vswitchd's ofprotos and the datapaths (ports, counters, meters, conntrack). */
  readonly vswitchd: Json;
  /** The bridges (ofprotos) in the switch's order: flows, ports, MAC table, groups, meters, mirrors' indices and counters. */
  readonly bridges: Json;
  /** The megaflow caches. */
  readonly datapaths: Json;
  /** Native tunnelling: routes, addresses, neighbours. */
  readonly tunnels: Json;
  /** Recirculation ids and their frozen states. */
  readonly recircIds: Json;
  /** The packet path's counters and records. */
  readonly io: Json;
  /** ovs-vswitchd's log: levels, patterns, the file's untaken text. */
  readonly vlog: Json;
  /** The bonds: members' states, buckets, LACP partners and counters (bond-snapshot.ts); absent in older snapshots. */
  readonly bonds?: Json;
}

/** Functions that were attached when the snapshot was taken (they are not saved; give them back to `loadSnapshot`). */
export interface SnapshotAttachments {
  /** Ports (and datapath tunnel vports) that had a sink (`Switch.attach`), sorted. */
  readonly ports: readonly string[];
  /** Whether `Switch.attachTunnelVports` had a sink. */
  readonly vports: boolean;
  /** Whether `tunnels.neighbourRequestSink` was set. */
  readonly neighbourRequests: boolean;
  /** How many DB monitors (`monitor`, `onPortEvent`) were listening. */
  readonly monitors: number;
  /** Whether a datapath tap (`io.setTap`) or a recirculation hook (`io.onRecirculate`) was set. */
  readonly tap: boolean;
  readonly recirculate: boolean;
}

/** How `Switch.loadSnapshot` builds its switch: the constructor's options, and the sinks to attach again. */
export interface LoadSnapshotOptions extends SwitchOptions {
  /** Sinks by port name (`Switch.attach`). */
  readonly sinks?: Readonly<Record<string, PortSink>>;
  /** The tunnel vports' sink (`Switch.attachTunnelVports`). */
  readonly vportSink?: VportSink;
  /** Native tunnelling's ARP request sink (`tunnels.neighbourRequestSink`). */
  readonly neighbourRequestSink?: (bridge: string, port: string, frame: Uint8Array) => void;
}

/** A snapshot that cannot be taken or loaded: wrong format or version, a bad field (its JSON path), a switch that is not quiescent. */
export class SnapshotError extends OvsimError {
  readonly code = "SNAPSHOT";
  /** The JSON path of the bad field (`$.bridges[0].flows[3].idleTimeout`), or "$" for the whole document. */
  readonly path: string;
  constructor(message: string, path = "$") {
    super(path === "$" ? message : `${path}: ${message}`);
    this.path = path;
  }
}
