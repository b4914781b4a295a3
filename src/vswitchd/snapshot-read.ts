/**
 * Reading a snapshot document with its JSON path at hand: each accessor
 * checks the type of what it reads and throws a SnapshotError naming the
 * path (`$.bridges[0].flows.entries[3].idleTimeout: not an integer in
 * [0, 65535]`) when it is wrong. The loader (snapshot-load.ts) reads the
 * whole document through these into typed state before it builds anything.
 */
import { formatActions } from "../actions/action-text.js";
import type { ActionList } from "../actions/action-types.js";
import type { HmapOrderState } from "../flowtable/hmap-order.js";
import { decodeData } from "./snapshot-codec.js";
import { SnapshotError } from "./snapshot.js";

export class In {
  constructor(
    readonly value: unknown,
    readonly path: string,
  ) {}

  fail(message: string): never {
    throw new SnapshotError(message, this.path);
  }

  /** The member `key` of this object. */
  get(key: string): In {
    const v = this.value;
    if (v === null || typeof v !== "object" || Array.isArray(v)) this.fail("not an object");
    const o = v as { readonly [k: string]: unknown };
    if (!Object.hasOwn(o, key)) return new In(undefined, `${this.path}.${key}`).fail("missing");
    return new In(Object.hasOwn(o, key) ? o[key] : undefined, `${this.path}.${key}`);
  }

  arr(): In[] {
    if (!Array.isArray(this.value)) this.fail("not an array");
    return (this.value as unknown[]).map((v, i) => new In(v, `${this.path}[${i}]`));
  }

  num(): number {
    if (typeof this.value !== "number" || !Number.isFinite(this.value)) this.fail("not a number");
    return this.value as number;
  }

  int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.value;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) this.fail(`not an integer in [${min}, ${max}]`);
    return v as number;
  }

  str(): string {
    if (typeof this.value !== "string") this.fail("not a string");
    return this.value as string;
  }

  bool(): boolean {
    if (typeof this.value !== "boolean") this.fail("not a boolean");
    return this.value as boolean;
  }

  isNull(): boolean {
    return this.value === null;
  }

  /** An array of `n` (any number when absent) 32-bit words. */
  words(n?: number): Uint32Array {
    const a = this.arr();
    if (n !== undefined && a.length !== n) this.fail(`not ${n} words`);
    return Uint32Array.from(a.map((w) => w.int(0, 0xffffffff)));
  }

  /** A 64-bit value written `0x...`. */
  u64(): bigint {
    const s = this.str();
    if (!/^0x[0-9a-f]{1,16}$/.test(s)) this.fail("not a 64-bit hexadecimal value");
    return BigInt(s);
  }

  /** Data saved with encodeData (snapshot-codec.ts). */
  data(): unknown {
    return decodeData(this.value, this.path);
  }

  /** [key, value] pairs. */
  pairs<K, V>(key: (i: In) => K, value: (i: In) => V): [K, V][] {
    return this.arr().map((p) => {
      const kv = p.arr();
      if (kv.length !== 2) p.fail("not a [key, value] pair");
      return [key(kv[0]!), value(kv[1]!)];
    });
  }
}

/** Bounds of 16- and 32-bit fields. */
export const U16 = 0xffff;
export const U32 = 0xffffffff;

/** An action list saved with encodeData, checked by printing it. */
export function actionsAt(i: In): ActionList {
  const list = i.data();
  if (!Array.isArray(list)) i.fail("not an action list");
  try {
    formatActions(list as ActionList);
  } catch (e) {
    i.fail(`not an action list (${e instanceof Error ? e.message : String(e)})`);
  }
  return list as ActionList;
}

/** Decoded data that is an object (a frozen state, a packet-in...); its shape is the codec's. */
export function objects<T>(i: In): T[] {
  const v = i.data();
  if (!Array.isArray(v) || !v.every((x) => x !== null && typeof x === "object")) i.fail("not an array of objects");
  return v as T[];
}

/** An HmapOrder's state: its mask and mask + 1 buckets of [hash, value]. */
export function hmap<T>(i: In, value: (v: In) => T): HmapOrderState<T> {
  const mask = i.get("mask").int(0, 0x7fffffff);
  const buckets = i.get("buckets").arr().map((b) => b.pairs((h) => h.int(0, U32), value));
  if (buckets.length !== mask + 1) i.get("buckets").fail(`not ${mask + 1} buckets`);
  return { mask, buckets };
}

/** OVSDB atoms. */
export function atoms(i: In): (string | number | boolean)[] {
  return i.arr().map((a) => {
    if (typeof a.value === "string" || typeof a.value === "boolean") return a.value;
    return a.num();
  });
}

/** An IPv6 address, saved by the codec as a bigint. */
export function u128(i: In): bigint {
  const v = i.data();
  if (typeof v !== "bigint" || v >= 1n << 128n) i.fail("not a 128-bit value");
  return v as bigint;
}

/** Whether an object in the snapshot has `key` (for fields older snapshots lack). */
export function has(x: In, key: string): boolean {
  const o = x.value as { readonly [k: string]: unknown };
  return o !== null && typeof o === "object" && Object.hasOwn(o, key);
}
