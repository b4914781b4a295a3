/**
 * Comparing packets as Ryu's tester does, and printing them for verdicts.
 * Ryu compares the bytes a switch sends with the bytes its own serializer
 * makes of the expected description (`repr(msg.data) != repr(model_pkt)` in
 * ryu/tests/switch/tester.py): equal means byte for byte, lengths and
 * checksums included. Descriptions print in Ryu's constructor syntax (what
 * Ryu computes left out), bytes in hex with the first byte that differs.
 */
import { formatEthernet, formatIpv4, formatIpv6 } from "../flowtable/field-values.js";
import { toHex } from "../datapath/packet/packet.js";
import type { FieldValue, Layer } from "./packet-desc.js";
import { CLASSES, isDerived } from "./packet-desc.js";

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `bytes` in hex; with `expected`, where they first differ from it. */
export function formatWire(bytes: Uint8Array, expected?: Uint8Array): string {
  let s = `${bytes.length} bytes ${toHex(bytes)}`;
  if (expected !== undefined && !bytesEqual(bytes, expected)) {
    let i = 0;
    while (i < bytes.length && i < expected.length && bytes[i] === expected[i]) i++;
    s += ` (differs from byte ${i})`;
  }
  return s;
}

function formatBytes(d: Uint8Array): string {
  if (d.length > 0 && d.every((x) => x === d[0])) return `b'\\x${(d[0] ?? 0).toString(16).padStart(2, "0")}' * ${d.length}`;
  return `b'${Array.from(d, (x) => `\\x${x.toString(16).padStart(2, "0")}`).join("")}'`;
}

function formatValue(cls: string, k: string, v: FieldValue): string {
  if (typeof v === "bigint") {
    const kind = CLASSES.get(cls)?.get(k)?.kind;
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
