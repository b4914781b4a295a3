/**
 * A VM endpoint: a MAC and an IPv4 address behind a bridge port, with the
 * smallest stack that makes a network testable:
 * - answers ARP requests for its address (and learns the asker, as Linux
 *   does), learns from ARP replies;
 * - answers ICMP echo requests to its address (the reply echoes ident, seq
 *   and data, as Linux does);
 * - `ping(ip)` resolves the address with ARP first (one request, a timeout;
 *   with `arpRetransmit`, the request again halfway through the timeout if
 *   unanswered, as Linux retransmits its solicitations: a first request
 *   dropped on its way, by a native tunnel's neighbour miss, does not fail
 *   the ping), then sends echo requests and waits for each reply or its
 *   timeout;
 * - records every frame it receives (`received`), tagged or not, for its
 *   own address or not.
 * Every destination is on-link (no routing, no gateway). Frames carrying a
 * VLAN tag are recorded but not answered: a VM's interface is untagged.
 *
 * The endpoint sends through `transmit` (the simulation delivers the frame to
 * its bridge port) and waits on the simulation's event loop, so `ping` is
 * synchronous: it runs the loop until the reply arrives or the timeout
 * passes, in virtual time.
 */
import { get16, get32 } from "./packet/bytes.js";
import { buildArp, buildIcmpEcho } from "./packet/build.js";
import type { EventLoop } from "./event-loop.js";
import { ETH_TYPE } from "../flowtable/protocols.js";

const BROADCAST = 0xffffffffffff;

/** Default wait for an ARP reply or an echo reply (Linux ping's default -W is 10 s; 1 s keeps scenarios short). */
export const DEFAULT_PING_TIMEOUT_US = 1_000_000;
/** Time between echo requests (ping's default -i 1). */
export const DEFAULT_PING_INTERVAL_US = 1_000_000;

export interface ReceivedFrame {
  /** Virtual time, µs. */
  readonly atUs: number;
  readonly bytes: Uint8Array;
}

export interface PingOptions {
  /** Echo requests to send (default 1). */
  readonly count?: number;
  readonly timeoutUs?: number;
  readonly intervalUs?: number;
}

export interface PingResult {
  readonly dst: number;
  /** False when ARP got no answer (no echo request was sent). */
  readonly resolved: boolean;
  readonly transmitted: number;
  readonly received: number;
  /** Round-trip time of each answered request, in virtual ms (in sequence order). */
  readonly rttMs: readonly number[];
}

/** "10.0.0.1" -> 0x0a000001. */
export function parseIpv4(s: string): number {
  const parts = s.split(".");
  const nums = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  if (nums.length !== 4 || nums.some((n) => !(n >= 0 && n <= 255))) throw new Error(`bad IPv4 address: ${s}`);
  return nums.reduce((a, n) => a * 256 + n, 0);
}

/** 0x0a000001 -> "10.0.0.1". */
export function formatIpv4(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
}

/** "fa:16:3e:00:00:01" -> a 48-bit number. */
export function parseMac(s: string): number {
  const parts = s.split(":");
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new Error(`bad MAC address: ${s}`);
  return parts.reduce((a, p) => a * 256 + Number.parseInt(p, 16), 0);
}

function macAt(b: Uint8Array, i: number): number {
  return get16(b, i) * 0x100000000 + get32(b, i + 2);
}

export class Endpoint {
  readonly name: string;
  readonly mac: number;
  readonly ip: number;
  /** Every frame received, in order. */
  readonly received: ReceivedFrame[] = [];
  /** IPv4 -> MAC, learned from ARP. */
  readonly arpCache = new Map<number, number>();
  /** Echo replies received: "ident/seq" -> arrival time (µs). */
  private readonly replies = new Map<string, number>();
  private nextIdent = 1;
  private readonly loop: EventLoop;
  private readonly transmit: (bytes: Uint8Array) => void;

  /** `ping` sends its ARP request again halfway through the timeout when unanswered (off: one request, as the recorded outputs have it). */
  arpRetransmit = false;

  /** The ping state a snapshot keeps (src/sim/snapshot.ts): the next ICMP ident and the replies seen ("ident/seq" → µs). */
  pingState(): { readonly nextIdent: number; readonly replies: readonly (readonly [string, number])[] } {
    return { nextIdent: this.nextIdent, replies: [...this.replies] };
  }

  /** Puts back what `pingState` returned. */
  restorePingState(s: { readonly nextIdent: number; readonly replies: readonly (readonly [string, number])[] }): void {
    this.nextIdent = s.nextIdent;
    this.replies.clear();
    for (const [k, at] of s.replies) this.replies.set(k, at);
  }

  constructor(name: string, mac: number, ip: number, loop: EventLoop, transmit: (bytes: Uint8Array) => void) {
    this.name = name;
    this.mac = mac;
    this.ip = ip;
    this.loop = loop;
    this.transmit = transmit;
  }

  /** Sends a frame out of the VM's interface. */
  send(bytes: Uint8Array): void {
    this.transmit(bytes);
  }

  /** A frame arrives from the bridge port. */
  receive(bytes: Uint8Array): void {
    this.received.push({ atUs: this.loop.nowUs, bytes: bytes.slice() });
    if (bytes.length < 14) return;
    const dst = macAt(bytes, 0);
    if (dst !== this.mac && dst !== BROADCAST) return;
    const type = get16(bytes, 12);
    if (type === ETH_TYPE.ARP) this.receiveArp(bytes);
    else if (type === ETH_TYPE.IP && dst === this.mac) this.receiveIpv4(bytes);
  }

  /** Pings `dst` (see the file comment); runs the event loop until done. */
  ping(dst: number, options: PingOptions = {}): PingResult {
    const count = options.count ?? 1;
    const timeout = options.timeoutUs ?? DEFAULT_PING_TIMEOUT_US;
    const interval = options.intervalUs ?? DEFAULT_PING_INTERVAL_US;
    if (!this.arpCache.has(dst)) {
      const start = this.loop.nowUs;
      const solicit = (): void => this.send(buildArp({ src: this.mac, dst: BROADCAST }, 1, this.ip, dst).data());
      solicit();
      this.loop.run({ done: () => this.arpCache.has(dst), untilUs: this.arpRetransmit ? start + Math.floor(timeout / 2) : start + timeout });
      if (this.arpRetransmit && !this.arpCache.has(dst)) {
        solicit();
        this.loop.run({ done: () => this.arpCache.has(dst), untilUs: start + timeout });
      }
    }
    const mac = this.arpCache.get(dst);
    if (mac === undefined) return { dst, resolved: false, transmitted: 0, received: 0, rttMs: [] };
    const ident = this.nextIdent++ & 0xffff;
    const rttMs: number[] = [];
    for (let seq = 1; seq <= count; seq++) {
      const sentAt = this.loop.nowUs;
      const key = `${ident}/${seq}`;
      this.send(buildIcmpEcho({ src: this.mac, dst: mac, srcIp: this.ip, dstIp: dst, ident, seq }).data());
      this.loop.run({ done: () => this.replies.has(key), untilUs: sentAt + timeout });
      const at = this.replies.get(key);
      if (at !== undefined) rttMs.push((at - sentAt) / 1000);
      if (seq < count && this.loop.nowUs < sentAt + interval) this.loop.run({ untilUs: sentAt + interval });
    }
    return { dst, resolved: true, transmitted: count, received: rttMs.length, rttMs };
  }

  private receiveArp(b: Uint8Array): void {
    if (b.length < 42 || get16(b, 14) !== 1 || get16(b, 16) !== ETH_TYPE.IP) return;
    const op = get16(b, 20);
    const sha = macAt(b, 22);
    const spa = get32(b, 28);
    const tpa = get32(b, 38);
    if (op === 1 && tpa === this.ip) {
      this.arpCache.set(spa, sha);
      this.send(buildArp({ src: this.mac, dst: sha }, 2, this.ip, spa, sha).data());
    } else if (op === 2 && tpa === this.ip) {
      this.arpCache.set(spa, sha);
    }
  }

  private receiveIpv4(b: Uint8Array): void {
    const ihl = ((b[14] ?? 0) & 0x0f) * 4;
    const l4 = 14 + ihl;
    if (b.length < l4 + 8 || b[23] !== 1) return;
    const src = get32(b, 26);
    const dst = get32(b, 30);
    if (dst !== this.ip) return;
    const type = b[l4];
    const ident = get16(b, l4 + 4);
    const seq = get16(b, l4 + 6);
    const totLen = get16(b, 16);
    if (type === 8) {
      const data = b.slice(l4 + 8, 14 + totLen);
      const srcMac = macAt(b, 6);
      this.send(buildIcmpEcho({ src: this.mac, dst: srcMac, srcIp: this.ip, dstIp: src, ident, seq, reply: true, payload: data }).data());
    } else if (type === 0) {
      const key = `${ident}/${seq}`;
      if (!this.replies.has(key)) this.replies.set(key, this.loop.nowUs);
    }
  }
}
