/**
 * A connection as data, for snapshots of a switch (src/vswitchd/snapshot.ts):
 * its two keys' words, NAT, helper, mark and label, expiration and timeout
 * policy, whether its reverse key is in the table, and its protocol state
 * (TCP: both peers' sequence windows and states; ICMP and others: their
 * state). `restoreConn` builds the same connection again; the table takes
 * connections in commit order, which rebuilds its hash chains as they were.
 */
import { Conn } from "./conn.js";
import type { ConnL4 } from "./conn.js";
import { ConnKey, KEY_WORDS } from "./conn-key.js";
import { IcmpConnState } from "./conn-icmp.js";
import { OtherConnState } from "./conn-other.js";
import { TcpConnState } from "./conn-tcp.js";

/** One end of a TCP connection as data (OVS's struct tcp_peer). */
export interface TcpPeerState {
  readonly seqlo: number;
  readonly seqhi: number;
  readonly maxWin: number;
  readonly wscale: number;
  readonly state: number;
}

export type ConnL4State =
  | { readonly kind: "tcp"; readonly peers: readonly [TcpPeerState, TcpPeerState] }
  | { readonly kind: "icmp"; readonly state: number }
  | { readonly kind: "other"; readonly state: number };

export interface ConnState {
  readonly fwd: readonly number[];
  readonly rev: readonly number[];
  readonly natAction: number;
  readonly alg: string | null;
  readonly mark: number;
  readonly label: readonly number[] | null;
  readonly expiration: number;
  readonly tpId: number;
  readonly timeouts: readonly number[];
  readonly revInTable: boolean;
  readonly l4: ConnL4State;
}

function l4State(l4: ConnL4): ConnL4State {
  if (l4 instanceof TcpConnState) {
    const peer = (i: 0 | 1): TcpPeerState => {
      const p = l4.peer[i];
      return { seqlo: p.seqlo, seqhi: p.seqhi, maxWin: p.maxWin, wscale: p.wscale, state: p.state };
    };
    return { kind: "tcp", peers: [peer(0), peer(1)] };
  }
  if (l4 instanceof IcmpConnState) return { kind: "icmp", state: l4.state };
  if (l4 instanceof OtherConnState) return { kind: "other", state: l4.state };
  throw new TypeError(`unknown connection state ${l4.constructor.name}`);
}

function l4Of(s: ConnL4State): ConnL4 {
  switch (s.kind) {
    case "tcp": {
      const t = new TcpConnState();
      s.peers.forEach((p, i) => Object.assign(t.peer[i]!, p));
      return t;
    }
    case "icmp": {
      const c = new IcmpConnState();
      c.state = s.state;
      return c;
    }
    case "other": {
      const c = new OtherConnState();
      c.state = s.state;
      return c;
    }
  }
}

export function saveConn(c: Conn): ConnState {
  return {
    fwd: [...c.fwd.key.w],
    rev: [...c.rev.key.w],
    natAction: c.natAction,
    alg: c.alg,
    mark: c.mark,
    label: c.label === null ? null : [...c.label],
    expiration: c.expiration,
    tpId: c.tpId,
    timeouts: [...c.timeouts],
    revInTable: c.revInTable,
    l4: l4State(c.l4),
  };
}

function keyOf(words: readonly number[]): ConnKey {
  const k = new ConnKey();
  k.w.set(words.slice(0, KEY_WORDS));
  return k;
}

export function restoreConn(s: ConnState): Conn {
  const c = new Conn(keyOf(s.fwd), keyOf(s.rev), l4Of(s.l4), s.tpId, [...s.timeouts]);
  c.natAction = s.natAction;
  c.alg = s.alg;
  c.mark = s.mark;
  c.label = s.label === null ? null : Uint32Array.from(s.label);
  c.expiration = s.expiration;
  c.revInTable = s.revInTable;
  return c;
}
