/**
 * Ryu packet descriptions: the corpus writes packets as lists of Ryu
 * packet-library constructor calls (`ethernet(...)`, `vlan(...)`, `ipv4(...)`,
 * `tcp(...)`, a trailing `b'...'` payload), one string per layer or joined
 * with `/`. This module turns them into `Layer`s: every protocol class and
 * argument the corpus uses, Ryu's defaults filled in, addresses as integers.
 *
 * Design:
 * - One table (`CLASSES`) lists each class's arguments with their kind and
 *   Ryu's default (ryu/lib/packet/*.py `__init__` signatures); validation,
 *   defaults and printing all read it.
 * - Nested objects (`echo`, `nd_neighbor`, `nd_option_sla`, `hop_opts`,
 *   `chunk_data`, ...) are layers too, held in their parent's fields.
 * - Unknown classes or arguments, and values of the wrong kind, are
 *   `RyuSyntaxError`s naming the text and its position.
 */
import { parseEthernet, parseIpv4, parseIpv6 } from "../flowtable/field-values.js";
import type { PyCall, PyValue, RandInt } from "./py-expr.js";
import { RyuSyntaxError, evalPy, seededRandInt } from "./py-expr.js";

/** A header (or nested object) with its arguments; `payload` layers hold raw bytes in `data`. */
export interface Layer {
  readonly cls: string;
  readonly f: Map<string, FieldValue>;
}

export type FieldValue = bigint | Uint8Array | Layer | readonly Layer[];

type Kind =
  | "int"
  | "mac"
  | "ipv4"
  | "ipv6"
  | "bytes"
  /** bytes, or one nested object (icmp.data, nd_neighbor.option) */
  | "data"
  /** a list of nested objects (ipv6.ext_hdrs, sctp.chunks) */
  | "list";

interface Arg {
  readonly kind: Kind;
  /** Ryu's default (bigint for int/addresses, null for "none"). */
  readonly def: bigint | null;
  /** Computed by Ryu on serialization when left 0 (lengths, checksums): not printed. */
  readonly derived?: boolean;
}

const int = (def: number | bigint, derived = false): Arg => ({ kind: "int", def: BigInt(def), derived });
const mac = (s: string): Arg => ({ kind: "mac", def: parseEthernet(s) });
const ip4 = (s: string): Arg => ({ kind: "ipv4", def: parseIpv4(s) });
const ip6 = (s: string): Arg => ({ kind: "ipv6", def: parseIpv6(s) });
const BYTES: Arg = { kind: "bytes", def: null };
const DATA: Arg = { kind: "data", def: null };
const LIST: Arg = { kind: "list", def: null };

/** Ryu's packet classes (and nested objects) as the corpus uses them, with Ryu's defaults. */
const CLASS_TABLE = {
  ethernet: { dst: mac("ff:ff:ff:ff:ff:ff"), src: mac("00:00:00:00:00:00"), ethertype: int(0x0800) },
  vlan: { pcp: int(0), cfi: int(0), vid: int(0), ethertype: int(0x0800) },
  svlan: { pcp: int(0), cfi: int(0), vid: int(0), ethertype: int(0x8100) },
  mpls: { label: int(0), exp: int(0), bsb: int(1), ttl: int(255) },
  itag: { pcp: int(0), dei: int(0), uca: int(0), sid: int(0) },
  arp: {
    hwtype: int(1),
    proto: int(0x0800),
    hlen: int(6),
    plen: int(4),
    opcode: int(1),
    src_mac: mac("ff:ff:ff:ff:ff:ff"),
    src_ip: ip4("0.0.0.0"),
    dst_mac: mac("ff:ff:ff:ff:ff:ff"),
    dst_ip: ip4("0.0.0.0"),
  },
  ipv4: {
    version: int(4),
    header_length: int(5, true),
    tos: int(0),
    total_length: int(0, true),
    identification: int(0),
    flags: int(0),
    offset: int(0),
    ttl: int(255),
    proto: int(0),
    csum: int(0, true),
    src: ip4("10.0.0.1"),
    dst: ip4("10.0.0.2"),
    option: BYTES,
  },
  ipv6: {
    version: int(6),
    traffic_class: int(0),
    flow_label: int(0),
    payload_length: int(0, true),
    nxt: int(6),
    hop_limit: int(255),
    src: ip6("10::10"),
    dst: ip6("20::20"),
    ext_hdrs: LIST,
  },
  hop_opts: { nxt: int(6), size: int(0), data: LIST },
  dst_opts: { nxt: int(6), size: int(0), data: LIST },
  auth: { nxt: int(6), size: int(2), spi: int(0), seq: int(0), data: BYTES },
  tcp: {
    src_port: int(1),
    dst_port: int(1),
    seq: int(0),
    ack: int(0),
    offset: int(0, true),
    bits: int(0),
    window_size: int(0),
    csum: int(0, true),
    urgent: int(0),
    option: BYTES,
  },
  udp: { src_port: int(1), dst_port: int(1), total_length: int(0, true), csum: int(0, true) },
  sctp: { src_port: int(1), dst_port: int(1), vtag: int(0), csum: int(0, true), chunks: LIST },
  chunk_data: {
    unordered: int(0),
    begin: int(0),
    end: int(0),
    length: int(0, true),
    tsn: int(0),
    sid: int(0),
    seq: int(0),
    payload_id: int(0),
    payload_data: BYTES,
  },
  icmp: { type_: int(8), code: int(0), csum: int(0, true), data: DATA },
  echo: { id_: int(0), seq: int(0), data: BYTES },
  dest_unreach: { data_len: int(0, true), mtu: int(0), data: BYTES },
  icmpv6: { type_: int(0), code: int(0), csum: int(0, true), data: DATA },
  icmpv6echo: { id_: int(0), seq: int(0), data: BYTES },
  nd_neighbor: { res: int(0), dst: ip6("::"), option: DATA },
  nd_option_sla: { length: int(0, true), hw_src: mac("00:00:00:00:00:00"), data: BYTES },
  nd_option_tla: { length: int(0, true), hw_src: mac("00:00:00:00:00:00"), data: BYTES },
} satisfies Record<string, Record<string, Arg>>;

/**
 * CLASS_TABLE as Maps, in its order (positional arguments follow it): class
 * and argument names come from the text, and `constructor=` must not find
 * Object's.
 */
export const CLASSES: ReadonlyMap<string, ReadonlyMap<string, Arg>> = new Map(
  Object.entries(CLASS_TABLE).map(([cls, args]) => [cls, new Map<string, Arg>(Object.entries(args))]),
);

/** Whether a field of a class is one Ryu computes when left 0 (left out when packets are printed). */
export function isDerived(cls: string, field: string): boolean {
  return CLASSES.get(cls)?.get(field)?.derived === true;
}

function fail(what: string, call: PyCall, text: string): never {
  throw new RyuSyntaxError(what, text, call.pos);
}

function className(call: PyCall): string {
  const parts = call.name.split(".");
  return parts[parts.length - 1] ?? call.name;
}

function kindName(v: PyValue): string {
  if (typeof v === "bigint") return "an integer";
  if (typeof v === "string") return "a string";
  if (Array.isArray(v)) return "a list";
  return `a ${(v as { kind: string }).kind}`;
}

function toField(cls: string, name: string, arg: Arg, v: PyValue, call: PyCall, text: string): FieldValue {
  const bad = (): never => fail(`${cls}(${name}=...) expects ${arg.kind} but got ${kindName(v)}`, call, text);
  const obj = typeof v === "object" && !Array.isArray(v) ? (v as Exclude<PyValue, bigint | string | readonly PyValue[]>) : null;
  switch (arg.kind) {
    case "int":
      return typeof v === "bigint" ? v : bad();
    case "mac": {
      if (typeof v === "bigint") return v;
      const m = typeof v === "string" ? parseEthernet(v) : null;
      return m ?? fail(`${cls}(${name}=...): bad MAC address '${String(v)}'`, call, text);
    }
    case "ipv4": {
      if (typeof v === "bigint") return v;
      if (obj?.kind === "ipint") return obj.value & 0xffffffffn;
      const a = typeof v === "string" ? parseIpv4(v) : null;
      return a ?? fail(`${cls}(${name}=...): bad IPv4 address '${String(v)}'`, call, text);
    }
    case "ipv6": {
      if (typeof v === "bigint") return v;
      if (obj?.kind === "ipint") return obj.value & ((1n << 128n) - 1n);
      const a = typeof v === "string" ? parseIpv6(v) : null;
      return a ?? fail(`${cls}(${name}=...): bad IPv6 address '${String(v)}'`, call, text);
    }
    case "bytes":
      if (obj?.kind === "bytes") return obj.data;
      if (typeof v === "string") return Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff);
      if (Array.isArray(v) && v.length === 0) return new Uint8Array(0);
      return bad();
    case "data":
      if (obj?.kind === "bytes") return obj.data;
      if (obj?.kind === "call") return toLayer(obj, text);
      if (Array.isArray(v) && v.length === 0) return new Uint8Array(0);
      return bad();
    case "list": {
      if (!Array.isArray(v)) return bad();
      return (v as readonly PyValue[]).map((x) => {
        const c = typeof x === "object" && !Array.isArray(x) && (x as { kind: string }).kind === "call" ? (x as PyCall) : null;
        return c === null ? fail(`${cls}(${name}=[...]) expects objects, got ${kindName(x)}`, call, text) : toLayer(c, text);
      });
    }
  }
}

function defaultOf(arg: Arg): FieldValue {
  if (arg.kind === "list") return [];
  if (arg.kind === "bytes" || arg.kind === "data") return new Uint8Array(0);
  return arg.def ?? 0n;
}

/** A constructor call as a layer: class and arguments checked, defaults filled in. */
export function toLayer(call: PyCall, text: string): Layer {
  const cls = className(call);
  const schema = CLASSES.get(cls);
  if (schema === undefined) fail(`unknown packet class '${call.name}'`, call, text);
  const names = [...schema.keys()];
  if (call.args.length > names.length) fail(`${cls}() takes at most ${names.length} arguments`, call, text);
  const f = new Map<string, FieldValue>();
  for (const n of names) f.set(n, defaultOf(schema.get(n) as Arg));
  call.args.forEach((v, i) => {
    const n = names[i] as string;
    f.set(n, toField(cls, n, schema.get(n) as Arg, v, call, text));
  });
  for (const [k, v] of call.kwargs) {
    const arg = schema.get(k);
    if (arg === undefined) fail(`${cls}() has no argument '${k}'`, call, text);
    f.set(k, toField(cls, k, arg, v, call, text));
  }
  return { cls, f };
}

function payload(data: Uint8Array): Layer {
  return { cls: "payload", f: new Map<string, FieldValue>([["data", data]]) };
}

function layersOf(v: PyValue, text: string, out: Layer[]): void {
  if (typeof v === "string") {
    out.push(payload(Uint8Array.from(v, (c) => c.charCodeAt(0) & 0xff)));
    return;
  }
  if (typeof v === "bigint" || Array.isArray(v)) throw new RyuSyntaxError(`a packet layer cannot be ${kindName(v)}`, text, 0);
  const o = v as Exclude<PyValue, bigint | string | readonly PyValue[]>;
  switch (o.kind) {
    case "bytes":
      out.push(payload(o.data));
      return;
    case "call":
      out.push(toLayer(o, text));
      return;
    case "stack":
      for (const x of o.items) layersOf(x, text, out);
      return;
    case "ipint":
      throw new RyuSyntaxError("a packet layer cannot be an address", text, 0);
  }
}

/**
 * A packet from the corpus's description: one string per layer (the JSON
 * files' form) or one string with `/` between layers.
 */
export function parsePacket(desc: string | readonly string[], rand: RandInt = seededRandInt(1)): Layer[] {
  const out: Layer[] = [];
  for (const text of typeof desc === "string" ? [desc] : desc) layersOf(evalPy(text, rand), text, out);
  // Adjacent payloads are one payload.
  const merged: Layer[] = [];
  for (const l of out) {
    const prev = merged[merged.length - 1];
    if (l.cls === "payload" && prev?.cls === "payload") {
      const a = prev.f.get("data") as Uint8Array;
      const b = l.f.get("data") as Uint8Array;
      const c = new Uint8Array(a.length + b.length);
      c.set(a);
      c.set(b, a.length);
      merged[merged.length - 1] = payload(c);
    } else merged.push(l);
  }
  return merged;
}

/** An integer field (0 when absent or not an integer). */
export function num(l: Layer, field: string): bigint {
  const v = l.f.get(field);
  return typeof v === "bigint" ? v : 0n;
}

/** A nested object field, or null. */
export function sub(l: Layer, field: string): Layer | null {
  const v = l.f.get(field);
  return v !== undefined && typeof v === "object" && !(v instanceof Uint8Array) && !Array.isArray(v) ? (v as Layer) : null;
}
