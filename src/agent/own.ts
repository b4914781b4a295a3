/**
 * Lookups in Neutron's dicts mirrored as plain records (`bridge_mappings`,
 * fdb entries on the wire): a key taken from input — a physical network
 * name, a remote IP, a network id — must never reach what every object
 * inherits (`constructor`, `__proto__`, `toString`). `ownValue` answers only
 * the record's own properties, as a Python dict's `get` does; tables built
 * by the agent itself are Maps (docs/reliability.md).
 */

/** `table.get(key)` of a Python dict: the own property `key` of `table`, or undefined. */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}
