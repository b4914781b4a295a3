/**
 * Writing a property whose name comes from input (a snapshot's JSON, a DB
 * column, a port name) onto a plain object: `out[key] = value` with `key`
 * `__proto__` would set the object's prototype instead (docs/reliability.md,
 * the crash class). `defineOwn` always makes an own, enumerable property,
 * as JSON.parse does.
 */
export function defineOwn<T>(obj: { [key: string]: T }, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}
