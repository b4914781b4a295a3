/**
 * Reading a cloud file's JSON one object at a time, with errors that say
 * where: every refusal is a CloudFileError whose `path` names the place
 * (`steps[3].ports`, `hosts[0].agent.tunnel_types`,
 * `security_groups[dddd...].rules[1].direction`) and whose message says
 * what was expected there. An object accepts exactly the fields it is
 * given; any other field is refused with the list of the known ones, as
 * the oracle (`neutron-run --check`) does. Addresses are checked here too
 * (MAC, IPv4 / IPv6 addresses and prefixes) without node:net, so that the
 * cloud layer runs in a browser as the rest of the library does.
 */
import { OvsimError } from "../flowtable/errors.js";
import type { CloudAddressPair } from "./cloud-types.js";

/** A cloud file ovsim refuses: `path` is where (`steps[3].ports`), the message what. */
export class CloudFileError extends OvsimError {
  readonly code = "CLOUD_FILE";
  /** Where in the file: `steps[3].ports`, `hosts[0].agent.local_ip`; "" for the file itself. */
  readonly path: string;
  /** The bare message, without the path. */
  readonly detail: string;
  constructor(path: string, detail: string) {
    super(path === "" ? detail : `${path}: ${detail}`);
    this.path = path;
    this.detail = detail;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `base.field`, or `field` at the top. */
export function join(base: string, field: string): string {
  return base === "" ? field : `${base}.${field}`;
}

/**
 * One JSON object of the file, read field by field. `what` names the kind of
 * object in messages ("a port", "a plug_ports step").
 */
export class JsonObject {
  readonly path: string;
  private readonly value: Record<string, unknown>;

  constructor(path: string, value: unknown, what: string, known: readonly string[], required: readonly string[] = []) {
    if (!isPlainObject(value)) throw new CloudFileError(path, `expected ${what} (a JSON object), got ${describe(value)}`);
    this.path = path;
    this.value = value;
    for (const k of Object.keys(value)) {
      if (!known.includes(k)) throw new CloudFileError(join(path, k), `unknown field of ${what} (known: ${known.join(", ")})`);
    }
    for (const k of required) {
      if (!Object.hasOwn(value, k)) throw new CloudFileError(join(path, k), `missing: ${what} needs ${k}`);
    }
  }

  has(field: string): boolean {
    return Object.hasOwn(this.value, field);
  }

  /** The raw value of `field` (undefined when absent): own properties only, never what Object.prototype has. */
  raw(field: string): unknown {
    return Object.hasOwn(this.value, field) ? this.value[field] : undefined;
  }

  at(field: string): string {
    return join(this.path, field);
  }

  string(field: string): string;
  string(field: string, dflt: string): string;
  string(field: string, dflt: string | null): string | null;
  string(field: string, dflt?: string | null): string | null {
    const v = this.raw(field);
    if (v === undefined || (v === null && dflt === null)) {
      if (dflt === undefined) throw new CloudFileError(this.at(field), "missing");
      return dflt;
    }
    if (typeof v !== "string") throw new CloudFileError(this.at(field), `expected a string, got ${describe(v)}`);
    return v;
  }

  /** A non-empty string. */
  name(field: string): string {
    const s = this.string(field);
    if (s === "") throw new CloudFileError(this.at(field), "expected a non-empty string");
    return s;
  }

  boolean(field: string, dflt: boolean): boolean {
    const v = this.raw(field);
    if (v === undefined) return dflt;
    if (typeof v !== "boolean") throw new CloudFileError(this.at(field), `expected true or false, got ${describe(v)}`);
    return v;
  }

  integer(field: string, dflt: number, min: number, max: number): number;
  integer(field: string, dflt: number | null, min: number, max: number): number | null;
  integer(field: string, dflt: number | null, min: number, max: number): number | null {
    const v = this.raw(field);
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v)) throw new CloudFileError(this.at(field), `expected an integer, got ${describe(v)}`);
    if (v < min || v > max) throw new CloudFileError(this.at(field), `${v} is out of range (${min}..${max})`);
    return v;
  }

  number(field: string, dflt: number | null, min: number): number {
    const v = this.raw(field);
    if (v === undefined && dflt !== null) return dflt;
    if (typeof v !== "number" || !Number.isFinite(v)) throw new CloudFileError(this.at(field), `expected a number, got ${describe(v)}`);
    if (v < min) throw new CloudFileError(this.at(field), `${v} is below ${min}`);
    return v;
  }

  /** A list (default `[]` when absent); each element read by `each(value, path, index)`. */
  list<T>(field: string, each: (v: unknown, path: string, i: number) => T, required = false): T[] {
    const v = this.raw(field);
    if (v === undefined) {
      if (required) throw new CloudFileError(this.at(field), "missing");
      return [];
    }
    if (!Array.isArray(v)) throw new CloudFileError(this.at(field), `expected a list, got ${describe(v)}`);
    return v.map((x, i) => each(x, `${this.at(field)}[${i}]`, i));
  }

  /** An object used as a map (default `{}`); each value read by `each(value, path, key)`. */
  map<T>(field: string, each: (v: unknown, path: string, key: string) => T): Record<string, T> {
    const v = this.raw(field);
    if (v === undefined) return {};
    if (!isPlainObject(v)) throw new CloudFileError(this.at(field), `expected an object, got ${describe(v)}`);
    // fromEntries defines own properties: a key `__proto__` stays a key.
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, each(x, `${this.at(field)}[${k}]`, k)]));
  }

  /** One of `choices` (default `dflt` when absent). */
  choice<const T extends string>(field: string, choices: readonly T[], dflt?: T): T {
    const v = this.raw(field);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
      throw new CloudFileError(this.at(field), `expected one of ${choices.join(", ")}, got ${describe(v)}`);
    }
    return v as T;
  }
}

/** A string element of a list. */
export function stringAt(v: unknown, path: string): string {
  if (typeof v !== "string") throw new CloudFileError(path, `expected a string, got ${describe(v)}`);
  return v;
}

/** How a JSON value is named in messages. */
export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ---- addresses

/** "fa:16:3e:0a:00:01" (any case). */
export function isMac(s: string): boolean {
  return /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(s);
}

export function isIpv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

export function isIpv6(s: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return false;
  let head = s;
  if (s.includes(".")) {
    // An embedded IPv4 address (::ffff:10.0.0.1) stands for the last two groups.
    const lastColon = s.lastIndexOf(":");
    if (!isIpv4(s.slice(lastColon + 1))) return false;
    head = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split("::");
  if (halves.length > 2) return false;
  const groups = (h: string): string[] | null => {
    if (h === "") return [];
    const g = h.split(":");
    return g.every((x) => /^[0-9a-fA-F]{1,4}$/.test(x)) ? g : null;
  };
  const a = groups(halves[0] ?? "");
  const b = halves.length === 2 ? groups(halves[1] ?? "") : [];
  if (a === null || b === null) return false;
  const n = a.length + b.length;
  return halves.length === 2 ? n <= 7 : n === 8;
}

/** 4 or 6 for an address, null for anything else. */
export function ipVersion(s: string): 4 | 6 | null {
  return isIpv4(s) ? 4 : isIpv6(s) ? 6 : null;
}

/** The version of an address or prefix (`10.0.0.0/8`, `::/0`, or a bare address), null if neither. */
export function prefixVersion(s: string): 4 | 6 | null {
  const slash = s.indexOf("/");
  if (slash < 0) return ipVersion(s);
  const v = ipVersion(s.slice(0, slash));
  const len = s.slice(slash + 1);
  if (v === null || !/^\d{1,3}$/.test(len)) return null;
  return Number(len) <= (v === 4 ? 32 : 128) ? v : null;
}

// ---- port fields shared by the file's ports and ovsim's boot / update_port steps

/** A port's (or a boot step's) `fixed_ips`: a list of addresses. */
export function readFixedIps(o: JsonObject): string[] {
  return o.list("fixed_ips", (x, p) => {
    const ip = stringAt(x, p);
    if (ipVersion(ip) === null) throw new CloudFileError(p, `not an IP address: ${JSON.stringify(ip)}`);
    return ip;
  });
}

/** `allowed_address_pairs`: `[{ip_address, mac_address?}]`, an address or a prefix each. */
export function readAddressPairs(o: JsonObject): CloudAddressPair[] {
  return o.list("allowed_address_pairs", (x, p) => {
    const a = new JsonObject(p, x, "an allowed address pair", ["ip_address", "mac_address"], ["ip_address"]);
    const ipAddress = a.string("ip_address");
    if (prefixVersion(ipAddress) === null) throw new CloudFileError(a.at("ip_address"), `not an IP address or CIDR: ${JSON.stringify(ipAddress)}`);
    const macAddress = a.string("mac_address", null);
    if (macAddress !== null && !isMac(macAddress)) throw new CloudFileError(a.at("mac_address"), `not a MAC address: ${JSON.stringify(macAddress)}`);
    return { ipAddress, macAddress: macAddress?.toLowerCase() ?? null };
  });
}
