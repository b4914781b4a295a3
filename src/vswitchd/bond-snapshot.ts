/**
 * Bonds in snapshots (docs/snapshots.md): what bonds.ts and lacp.ts keep that the config DB
 * cannot give back — each member's enabled state and delays, the active member, the
 * hash buckets with their loads and the enabled-member rotation, the post-recirculation rules'
 * counters, the rebalance timer, and each LACP object's partners, timers and counters — as
 * plain JSON data, read back with shape checks (a bad document throws SnapshotError).
 *
 * The settings (mode, delays, basis, LACP settings) are saved too: the next main-loop pass
 * reads them from the DB again, but a loaded switch answers `bond/show` as the saved one did
 * before that pass.
 */
import type { ActionList } from "../actions/action-types.js";
import { FlowEntry } from "../flowtable/flow-entry.js";
import { NO_FLOW_MOD_FLAGS, TABLE_INTERNAL } from "../flowtable/flow-tables.js";
import { Match } from "../flowtable/match.js";
import type { BondMember, BondMode, BondState, LacpStatus } from "./bonds.js";
import { Lacp } from "./lacp.js";
import type { LacpInfo, LacpMember, LacpMemberStatus } from "./lacp.js";
import { SnapshotError } from "./snapshot.js";

/** A JSON value. */
type Data = null | boolean | number | string | readonly Data[] | { readonly [k: string]: Data };

function infoData(i: LacpInfo): Data {
  return [i.sysPriority, i.sysId, i.key, i.portPriority, i.portId, i.state];
}

function lacpData(l: Lacp): Data {
  return {
    name: l.name, sysId: l.sysId, sysPriority: l.sysPriority, active: l.active, fast: l.fast, negotiated: l.negotiated, update: l.update, fallbackAb: l.fallbackAb, keyMember: l.keyMember,
    members: [...l.members.values()].map((m) => ({
      name: m.name, portId: m.portId, portPriority: m.portPriority, key: m.key, status: m.status, attached: m.attached, carrierUp: m.carrierUp,
      partner: infoData(m.partner), nttActor: infoData(m.nttActor), tx: m.tx, rx: m.rx,
      counts: [m.countRxPdus, m.countRxPdusBad, m.countRxPdusMarker, m.countTxPdus, m.countLinkExpired, m.countLinkDefaulted, m.countCarrierChanged],
    })),
  };
}

/** The bonds' state as JSON data. */
export function saveBonds(bonds: readonly BondState[]): Data {
  return bonds.map((b) => ({
    name: b.name, mode: b.mode, updelay: b.updelay, downdelay: b.downdelay, basis: b.basis, rebalanceInterval: b.rebalanceInterval, lacpFallbackAb: b.lacpFallbackAb,
    primary: b.primary, useLbOutput: b.useLbOutput, allMembersActive: b.allMembersActive,
    members: [...b.members.values()].map((m) => [m.name, m.enabled, m.mayEnable, m.delayExpires]),
    active: b.active, activeMac: b.activeMac, recircId: b.recircId, nextRebalance: b.nextRebalance, sendLearning: b.sendLearning,
    hash: b.hash === null ? null : b.hash.map((e) => [e.member, e.txBytes, e.prTxBytes]),
    enabledList: b.enabledList, lacp: b.lacp === null ? null : lacpData(b.lacp), lacpStatus: b.lacpStatus,
    prRules: [...b.prRules].map(([i, e]) => [i, e.id, e.created, e.used, e.nPackets, e.nBytes, outputPort(e.actions)]),
  }));
}

function outputPort(actions: ActionList): number {
  const a = actions[0];
  return a !== undefined && a.type === "output" ? a.port : 0;
}

/** Reads JSON data at `path` with shape checks. */
class R {
  constructor(
    readonly v: unknown,
    readonly path: string,
  ) {}
  fail(what: string): never {
    throw new SnapshotError(what, this.path);
  }
  get(k: string): R {
    const v = this.v;
    if (v === null || typeof v !== "object" || Array.isArray(v) || !Object.hasOwn(v, k)) this.fail(`missing ${k}`);
    return new R(new Map(Object.entries(v)).get(k), `${this.path}.${k}`);
  }
  arr(): R[] {
    if (!Array.isArray(this.v)) this.fail("not an array");
    return (this.v as unknown[]).map((x, i) => new R(x, `${this.path}[${i}]`));
  }
  at(i: number): R {
    const a = this.arr();
    const r = a[i];
    return r === undefined ? this.fail(`missing item ${i}`) : r;
  }
  num(): number {
    if (typeof this.v !== "number" || !Number.isFinite(this.v)) this.fail("not a number");
    return this.v as number;
  }
  str(): string {
    if (typeof this.v !== "string") this.fail("not a string");
    return this.v as string;
  }
  bool(): boolean {
    if (typeof this.v !== "boolean") this.fail("not a boolean");
    return this.v as boolean;
  }
  strOrNull(): string | null {
    return this.v === null ? null : this.str();
  }
  numOrNull(): number | null {
    return this.v === null ? null : this.num();
  }
  oneOf<T extends string>(values: readonly T[]): T {
    const s = this.str();
    const v = values.find((x) => x === s);
    return v === undefined ? this.fail(`not one of ${values.join(", ")}`) : v;
  }
}

function readInfo(r: R): LacpInfo {
  return { sysPriority: r.at(0).num(), sysId: r.at(1).num(), key: r.at(2).num(), portPriority: r.at(3).num(), portId: r.at(4).num(), state: r.at(5).num() };
}

function readLacp(r: R): Lacp {
  const l = new Lacp();
  l.name = r.get("name").str();
  l.sysId = r.get("sysId").num();
  l.sysPriority = r.get("sysPriority").num();
  l.active = r.get("active").bool();
  l.fast = r.get("fast").bool();
  l.negotiated = r.get("negotiated").bool();
  l.update = r.get("update").bool();
  l.fallbackAb = r.get("fallbackAb").bool();
  l.keyMember = r.get("keyMember").strOrNull();
  for (const m of r.get("members").arr()) {
    const c = m.get("counts");
    const member: LacpMember = {
      name: m.get("name").str(), portId: m.get("portId").num(), portPriority: m.get("portPriority").num(), key: m.get("key").num(),
      status: m.get("status").oneOf<LacpMemberStatus>(["current", "expired", "defaulted"]), attached: m.get("attached").bool(), carrierUp: m.get("carrierUp").bool(),
      partner: readInfo(m.get("partner")), nttActor: readInfo(m.get("nttActor")), tx: m.get("tx").num(), rx: m.get("rx").num(),
      countRxPdus: c.at(0).num(), countRxPdusBad: c.at(1).num(), countRxPdusMarker: c.at(2).num(), countTxPdus: c.at(3).num(),
      countLinkExpired: c.at(4).num(), countLinkDefaulted: c.at(5).num(), countCarrierChanged: c.at(6).num(),
    };
    l.members.set(member.name, member);
  }
  return l;
}

/** The bonds saved by `saveBonds` (`path`: where the data sits in the document). */
export function readBonds(data: unknown, path: string): BondState[] {
  return new R(data, path).arr().map((b) => {
    const members = new Map<string, BondMember>();
    for (const m of b.get("members").arr()) {
      const name = m.at(0).str();
      members.set(name, { name, enabled: m.at(1).bool(), mayEnable: m.at(2).bool(), delayExpires: m.at(3).numOrNull() });
    }
    const hashIn = b.get("hash");
    const prRules = new Map<number, FlowEntry<ActionList>>();
    for (const p of b.get("prRules").arr()) {
      const e = new FlowEntry<ActionList>(p.at(1).num(), TABLE_INTERNAL, Match.catchall(), 20, 0n, 0, 0, 0, { ...NO_FLOW_MOD_FLAGS }, [{ type: "output", port: p.at(6).num(), maxLen: 0 }], p.at(2).num());
      e.used = p.at(3).num();
      e.nPackets = p.at(4).num();
      e.nBytes = p.at(5).num();
      prRules.set(p.at(0).num(), e);
    }
    const lacpIn = b.get("lacp");
    return {
      name: b.get("name").str(),
      mode: b.get("mode").oneOf<BondMode>(["active-backup", "balance-slb", "balance-tcp"]),
      updelay: b.get("updelay").num(), downdelay: b.get("downdelay").num(), basis: b.get("basis").num(), rebalanceInterval: b.get("rebalanceInterval").num(),
      lacpFallbackAb: b.get("lacpFallbackAb").bool(), primary: b.get("primary").strOrNull(), useLbOutput: b.get("useLbOutput").bool(), allMembersActive: b.get("allMembersActive").bool(),
      members, active: b.get("active").strOrNull(), activeMac: b.get("activeMac").str(), recircId: b.get("recircId").num(), nextRebalance: b.get("nextRebalance").num(),
      sendLearning: b.get("sendLearning").bool(),
      hash: hashIn.v === null ? null : hashIn.arr().map((e) => ({ member: e.at(0).strOrNull(), txBytes: e.at(1).num(), prTxBytes: e.at(2).num() })),
      enabledList: b.get("enabledList").arr().map((x) => x.str()),
      lacp: lacpIn.v === null ? null : readLacp(lacpIn),
      lacpStatus: b.get("lacpStatus").oneOf<LacpStatus>(["off", "configured", "negotiated"]),
      prRules,
    };
  });
}
