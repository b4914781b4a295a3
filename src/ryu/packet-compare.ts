/**
 * Comparing and printing Ryu packet descriptions. Two packets are equal when
 * their layers are equal field by field, leaving out what Ryu computes on
 * serialization (lengths, checksums: `isDerived`); `vlan` and `svlan` are the
 * same header (they differ only in Ryu's default Ethertype), as the bytes on
 * the wire do not tell them apart.
 */
import { formatEthernet, formatIpv4, formatIpv6 } from "../flowtable/field-values.js";
import type { FieldValue, Layer } from "./packet-desc.js";
import { CLASSES, isDerived } from "./packet-desc.js";

function wireClass(cls: string): string {
  return cls === "svlan" ? "vlan" : cls;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function valueEqual(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return a === b;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    const x = a instanceof Uint8Array ? a : new Uint8Array(0);
    const y = b instanceof Uint8Array ? b : new Uint8Array(0);
    // An absent nested object and empty bytes are the same (nothing on the wire).
    if (!(a instanceof Uint8Array) && a !== undefined && !Array.isArray(a)) return false;
    if (!(b instanceof Uint8Array) && b !== undefined && !Array.isArray(b)) return false;
    return bytesEqual(x, y);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    const x = (Array.isArray(a) ? a : []) as readonly Layer[];
    const y = (Array.isArray(b) ? b : []) as readonly Layer[];
    return x.length === y.length && x.every((l, i) => layerEqual(l, y[i] as Layer));
  }
  if (a === undefined || b === undefined) return a === b;
  return layerEqual(a as Layer, b as Layer);
}

function layerEqual(a: Layer, b: Layer): boolean {
  if (wireClass(a.cls) !== wireClass(b.cls)) return false;
  const keys = new Set([...a.f.keys(), ...b.f.keys()]);
  for (const k of keys) {
    if (isDerived(a.cls, k)) continue;
    if (!valueEqual(a.f.get(k), b.f.get(k))) return false;
  }
  return true;
}

/** Whether two packets are the same on the wire (up to Ryu-computed fields). */
export function packetsEqual(a: readonly Layer[], b: readonly Layer[]): boolean {
  return a.length === b.length && a.every((l, i) => layerEqual(l, b[i] as Layer));
}

function formatBytes(d: Uint8Array): string {
  if (d.length > 0 && d.every((x) => x === d[0])) return `b'\\x${(d[0] ?? 0).toString(16).padStart(2, "0")}' * ${d.length}`;
  return `b'${Array.from(d, (x) => `\\x${x.toString(16).padStart(2, "0")}`).join("")}'`;
}

function formatValue(cls: string, k: string, v: FieldValue): string {
  if (typeof v === "bigint") {
    const kind = CLASSES[cls]?.[k]?.kind;
    if (kind === "mac") return `'${formatEthernet(v)}'`;
    if (kind === "ipv4") return `'${formatIpv4(v)}'`;
    if (kind === "ipv6") return `'${formatIpv6(v)}'`;
    return v.toString();
  }
  if (v instanceof Uint8Array) return formatBytes(v);
  if (Array.isArray(v)) return `[${(v as readonly Layer[]).map(formatLayer).join(", ")}]`;
  return formatLayer(v as Layer);
}

/** One layer in Ryu's constructor syntax (every non-derived field, empty bytes left out). */
export function formatLayer(l: Layer): string {
  if (l.cls === "payload") return formatBytes(l.f.get("data") as Uint8Array);
  const parts: string[] = [];
  for (const [k, v] of l.f) {
    if (isDerived(l.cls, k)) continue;
    if ((v instanceof Uint8Array || Array.isArray(v)) && v.length === 0) continue;
    parts.push(`${k}=${formatValue(l.cls, k, v)}`);
  }
  return `${l.cls}(${parts.join(", ")})`;
}

export function formatPacket(layers: readonly Layer[]): string {
  return layers.map(formatLayer).join(" / ");
}
