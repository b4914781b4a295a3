/**
 * Reading the rest of a snapshot (snapshot-load.ts): the megaflow caches,
 * native tunnelling's routes and neighbours, the recirculation ids and the
 * packet path's records, each field checked at its path.
 */
import type { OdpAction } from "../actions/xlate/odp-actions.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import type { RecircIdsState } from "../actions/xlate/xlate-context.js";
import type { FrozenState } from "../actions/xlate/xlate-freeze.js";
import type { DpifNetdevState } from "../datapath/dpif-netdev.js";
import type { TunnelEnvState } from "../datapath/tunnel-env.js";
import type { DatapathDebugState, DatapathsState } from "./datapaths.js";
import type { PacketIoState } from "./packet-io.js";
import type { In } from "./snapshot-read.js";
import { has, objects, u128, U32 } from "./snapshot-read.js";
import { SnapshotError } from "./snapshot.js";
import { VLL_DBG, VLL_OFF } from "./vlog.js";
import type { VlogLevel, VlogState } from "./vlog.js";

/** Datapath actions saved with encodeData, checked by printing them. */
function odpActionsAt(i: In): OdpAction[] {
  const list = i.data();
  if (!Array.isArray(list)) i.fail("not datapath actions");
  try {
    formatOdpActions(list as OdpAction[]);
  } catch (e) {
    i.fail(`not datapath actions (${e instanceof Error ? e.message : String(e)})`);
  }
  return list as OdpAction[];
}

/** Recirculation ids as saved: frozen states name their bridge. */
export type SavedRecircIds = Omit<RecircIdsState, "states"> & { readonly states: readonly (readonly [number, Omit<FrozenState, "bridge"> & { readonly bridge: string }])[] };

export function readRecircIds(i: In): SavedRecircIds {
  return {
    next: i.get("next").int(1),
    states: i.get("states").pairs(
      (k) => k.int(1),
      (v) => {
        const st = v.data() as Omit<FrozenState, "bridge"> & { readonly bridge: string };
        if (st === null || typeof st !== "object" || typeof st.bridge !== "string") v.fail("not a frozen state");
        return st;
      },
    ),
    byKey: i.get("byKey").pairs((k) => k.str(), (v) => v.int(1)),
    refs: i.get("refs").pairs((k) => k.int(1), (v) => v.int(0)),
  };
}

/** The datapaths' debugging switches, when the snapshot has them (older ones do not). */
function readDatapathDebug(i: In): DatapathDebugState | undefined {
  const v = i.value;
  if (v === null || typeof v !== "object" || !Object.hasOwn(v, "debug")) return undefined;
  const d = i.get("debug");
  const implIn = d.get("odpExecuteImpl");
  const text = implIn.str();
  const impl = text === "scalar" || text === "autovalidator" ? text : implIn.fail("not an odp-execute implementation");
  return { megaflows: d.get("megaflows").bool(), dumpWithUfid: d.get("dumpWithUfid").bool(), revalidatorsPaused: d.get("revalidatorsPaused").bool(), odpExecuteImpl: impl };
}

export function readDatapaths(i: In): DatapathsState {
  const l = i.get("limits");
  const debug = readDatapathDebug(i);
  return {
    limits: { flowLimit: l.get("flowLimit").int(0), maxIdle: l.get("maxIdle").int(0) },
    ...(debug === undefined ? {} : { debug }),
    dpifs: i.get("dpifs").arr().map((d) => {
      const s = d.get("dpif");
      const c = s.get("cache");
      const subtables = c.get("subtables").arr().map((t) => ({ mask: t.get("mask").data() as Uint32Array, hits: t.get("hits").int(0) }));
      c.get("subtables").arr().forEach((t, k) => {
        if (!(subtables[k]!.mask instanceof Uint32Array)) t.get("mask").fail("not words");
      });
      const dpif: DpifNetdevState = {
        cache: {
          subtables,
          lookups: c.get("lookups").int(0),
          seq: c.get("seq").int(0),
          flows: c.get("flows").arr().map((f) => {
            const flow = f.get("flow").data();
            if (!(flow instanceof Uint32Array)) throw new SnapshotError("not words", f.get("flow").path);
            const actions = odpActionsAt(f.get("actions"));
            return {
              subtable: f.get("subtable").int(0, Math.max(0, subtables.length - 1)),
              flow,
              actions,
              slowPath: f.get("slowPath").bool(),
              seq: f.get("seq").int(0),
              packets: f.get("packets").int(0),
              bytes: f.get("bytes").int(0),
              used: f.get("used").num(),
              created: f.get("created").num(),
              pushedPackets: f.get("pushedPackets").int(0),
              pushedBytes: f.get("pushedBytes").int(0),
              // Optional: older snapshots lack it.
              tcpFlags: has(f, "tcpFlags") ? f.get("tcpFlags").int(0, 0xfff) : 0,
              dirty: f.get("dirty").bool(),
              validGen: f.get("validGen").int(),
            };
          }),
        },
        cacheEnabled: s.get("cacheEnabled").bool(),
        maxIdle: s.get("maxIdle").int(0),
        configuredFlowLimit: s.get("configuredFlowLimit").int(0),
        flowLimit: s.get("flowLimit").int(0),
        nFlowLimitHit: s.get("nFlowLimitHit").int(0),
        validGen: s.get("validGen").int(),
        seenStale: s.get("seenStale").bool(),
        dirty: s.get("dirty").arr().map((x) => x.int(0)),
      };
      return { type: d.get("type").str(), epoch: d.get("epoch").int(0), dpif };
    }),
  };
}


export function readTunnels(i: In): TunnelEnvState {
  const r = i.get("routes");
  return {
    routes: {
      routes: r.get("routes").arr().map((x) => {
        const origin = x.get("origin").str();
        if (origin !== "user" && origin !== "kernel") x.get("origin").fail("not user or kernel");
        return {
          prefix: x.get("prefix").int(0, U32),
          plen: x.get("plen").int(0, 32),
          dev: x.get("dev").str(),
          gw: x.get("gw").int(0, U32),
          src: x.get("src").int(0, U32),
          origin: origin as "user" | "kernel",
          local: x.get("local").bool(),
          priority: x.get("priority").int(0),
        };
      }),
      addresses: r.get("addresses").pairs(
        (k) => k.str(),
        (v) => v.arr().map((a) => ({ ip: a.get("ip").int(0, U32), plen: a.get("plen").int(0, 32) })),
      ),
      routes6: r.get("routes6").arr().map((x) => ({
        prefix: u128(x.get("prefix")),
        plen: x.get("plen").int(0, 128),
        dev: x.get("dev").str(),
        gw: u128(x.get("gw")),
        src: u128(x.get("src")),
        origin: x.get("origin").value === "user" ? "user" : x.get("origin").fail("not user"),
        local: x.get("local").value === false ? false : x.get("local").fail("not false"),
        priority: x.get("priority").int(0),
      })),
      addresses6: r.get("addresses6").pairs(
        (k) => k.str(),
        (v) => v.arr().map((a) => ({ ip: u128(a.get("ip")), plen: a.get("plen").int(0, 128) })),
      ),
    },
    neighbours: i.get("neighbours").arr().map((n) => ({ ip: n.get("ip").int(0, U32), mac: n.get("mac").int(0, 0xffffffffffff), bridge: n.get("bridge").str() })),
    neighbours6: i.get("neighbours6").arr().map((n) => ({ ip: u128(n.get("ip")), mac: n.get("mac").int(0, 0xffffffffffff), bridge: n.get("bridge").str() })),
    neighboursChanged: i.get("neighboursChanged").bool(),
  };
}

export function readIo(i: In): PacketIoState {
  return {
    nUnattached: i.get("nUnattached").int(0),
    unhandled: i.get("unhandled").arr().map((u) => u.str()),
    received: objects(i.get("received")),
  };
}

/** Gives the fresh switch whose parts are `p` the state of snapshot `doc` (see the file comment). */

export function readVlog(i: In): VlogState {
  return {
    modules: i.get("modules").arr().map((m) => ({
      name: m.get("name").str(),
      levels: m.get("levels").arr().map((l) => l.int(VLL_OFF, VLL_DBG) as VlogLevel),
      honorRateLimits: m.get("honorRateLimits").bool(),
    })),
    patterns: i.get("patterns").arr().map((p) => p.str()),
    fileOpen: i.get("fileOpen").bool(),
    facility: i.get("facility").int(0),
    msgNum: i.get("msgNum").int(0),
    fileText: i.get("fileText").str(),
    rateLimits: i.get("rateLimits").arr().map((e) => {
      const [name, rl] = e.arr();
      if (name === undefined || rl === undefined) return e.fail("not a [site, bucket] pair");
      const lastFill = rl.get("lastFill");
      return [
        name.str(),
        {
          rate: rl.get("rate").num(),
          burst: rl.get("burst").num(),
          tokens: rl.get("tokens").num(),
          lastFill: lastFill.isNull() ? null : lastFill.num(),
          nDropped: rl.get("nDropped").int(0),
          firstDropped: rl.get("firstDropped").int(),
          lastDropped: rl.get("lastDropped").int(),
        },
      ] as const;
    }),
  };
}
