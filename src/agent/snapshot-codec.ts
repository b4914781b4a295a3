/**
 * An object graph as plain JSON data, and back: how the Neutron agent's
 * state (and the fake Neutron server's, src/cloud) goes into a snapshot.
 *
 * Why a graph codec and not a hand-written record per class: the agent is
 * Neutron's OVSNeutronAgent, a few dozen attributes spread over the agent,
 * its bridges, the VLAN manager and pool, the firewall's port map, security
 * groups, conjunction ids... and the parts share objects (an OFPort and its
 * SecurityGroups point at each other; the device context holds the same
 * state record as the agent). A hand-written saver would have to be kept in
 * step with every attribute added to any of them, and forgetting one is a
 * snapshot that loads and then quietly diverges. Here every own enumerable
 * field of every object reachable from the root is saved, with sharing and
 * cycles kept, so a new field is saved by construction; what the codec
 * cannot save makes the save fail with a SnapshotError naming the path:
 * - an instance of a class not in the registry (`classes`, by name): it is
 *   saved as its fields and loaded with its prototype, without running its
 *   constructor, so only classes whose state is their fields belong there;
 * - a function that is not one of the caller's `externals`.
 * Externals are what the graph holds but does not own — the host's Switch
 * (saved on its own, src/vswitchd/snapshot.ts), the RPC plugin, the random
 * source: saved by name, given back by the loader.
 *
 * The document: `root` is a value; every object, array, Map, Set, typed
 * array and error is one entry of `objects`, referenced as `{ "$r": i }`
 * wherever it appears (entry 0 is reached first). Numbers JSON cannot hold
 * (NaN, ±Infinity, -0), `undefined` and bigints are tagged values
 * (`{ "$n": "NaN" }`, `{ "$u": 0 }`, `{ "$b": "123" }`). Errors keep their
 * name and message (the agent's `errors` are only ever printed).
 *
 * Loading checks every entry's shape and every reference; a bad document is
 * a SnapshotError with the JSON path, before anything else uses the graph
 * (the loader builds new objects only: nothing existing is touched).
 */
import { SnapshotError } from "../vswitchd/snapshot.js";
import { defineOwn } from "../flowtable/own-property.js";

/** A JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/** A class the codec may save: its instances' state is their own fields. */
export interface GraphClass {
  readonly name: string;
  readonly prototype: object;
}

/** An object graph as JSON data. */
export interface GraphDocument {
  readonly root: Json;
  readonly objects: readonly GraphEntry[];
}

/** One object of the graph. */
export type GraphEntry =
  | { readonly t: "object"; readonly v: { readonly [k: string]: Json } }
  | { readonly t: "class"; readonly c: string; readonly v: { readonly [k: string]: Json } }
  | { readonly t: "array" | "set"; readonly v: readonly Json[] }
  | { readonly t: "map"; readonly v: readonly (readonly [Json, Json])[] }
  | { readonly t: "u8" | "i32" | "u32"; readonly v: readonly number[] }
  | { readonly t: "error"; readonly name: string; readonly message: string }
  | { readonly t: "ext"; readonly v: string };

export interface GraphCodecOptions {
  /** The classes whose instances may be saved. */
  readonly classes: readonly GraphClass[];
  /** What the graph references but does not own, by name (objects or functions). */
  readonly externals: ReadonlyMap<unknown, string>;
  /** Names the thing saved, for messages (`agent of hv1`). */
  readonly what: string;
}

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY, "-0": -0 };

/** `root` and everything it reaches, as a GraphDocument. Throws SnapshotError (see the file comment). */
export function encodeGraph(root: unknown, options: GraphCodecOptions): GraphDocument {
  const byProto = new Map<object, string>(options.classes.map((c) => [c.prototype, c.name]));
  const ids = new Map<object, number>();
  const objects: GraphEntry[] = [];

  const fail = (path: string, message: string): never => {
    throw new SnapshotError(`${options.what}: cannot save ${message}`, path);
  };

  const fields = (o: object, path: string): Record<string, Json> => {
    const out: Record<string, Json> = {};
    for (const k of Object.keys(o)) defineOwn(out, k, value(Reflect.get(o, k), `${path}.${k}`));
    return out;
  };

  const entry = (o: object, path: string): GraphEntry => {
    if (Array.isArray(o)) return { t: "array", v: o.map((x, i) => value(x, `${path}[${i}]`)) };
    if (o instanceof Map) return { t: "map", v: [...o].map(([k, x], i) => [value(k, `${path}<key ${i}>`), value(x, `${path}<${i}>`)] as const) };
    if (o instanceof Set) return { t: "set", v: [...o].map((x, i) => value(x, `${path}<${i}>`)) };
    if (o instanceof Uint8Array) return { t: "u8", v: [...o] };
    if (o instanceof Int32Array) return { t: "i32", v: [...o] };
    if (o instanceof Uint32Array) return { t: "u32", v: [...o] };
    if (o instanceof Error) return { t: "error", name: o.name, message: o.message };
    const proto: unknown = Object.getPrototypeOf(o);
    if (proto === Object.prototype || proto === null) return { t: "object", v: fields(o, path) };
    const c = typeof proto === "object" ? byProto.get(proto) : undefined;
    if (c === undefined) return fail(path, `an instance of ${className(o)} (not a class whose state is its fields)`);
    return { t: "class", c, v: fields(o, path) };
  };

  const value = (x: unknown, path: string): Json => {
    const ext = options.externals.get(x);
    if (ext !== undefined && (typeof x === "object" || typeof x === "function") && x !== null) return ref(x, path, ext);
    switch (typeof x) {
      case "string":
      case "boolean":
        return x;
      case "number":
        if (Object.is(x, -0)) return { $n: "-0" };
        return Number.isFinite(x) ? x : { $n: String(x) };
      case "bigint":
        return { $b: x.toString() };
      case "undefined":
        return { $u: 0 };
      case "function":
        return fail(path, `a function (${x.name === "" ? "anonymous" : x.name}) that is not one of its externals`);
      case "symbol":
        return fail(path, "a symbol");
      case "object":
        return x === null ? null : ref(x, path, null);
    }
    return fail(path, "a value of unknown type");
  };

  const ref = (o: object, path: string, ext: string | null): Json => {
    const seen = ids.get(o);
    if (seen !== undefined) return { $r: seen };
    const id = objects.length;
    ids.set(o, id);
    objects.push({ t: "ext", v: "" }); // reserved: the entry is filled after its fields, which may refer back to it
    objects[id] = ext !== null ? { t: "ext", v: ext } : entry(o, path);
    return { $r: id };
  };

  const rootValue = value(root, "$");
  return { root: rootValue, objects };
}

function className(o: object): string {
  const c: unknown = Reflect.get(o, "constructor");
  return typeof c === "function" && c.name !== "" ? c.name : "an anonymous class";
}

/** The graph of `doc`, with `externals` given back by name. Throws SnapshotError on a bad document (its JSON path under `at`). */
export function decodeGraph(doc: unknown, options: { readonly classes: readonly GraphClass[]; readonly externals: Readonly<Record<string, unknown>>; readonly at: string }): unknown {
  const at = options.at;
  const bad = (path: string, message: string): never => {
    throw new SnapshotError(message, path);
  };
  if (!isRecord(doc) || !Array.isArray(doc["objects"]) || !("root" in doc)) return bad(at, "expected an object graph ({ root, objects })");
  const raw: readonly unknown[] = doc["objects"];
  const classes = new Map(options.classes.map((c) => [c.name, c]));

  // Pass 1: a shell for every entry, so that references (cycles too) resolve in pass 2.
  const shells = raw.map((e, i): unknown => {
    const path = `${at}.objects[${i}]`;
    if (!isRecord(e) || typeof e["t"] !== "string") return bad(path, "expected a graph entry ({ t, v })");
    const v = e["v"];
    switch (e["t"]) {
      case "object":
        return isRecord(v) ? {} : bad(`${path}.v`, "expected an object");
      case "class": {
        const name = e["c"];
        const c = typeof name === "string" ? classes.get(name) : undefined;
        if (c === undefined) return bad(`${path}.c`, `unknown class ${JSON.stringify(name)}`);
        return isRecord(v) ? Object.create(c.prototype) : bad(`${path}.v`, "expected an object");
      }
      case "array":
        return Array.isArray(v) ? [] : bad(`${path}.v`, "expected an array");
      case "set":
        return Array.isArray(v) ? new Set() : bad(`${path}.v`, "expected an array");
      case "map":
        return Array.isArray(v) ? new Map() : bad(`${path}.v`, "expected an array of [key, value]");
      case "u8":
      case "i32":
      case "u32": {
        if (!Array.isArray(v) || !v.every((n) => typeof n === "number" && Number.isInteger(n))) return bad(`${path}.v`, "expected an array of integers");
        const ns = v as number[];
        return e["t"] === "u8" ? Uint8Array.from(ns) : e["t"] === "i32" ? Int32Array.from(ns) : Uint32Array.from(ns);
      }
      case "error": {
        if (typeof e["name"] !== "string" || typeof e["message"] !== "string") return bad(path, "expected an error ({ name, message })");
        const err = new Error(e["message"]);
        err.name = e["name"];
        return err;
      }
      case "ext": {
        return typeof v === "string" && Object.hasOwn(options.externals, v) ? options.externals[v] : bad(`${path}.v`, `unknown external ${JSON.stringify(v)}`);
      }
      default:
        return bad(`${path}.t`, `unknown entry type ${JSON.stringify(e["t"])}`);
    }
  });

  const value = (x: unknown, path: string): unknown => {
    if (x === null || typeof x === "string" || typeof x === "boolean") return x;
    if (typeof x === "number") return x;
    if (!isRecord(x)) return bad(path, "expected a value");
    if (typeof x["$r"] === "number") {
      const r = x["$r"];
      return Number.isInteger(r) && r >= 0 && r < shells.length ? shells[r] : bad(path, `reference ${r} out of range`);
    }
    const n = x["$n"];
    const special = typeof n === "string" && Object.hasOwn(SPECIAL_NUMBERS, n) ? SPECIAL_NUMBERS[n] : undefined;
    if (special !== undefined) return special;
    if (x["$u"] === 0) return undefined;
    if (typeof x["$b"] === "string" && /^-?\d+$/.test(x["$b"])) return BigInt(x["$b"]);
    return bad(path, "expected a value ($r, $n, $u or $b)");
  };

  const define = (target: object, v: Record<string, unknown>, path: string): void => {
    for (const k of Object.keys(v)) Object.defineProperty(target, k, { value: value(Object.hasOwn(v, k) ? v[k] : undefined, `${path}.${k}`), writable: true, enumerable: true, configurable: true });
  };

  // Pass 2: the shells' contents.
  raw.forEach((e, i) => {
    const path = `${at}.objects[${i}].v`;
    const shell = shells[i];
    const v = isRecord(e) ? e["v"] : undefined;
    if (shell instanceof Map && Array.isArray(v)) {
      v.forEach((kv: unknown, j) => {
        if (!Array.isArray(kv) || kv.length !== 2) return bad(`${path}[${j}]`, "expected [key, value]");
        shell.set(value(kv[0], `${path}[${j}][0]`), value(kv[1], `${path}[${j}][1]`));
      });
    } else if (shell instanceof Set && Array.isArray(v)) {
      v.forEach((x: unknown, j) => shell.add(value(x, `${path}[${j}]`)));
    } else if (Array.isArray(shell) && Array.isArray(v)) {
      v.forEach((x: unknown, j) => shell.push(value(x, `${path}[${j}]`)));
    } else if (isRecord(e) && (e["t"] === "object" || e["t"] === "class") && isRecord(v) && typeof shell === "object" && shell !== null) {
      define(shell, v, path);
    }
  });
  return value(doc["root"], `${at}.root`);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
