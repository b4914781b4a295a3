/**
 * Reading a snapshot's vswitchd section (snapshot-load.ts): the bridges'
 * ofprotos (open ports, ofport allocators, hash orders) and the datapaths
 * with their ports, meters and connections, each field checked at its path.
 */
import type { VswitchdState } from "../datapath/config-db-vswitchd.js";
import type { ConnL4State } from "../datapath/conntrack/conn-snapshot.js";
import type { DatapathState } from "../datapath/dpif.js";
import type { In } from "./snapshot-read.js";
import { has, hmap, U16, U32 } from "./snapshot-read.js";
import { SnapshotError } from "./snapshot.js";

function readDatapath(i: In): DatapathState {
  const m = i.get("meters");
  const ct = i.get("conntrack");
  return {
    type: i.get("type").str(),
    ports: i.get("ports").arr().map((p) => ({ name: p.get("name").str(), odpPort: p.get("odpPort").int(0, U32), type: p.get("type").str() })),
    vportUsers: i.get("vportUsers").pairs((k) => k.str(), (v) => v.int(1)),
    nHit: i.get("nHit").int(0),
    nMissed: i.get("nMissed").int(0),
    runTimeFeatures: i.get("runTimeFeatures").pairs((k) => k.str(), (v) => v.str()),
    meters: {
      meters: m.get("meters").pairs(
        (k) => k.int(0),
        (d) => ({
          pktps: d.get("pktps").bool(),
          packets: d.get("packets").int(0),
          bytes: d.get("bytes").int(0),
          used: d.get("used").num(),
          maxDelta: d.get("maxDelta").int(0),
          bands: d.get("bands").arr().map((b) => ({
            rate: b.get("rate").num(),
            max: b.get("max").num(),
            bucket: b.get("bucket").num(),
            packets: b.get("packets").int(0),
            bytes: b.get("bytes").int(0),
          })),
        }),
      ),
      allocated: m.get("allocated").arr().map((x) => x.int(0)),
      nextFree: m.get("nextFree").int(0),
    },
    conntrack: {
      conns: ct.get("conns").arr().map((c) => {
        const l4 = c.get("l4");
        const kind = l4.get("kind").str();
        const peer = (p: In): { seqlo: number; seqhi: number; maxWin: number; wscale: number; state: number } => ({
          seqlo: p.get("seqlo").int(0, U32),
          seqhi: p.get("seqhi").int(0, U32),
          maxWin: p.get("maxWin").int(0, U32),
          wscale: p.get("wscale").int(0, 0xff),
          state: p.get("state").int(0),
        });
        const peers = kind === "tcp" ? l4.get("peers").arr() : [];
        if (kind === "tcp" && peers.length !== 2) l4.get("peers").fail("not two peers");
        let l4s: ConnL4State;
        if (kind === "tcp") l4s = { kind: "tcp", peers: [peer(peers[0]!), peer(peers[1]!)] };
        else if (kind === "icmp" || kind === "other") l4s = { kind, state: l4.get("state").int(0) };
        else throw new SnapshotError("not tcp, icmp or other", l4.get("kind").path);
        const label = c.get("label");
        return {
          fwd: [...c.get("fwd").words(12)],
          rev: [...c.get("rev").words(12)],
          natAction: c.get("natAction").int(0),
          alg: c.get("alg").isNull() ? null : c.get("alg").str(),
          mark: c.get("mark").int(0, U32),
          label: label.isNull() ? null : [...label.words(4)],
          expiration: c.get("expiration").num(),
          tpId: c.get("tpId").int(0),
          timeouts: c.get("timeouts").arr().map((x) => x.num()),
          revInTable: c.get("revInTable").bool(),
          l4: l4s,
        };
      }),
      policies: ct.get("policies").pairs((k) => k.int(0), (v) => v.arr().map((x) => x.num())),
      rng: ct.get("rng").int(0, U32),
      tcpSeqCheck: ct.get("tcpSeqCheck").bool(),
      maxConns: ct.get("maxConns").int(0),
      warnings: ct.get("warnings").arr().map((w) => w.str()),
    },
    greSeqnos: i.get("greSeqnos").pairs((k) => k.int(0, U32), (v) => v.int(0, U32)),
  };
}

export function readVswitchd(i: In): VswitchdState {
  const datapaths = i.get("datapaths").arr().map(readDatapath);
  const types = new Set(datapaths.map((d) => d.type));
  return {
    bridges: i.get("bridges").arr().map((b) => {
      const a = b.get("alloc");
      const dpType = b.get("dpType").str();
      if (!types.has(dpType)) b.get("dpType").fail(`no datapath of type ${dpType}`);
      return {
        uuid: b.get("uuid").str(),
        name: b.get("name").str(),
        dpType,
        alloc: { cursor: a.get("cursor").int(0), usage: a.get("usage").pairs((k) => k.int(0), (v) => (v.isNull() ? null : v.num())) },
        ports: b.get("ports").arr().map((p) => ({
          name: p.get("name").str(),
          ofport: p.get("ofport").int(0, U16),
          type: p.get("type").str(),
          mac: p.get("mac").str(),
          odpPort: p.get("odpPort").isNull() ? null : p.get("odpPort").int(0, U32),
          dpPortName: p.get("dpPortName").isNull() ? null : p.get("dpPortName").str(),
          netdevType: p.get("netdevType").str(),
          created: p.get("created").num(),
          ...(has(p, "mtu") ? { mtu: p.get("mtu").int(0), userMtu: p.get("userMtu").bool() } : {}),
        })),
        portOrder: hmap(b.get("portOrder"), (v) => v.int(0, U16)),
        ...(has(b, "minMtu") ? { minMtu: b.get("minMtu").int(0) } : {}),
      };
    }),
    bridgeOrder: hmap(i.get("bridgeOrder"), (v) => v.str()),
    ofprotoOrder: hmap(i.get("ofprotoOrder"), (v) => v.str()),
    datapaths,
    dummyCount: i.get("dummyCount").int(0),
    datapathFeatures: i.get("datapathFeatures").pairs((k) => k.str(), (v) => v.str()),
    coverage: has(i, "coverage") ? i.get("coverage").pairs((k) => k.str(), (v) => v.int(0)) : [],
  };
}
