/**
 * A tracked connection (OVS's struct conn, lib/conntrack-private.h).
 *
 * Design:
 * - Two key nodes, forward (the original direction, as the first packet
 *   had it) and reverse (what a reply looks like, after NAT if any). A
 *   connection without NAT has only its forward node in the table: the
 *   symmetric hash puts the reply in the same bucket. With NAT both nodes
 *   are in the table (their addresses or ports differ).
 * - The keys are immutable once the connection is committed.
 * - Mutable: mark, label (a 4-word array replaced, never mutated, so that a
 *   packet may keep a reference as its ct_label), the expiration time (ms
 *   on the virtual clock) and the protocol state (`l4`, one of
 *   conn-tcp.ts / conn-icmp.ts / conn-other.ts).
 * - `expiration` follows OVS: a connection with `now >= expiration` is
 *   expired, invisible to lookups and dumps, and removed by the next sweep
 *   (`Conntrack.expire`), as OVS's ct_clean thread does.
 */
import type { Packet } from "../packet/packet.js";
import type { CtTimeout, CtUpdateResult } from "./ct-consts.js";
import type { ConnKey } from "./conn-key.js";

/** The protocol part of a connection: what conntrack-tcp.c / -icmp.c / -other.c keep per connection. */
export interface ConnL4 {
  /** OVS's l4_proto->conn_update: updates the state and the expiration for `pkt`. */
  update(conn: Conn, pkt: Packet, reply: boolean, now: number, seqCheck: boolean): CtUpdateResult;
  /** The `protoinfo=(...)` text of a dump, without the title; "" when the protocol prints none. */
  protoinfo(verbose: boolean): string;
}

/** One direction of a connection in the table (OVS's struct conn_key_node). */
export class ConnKeyNode {
  readonly key: ConnKey;
  /** 0: forward (CT_DIR_FWD), 1: reverse. */
  readonly dir: 0 | 1;
  readonly conn: Conn;
  /** The next node in the same hash bucket. */
  next: ConnKeyNode | null;

  constructor(key: ConnKey, dir: 0 | 1, conn: Conn) {
    this.key = key;
    this.dir = dir;
    this.conn = conn;
    this.next = null;
  }
}

export class Conn {
  readonly fwd: ConnKeyNode;
  readonly rev: ConnKeyNode;
  /** NAT_ACTION_* bits (0: no NAT). */
  natAction: number;
  /** The ALG helper name (`helper=ftp`), or null. */
  alg: string | null;
  mark: number;
  /** 128-bit label, most significant word first; null = 0. Replaced, never mutated. */
  label: Uint32Array | null;
  /** Virtual time (ms) from which the connection is expired. */
  expiration: number;
  /** The timeout policy id (ct(timeout=...)), 0 = default. */
  readonly tpId: number;
  /** The timeout policy's values in seconds, indexed by CT_TM. */
  timeouts: readonly number[];
  l4: ConnL4;
  /** Whether the reverse node is in the table too (a ct action with nat committed it). */
  revInTable: boolean;
  /** Set when the connection left the table (flushed or swept). */
  removed: boolean;

  /** A connection with forward key `fwd` and reverse key `rev` (both owned from now on). */
  constructor(fwd: ConnKey, rev: ConnKey, l4: ConnL4, tpId: number, timeouts: readonly number[]) {
    this.fwd = new ConnKeyNode(fwd, 0, this);
    this.rev = new ConnKeyNode(rev, 1, this);
    this.natAction = 0;
    this.alg = null;
    this.mark = 0;
    this.label = null;
    this.expiration = 0;
    this.tpId = tpId;
    this.timeouts = timeouts;
    this.l4 = l4;
    this.revInTable = false;
    this.removed = false;
  }

  /** OVS's conn_update_expiration / conn_init_expiration: now + the policy's timeout for `tm`. */
  updateExpiration(tm: CtTimeout, now: number): void {
    this.expiration = now + (this.timeouts[tm] ?? 0) * 1000;
  }

  /** OVS's conn_expired. */
  expired(now: number): boolean {
    return now >= this.expiration;
  }
}
