/**
 * OVSDB data model, as the Open_vSwitch database uses it: atoms of five types,
 * base types with constraints, column types (set or map with min/max size) and
 * datums — the value of one column of one row: a sorted set of atoms, or a map
 * sorted by key. A scalar column is a set with exactly one element; an optional
 * column a set with at most one.
 *
 * Datums are immutable values: `equals` / `hashCode` make `Immutable.is` compare
 * them by content, so two database versions whose rows hold equal datums are
 * equal, and `diff` reports only real changes.
 */

export type AtomicType = "integer" | "real" | "boolean" | "string" | "uuid";

/** integer and real: number; boolean: boolean; string and uuid: string (uuid in RFC 4122 text). */
export type Atom = string | number | boolean;

export interface BaseType {
  readonly type: AtomicType;
  /** Allowed values, if the column is an enumeration. */
  readonly enum?: readonly Atom[];
  readonly minInteger?: number;
  readonly maxInteger?: number;
  readonly minReal?: number;
  readonly maxReal?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  /** For uuid atoms: the table referred to, and whether the reference keeps the row alive. */
  readonly refTable?: string;
  readonly refType?: "strong" | "weak";
}

export interface ColumnType {
  readonly key: BaseType;
  /** null for a set column, the value type for a map column. */
  readonly value: BaseType | null;
  readonly min: number;
  /** Infinity for "unlimited". */
  readonly max: number;
}

export interface ColumnSchema {
  readonly name: string;
  readonly type: ColumnType;
  /** False for columns that may only be set when the row is created. */
  readonly mutable: boolean;
  readonly ephemeral: boolean;
}

export interface TableSchema {
  readonly name: string;
  /** Root rows live on their own; other rows are garbage-collected when nothing refers to them strongly. */
  readonly isRoot: boolean;
  readonly maxRows: number;
  readonly indexes: readonly (readonly string[])[];
  /** Sorted by name. */
  readonly columns: readonly ColumnSchema[];
}

export function compareAtoms(a: Atom, b: Atom): number {
  if (typeof a === "number" && typeof b === "number") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function hashString(s: string, h: number): number {
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function hashAtom(a: Atom, h: number): number {
  if (typeof a === "string") return hashString(a, h);
  if (typeof a === "boolean") return (Math.imul(h, 31) + (a ? 1 : 2)) | 0;
  return hashString(String(a), (Math.imul(h, 31) + 3) | 0);
}

/**
 * The value of one column: `keys` sorted and unique; `values` (same length)
 * for a map, null for a set.
 */
export class Datum {
  readonly keys: readonly Atom[];
  readonly values: readonly Atom[] | null;

  private constructor(keys: readonly Atom[], values: readonly Atom[] | null) {
    this.keys = keys;
    this.values = values;
  }

  static readonly EMPTY_SET = new Datum([], null);
  static readonly EMPTY_MAP = new Datum([], []);

  static empty(type: ColumnType): Datum {
    return type.value === null ? Datum.EMPTY_SET : Datum.EMPTY_MAP;
  }

  /** A set of the given atoms (sorted, duplicates dropped: the last one wins). */
  static set(atoms: readonly Atom[]): Datum {
    const sorted = [...atoms].sort(compareAtoms);
    return new Datum(
      sorted.filter((a, i) => i === 0 || compareAtoms(sorted[i - 1] as Atom, a) !== 0),
      null,
    );
  }

  /** A map of the given pairs (sorted by key; for a duplicate key the last pair wins). */
  static map(pairs: readonly (readonly [Atom, Atom])[]): Datum {
    const byKey = new Map<Atom, Atom>();
    for (const [k, v] of pairs) byKey.set(k, v);
    const keys = [...byKey.keys()].sort(compareAtoms);
    return new Datum(keys, keys.map((k) => byKey.get(k) as Atom));
  }

  static scalar(a: Atom): Datum {
    return new Datum([a], null);
  }

  get size(): number {
    return this.keys.length;
  }

  get isMap(): boolean {
    return this.values !== null;
  }

  /** The pairs of a map datum (empty for a set). */
  pairs(): [Atom, Atom][] {
    const v = this.values;
    return v === null ? [] : this.keys.map((k, i) => [k, v[i] as Atom]);
  }

  indexOf(key: Atom): number {
    return this.keys.findIndex((k) => compareAtoms(k, key) === 0);
  }

  has(key: Atom): boolean {
    return this.indexOf(key) >= 0;
  }

  /** The value for `key` in a map datum. */
  get(key: Atom): Atom | undefined {
    const i = this.indexOf(key);
    return i < 0 || this.values === null ? undefined : this.values[i];
  }

  /** The only atom of a scalar or optional column, if any. */
  first(): Atom | undefined {
    return this.keys[0];
  }

  equals(other: unknown): boolean {
    if (!(other instanceof Datum)) return false;
    if (other.keys.length !== this.keys.length || (other.values === null) !== (this.values === null)) return false;
    for (let i = 0; i < this.keys.length; i++) {
      if (compareAtoms(this.keys[i] as Atom, other.keys[i] as Atom) !== 0) return false;
      if (this.values !== null && compareAtoms(this.values[i] as Atom, (other.values as Atom[])[i] as Atom) !== 0) {
        return false;
      }
    }
    return true;
  }

  hashCode(): number {
    let h = this.values === null ? 7 : 11;
    for (let i = 0; i < this.keys.length; i++) {
      h = hashAtom(this.keys[i] as Atom, h);
      if (this.values !== null) h = hashAtom(this.values[i] as Atom, h);
    }
    return h;
  }
}
