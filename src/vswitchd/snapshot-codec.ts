/**
 * The snapshot's codec for the engine's plain data that JSON cannot hold as
 * is: action lists (OVS's ofpacts), datapath actions, frozen states and
 * packet-ins are plain objects, but hold 64-bit values as `bigint`, keys and
 * labels as `Uint32Array`, and subfields point at the field registry.
 *
 * `encodeData` turns such a value into JSON data: a bigint is
 * `{"$big":"0x..."}`, a `Uint32Array` `{"$u32":[...]}`, a `Uint8Array`
 * `{"$u8":"hex"}`, a registry field `{"$field":"name"}`; any other object
 * keeps its keys in their order (so the same value gives the same text, and a
 * decoded value encodes to the same text again). Functions, class instances
 * other than these, and `undefined` are refused: they are not data.
 *
 * `decodeData` is the inverse, and checks the tags it reads (a bad one is a
 * SnapshotError at its JSON path). It cannot check that a decoded object is a
 * well-formed action: the loader does that by printing what it decoded
 * (snapshot-load.ts).
 */
import type { FieldSpec } from "../flowtable/fields.js";
import { allFields, fieldByName } from "../flowtable/fields.js";
import { SnapshotError } from "./snapshot.js";
import { defineOwn } from "../flowtable/own-property.js";

/** JSON data. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

const FIELD_SPECS = new Set<unknown>(allFields());

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** `value` as JSON data (see the file comment); throws SnapshotError for what is not data. */
export function encodeData(value: unknown, path = "$"): Json {
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new SnapshotError(`cannot save the number ${value}`, path);
    return value;
  }
  if (typeof value === "bigint") return { $big: `0x${value.toString(16)}` };
  if (value instanceof Uint32Array) return { $u32: [...value] };
  if (value instanceof Uint8Array) return { $u8: hex(value) };
  if (Array.isArray(value)) return value.map((v, i) => encodeData(v, `${path}[${i}]`));
  if (FIELD_SPECS.has(value)) {
    const name = (value as FieldSpec).name;
    if (fieldByName(name) !== value) throw new SnapshotError(`field ${name} has no name of its own`, path);
    return { $field: name };
  }
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      defineOwn(out, k, encodeData(v, `${path}.${k}`));
    }
    return out;
  }
  throw new SnapshotError(`cannot save a ${typeof value === "object" ? (value.constructor?.name ?? "object") : typeof value}`, path);
}

/** The value `encodeData` gave `data` for; throws SnapshotError naming the path of a bad tag. */
export function decodeData(data: unknown, path = "$"): unknown {
  if (data === null || typeof data === "boolean" || typeof data === "string") return data;
  if (typeof data === "number") {
    if (!Number.isFinite(data)) throw new SnapshotError("not a finite number", path);
    return data;
  }
  if (Array.isArray(data)) return data.map((v, i) => decodeData(v, `${path}[${i}]`));
  if (typeof data !== "object") throw new SnapshotError(`not JSON data (${typeof data})`, path);
  const o = data as { readonly [k: string]: unknown };
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const k = keys[0]!;
    const v: unknown = Object.hasOwn(o, k) ? o[k] : undefined;
    if (k === "$big") {
      if (typeof v !== "string" || !/^0x[0-9a-f]+$/.test(v)) throw new SnapshotError("not a hexadecimal integer", `${path}.$big`);
      return BigInt(v);
    }
    if (k === "$u32") {
      if (!Array.isArray(v) || !v.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
        throw new SnapshotError("not an array of 32-bit words", `${path}.$u32`);
      }
      return Uint32Array.from(v as number[]);
    }
    if (k === "$u8") {
      if (typeof v !== "string" || !/^([0-9a-f]{2})*$/.test(v)) throw new SnapshotError("not hexadecimal bytes", `${path}.$u8`);
      return Uint8Array.from(v.match(/../g) ?? [], (b) => parseInt(b, 16));
    }
    if (k === "$field") {
      const f = typeof v === "string" ? fieldByName(v) : undefined;
      if (f === undefined || f.name !== v) throw new SnapshotError(`no such field: ${JSON.stringify(v) ?? typeof v}`, `${path}.$field`);
      return f;
    }
  }
  const out: { [k: string]: unknown } = {};
  for (const k of keys) defineOwn(out, k, decodeData(Object.hasOwn(o, k) ? o[k] : undefined, `${path}.${k}`));
  return out;
}
