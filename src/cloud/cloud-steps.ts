/**
 * A cloud file's `steps`: the five both sides understand (plug_ports,
 * unplug_ports, l2pop_fdb_add, l2pop_fdb_remove, run: CLOUD-FORMAT.md) and
 * ovsim's own (boot, delete, migrate, advance, ping, ping_all, ping_matrix, trace,
 * restart_agent, restart_ovs, update_port, delete_network: docs/cloud.md).
 *
 * Each op has one table entry: its fields and a reader. An unknown op, or a
 * field its op does not have, is a CloudFileError at `steps[N].op` /
 * `steps[N].FIELD`, the message naming the op. References are resolved as
 * far as the file alone decides them: ports, hosts and networks exist; a VM
 * is named by an earlier `boot` (and not deleted since), or is a port of
 * the file (its id or, when unambiguous, its name). Whether a port is
 * plugged when a step runs is the runner's to check.
 */
import type { CloudFdbEntry, CloudSpec, CloudStep, NewPortSpec, PortChanges, StepOp } from "./cloud-types.js";
import { FLOODING_IP, FLOODING_MAC } from "./cloud-types.js";
import { readUpdateSecurityGroup } from "./security-group-steps.js";
import { CloudFileError, ipVersion, isIpv4, isMac, JsonObject, readAddressPairs, readFixedIps, stringAt } from "./file-checks.js";

const FDB_ENTRY_FIELDS = ["network_id", "remote_ip", "network_type", "segmentation_id", "mac", "ip", "flooding_entry"];
const NEW_PORT_FIELDS = ["network_id", "mac", "fixed_ips", "security_groups", "port_security_enabled", "allowed_address_pairs", "admin_state_up", "device_owner"];
const PORT_CHANGE_FIELDS = ["admin_state_up", "port_security_enabled", "security_groups", "allowed_address_pairs"];

/** What a step reader sees: the file's resources and the VMs booted by earlier steps. */
interface StepContext {
  readonly spec: CloudSpec;
  /** VM names booted by earlier steps and not deleted since, with the file port each was booted on (null: a new port). */
  readonly vms: Map<string, string | null>;
  /** Ports of the file plugged by earlier steps (plug_ports, or boot on the port) and not unplugged since. */
  readonly plugged: Set<string>;
}

type Reader = (o: JsonObject, index: number, ctx: StepContext) => CloudStep;

interface OpSpec {
  readonly fields: readonly string[];
  readonly required: readonly string[];
  readonly read: Reader;
}

const OPS: { readonly [K in StepOp]: OpSpec } = {
  plug_ports: { fields: ["ports"], required: ["ports"], read: (o, index, c) => ({ op: "plug_ports", index, ports: plugList(o, c, true) }) },
  unplug_ports: { fields: ["ports"], required: ["ports"], read: (o, index, c) => ({ op: "unplug_ports", index, ports: plugList(o, c, false) }) },
  l2pop_fdb_add: { fields: ["host", "entries"], required: ["entries"], read: (o, index, c) => ({ op: "l2pop_fdb_add", index, host: hostOf(o, c), entries: o.list("entries", (v, p) => fdbEntry(v, p, c), true) }) },
  l2pop_fdb_remove: { fields: ["host", "entries"], required: ["entries"], read: (o, index, c) => ({ op: "l2pop_fdb_remove", index, host: hostOf(o, c), entries: o.list("entries", (v, p) => fdbEntry(v, p, c), true) }) },
  run: { fields: ["host", "commands"], required: ["commands"], read: (o, index, c) => ({ op: "run", index, host: hostOf(o, c), commands: o.list("commands", stringAt, true) }) },
  boot: { fields: ["vm", "host", "port", ...NEW_PORT_FIELDS], required: ["vm"], read: readBoot },
  delete: {
    fields: ["vm"],
    required: ["vm"],
    read: (o, index, c) => {
      const vm = bootedVm(o, c);
      const port = c.vms.get(vm);
      if (port !== null && port !== undefined) c.plugged.delete(port);
      c.vms.delete(vm);
      return { op: "delete", index, vm };
    },
  },
  migrate: { fields: ["vm", "host"], required: ["vm", "host"], read: (o, index, c) => ({ op: "migrate", index, vm: bootedVm(o, c), host: hostOf(o, c) }) },
  advance: { fields: ["seconds"], required: ["seconds"], read: (o, index) => ({ op: "advance", index, seconds: positive(o, "seconds") }) },
  ping: {
    fields: ["from", "to", "count", "expect"],
    required: ["from", "to"],
    read: (o, index, c) => ({ op: "ping", index, from: vmRef(o, "from", c, false), to: vmRef(o, "to", c, true), count: o.integer("count", 1, 1, 100), expect: expectOf(o) }),
  },
  ping_all: {
    fields: ["network_id", "count", "expect"],
    required: [],
    read: (o, index, c) => ({ op: "ping_all", index, networkId: o.has("network_id") ? networkOf(o, c) : null, count: o.integer("count", 1, 1, 100), expect: expectOf(o) }),
  },
  ping_matrix: {
    fields: ["network_id", "count", "expect"],
    required: [],
    read: (o, index, c) => ({ op: "ping_matrix", index, networkId: o.has("network_id") ? networkOf(o, c) : null, count: o.integer("count", 1, 1, 100), expect: o.has("expect") ? o.choice("expect", ["ok"]) : null }),
  },
  trace: { fields: ["from", "to"], required: ["from", "to"], read: (o, index, c) => ({ op: "trace", index, from: vmRef(o, "from", c, false), to: vmRef(o, "to", c, true) }) },
  restart_agent: { fields: ["host"], required: [], read: (o, index, c) => ({ op: "restart_agent", index, host: hostOf(o, c) }) },
  restart_ovs: { fields: ["host"], required: [], read: (o, index, c) => ({ op: "restart_ovs", index, host: hostOf(o, c) }) },
  update_port: { fields: ["port", ...PORT_CHANGE_FIELDS], required: ["port"], read: readUpdatePort },
  delete_network: { fields: ["network_id"], required: ["network_id"], read: (o, index, c) => ({ op: "delete_network", index, networkId: networkOf(o, c) }) },
  update_security_group: { fields: ["security_group", "rules"], required: ["security_group", "rules"], read: (o, index, c) => readUpdateSecurityGroup(o, index, c.spec) },
};

export const STEP_OPS = Object.keys(OPS) as StepOp[];

function isStepOp(op: string): op is StepOp {
  return Object.hasOwn(OPS, op);
}

/** What steps start from: VMs already booted (name → the file port it was booted on, null: a new port), file ports already plugged. */
export interface StepsStart {
  readonly vms: ReadonlyMap<string, string | null>;
  readonly plugged: ReadonlySet<string>;
}

/** Reads `top.steps` against the file's resources (and, for a loaded snapshot's cloud, what it already has: `start`). */
export function parseSteps(top: JsonObject, spec: CloudSpec, start: StepsStart = { vms: new Map(), plugged: new Set() }): CloudStep[] {
  const ctx: StepContext = { spec, vms: new Map(start.vms), plugged: new Set(start.plugged) };
  return top.list("steps", (v, path, index) => {
    const raw = v as { op?: unknown } | null;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new CloudFileError(path, "expected a step (a JSON object with an op)");
    if (!("op" in raw)) throw new CloudFileError(`${path}.op`, "missing: every step has an op");
    const op = raw.op;
    if (typeof op !== "string" || !isStepOp(op)) {
      throw new CloudFileError(`${path}.op`, `unknown op ${JSON.stringify(op)} (known: ${STEP_OPS.join(", ")})`);
    }
    const table = OPS[op];
    try {
      const o = new JsonObject(path, v, `a ${op} step`, ["op", ...table.fields], table.required);
      return table.read(o, index, ctx);
    } catch (e) {
      if (e instanceof CloudFileError && !e.detail.includes(op)) throw new CloudFileError(e.path, `${op}: ${e.detail}`);
      throw e;
    }
  });
}

function hostOf(o: JsonObject, c: StepContext): string {
  const host = o.string("host", c.spec.hosts[0]?.name ?? "");
  if (!c.spec.hosts.some((h) => h.name === host)) throw new CloudFileError(o.at("host"), `no such host ${JSON.stringify(host)}`);
  return host;
}

function networkOf(o: JsonObject, c: StepContext): string {
  const id = o.string("network_id");
  if (!c.spec.networks.some((n) => n.id === id)) throw new CloudFileError(o.at("network_id"), `no such network ${JSON.stringify(id)}`);
  return id;
}

/** The ports of a plug (`plug` true) or unplug step, which must be unplugged (plugged) before it. */
function plugList(o: JsonObject, c: StepContext, plug: boolean): string[] {
  const ids = o.list("ports", (v, p) => {
    const id = stringAt(v, p);
    if (!c.spec.ports.some((x) => x.id === id)) throw new CloudFileError(p, `no such port ${JSON.stringify(id)}`);
    const vm = [...c.vms].find(([, port]) => port === id)?.[0];
    if (vm !== undefined) throw new CloudFileError(p, `port ${id} is VM ${vm}'s (delete or migrate the VM instead)`);
    if (plug && c.plugged.has(id)) throw new CloudFileError(p, `port ${id} is already plugged`);
    if (!plug && !c.plugged.has(id)) throw new CloudFileError(p, `port ${id} is not plugged`);
    return id;
  });
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) throw new CloudFileError(`${o.at("ports")}[${i}]`, `port ${id} is listed twice`);
  });
  for (const id of ids) {
    if (plug) c.plugged.add(id);
    else c.plugged.delete(id);
  }
  return ids;
}

function positive(o: JsonObject, field: string): number {
  const n = o.number(field, null, 0);
  if (n <= 0) throw new CloudFileError(o.at(field), "expected a number above 0");
  return n;
}

function expectOf(o: JsonObject): "ok" | "fail" | null {
  return o.has("expect") ? o.choice("expect", ["ok", "fail"]) : null;
}

/** A VM booted earlier (for delete / migrate). */
function bootedVm(o: JsonObject, c: StepContext): string {
  const vm = o.name("vm");
  if (!c.vms.has(vm)) throw new CloudFileError(o.at("vm"), `no VM ${JSON.stringify(vm)} (boot it in an earlier step)`);
  return vm;
}

/**
 * A VM reference: a VM booted earlier, a port id, or a port name naming one
 * port; `to` may also be an IPv4 address. Resolved to the VM name, the port
 * id, or the address.
 */
function vmRef(o: JsonObject, field: string, c: StepContext, addressOk: boolean): string {
  const s = o.name(field);
  if (c.vms.has(s)) return s;
  if (c.spec.ports.some((p) => p.id === s)) return s;
  const byName = c.spec.ports.filter((p) => p.name === s);
  if (byName.length === 1) return byName[0]!.id; // length checked
  if (byName.length > 1) throw new CloudFileError(o.at(field), `port name ${s} is ambiguous (hosts ${byName.map((p) => p.host).join(", ")}): give the port id`);
  if (addressOk && isIpv4(s)) return s;
  throw new CloudFileError(o.at(field), `no VM or port ${JSON.stringify(s)}${addressOk ? " (nor an IPv4 address)" : ""}`);
}

function fdbEntry(v: unknown, path: string, c: StepContext): CloudFdbEntry {
  const o = new JsonObject(path, v, "an fdb entry", FDB_ENTRY_FIELDS, ["network_id", "remote_ip"]);
  const networkId = o.string("network_id");
  const net = c.spec.networks.find((n) => n.id === networkId);
  if (net === undefined && !(o.has("network_type") && o.has("segmentation_id"))) {
    throw new CloudFileError(o.at("network_id"), `unknown network ${JSON.stringify(networkId)} (give network_type and segmentation_id)`);
  }
  const remoteIp = o.string("remote_ip");
  if (ipVersion(remoteIp) === null) throw new CloudFileError(o.at("remote_ip"), `not an IP address: ${JSON.stringify(remoteIp)}`);
  const floodingEntry = o.boolean("flooding_entry", false);
  if (!floodingEntry && !(o.has("mac") && o.has("ip"))) throw new CloudFileError(path, "a non-flooding entry needs mac and ip");
  const mac = o.string("mac", FLOODING_MAC);
  if (!isMac(mac)) throw new CloudFileError(o.at("mac"), `not a MAC address: ${JSON.stringify(mac)}`);
  const ip = o.string("ip", FLOODING_IP);
  if (ipVersion(ip) === null) throw new CloudFileError(o.at("ip"), `not an IP address: ${JSON.stringify(ip)}`);
  const segmentationId = o.integer("segmentation_id", net?.segmentationId ?? null, 0, 0xffffffff);
  if (segmentationId === null) throw new CloudFileError(o.at("segmentation_id"), `missing: network ${networkId} has no segmentation id`);
  return { networkId, remoteIp, networkType: o.string("network_type", net?.networkType ?? ""), segmentationId, mac: mac.toLowerCase(), ip, floodingEntry };
}

function readBoot(o: JsonObject, index: number, c: StepContext): CloudStep {
  const vm = o.name("vm");
  if (c.vms.has(vm)) throw new CloudFileError(o.at("vm"), `VM ${vm} is already booted`);
  const host = o.has("host") ? hostOf(o, c) : null;
  let port: string | null = null;
  let newPort: NewPortSpec | null = null;
  if (o.has("port")) {
    const extra = NEW_PORT_FIELDS.find((f) => o.has(f));
    if (extra !== undefined) throw new CloudFileError(o.at(extra), "only with network_id (a new port); the port given already has it");
    const id = o.string("port");
    if (!c.spec.ports.some((p) => p.id === id)) throw new CloudFileError(o.at("port"), `no such port ${JSON.stringify(id)}`);
    if (c.plugged.has(id)) throw new CloudFileError(o.at("port"), `port ${id} is already plugged`);
    c.plugged.add(id);
    port = id;
  } else if (o.has("network_id")) {
    const networkId = networkOf(o, c);
    const mac = o.string("mac", null);
    if (mac !== null && !isMac(mac)) throw new CloudFileError(o.at("mac"), `not a MAC address: ${JSON.stringify(mac)}`);
    const securityGroups = o.list("security_groups", (v, p) => {
      const sg = stringAt(v, p);
      if (!c.spec.securityGroups.some((s) => s.id === sg)) throw new CloudFileError(p, `no such security group ${JSON.stringify(sg)}`);
      return sg;
    });
    newPort = {
      networkId,
      mac: mac?.toLowerCase() ?? null,
      fixedIps: readFixedIps(o),
      securityGroups,
      portSecurityEnabled: o.boolean("port_security_enabled", true),
      allowedAddressPairs: readAddressPairs(o),
      adminStateUp: o.boolean("admin_state_up", true),
      deviceOwner: o.string("device_owner", "compute:nova"),
    };
  } else {
    throw new CloudFileError(o.at("port"), "missing: boot needs port (a port of the file) or network_id (a new port)");
  }
  c.vms.set(vm, port);
  return { op: "boot", index, vm, host, port, newPort };
}

function readUpdatePort(o: JsonObject, index: number, c: StepContext): CloudStep {
  const ref = o.name("port");
  if (!c.vms.has(ref) && !c.spec.ports.some((p) => p.id === ref)) throw new CloudFileError(o.at("port"), `no port or VM ${JSON.stringify(ref)}`);
  const changes: { -readonly [K in keyof PortChanges]: PortChanges[K] } = {};
  if (o.has("admin_state_up")) changes.adminStateUp = o.boolean("admin_state_up", true);
  if (o.has("port_security_enabled")) changes.portSecurityEnabled = o.boolean("port_security_enabled", true);
  if (o.has("security_groups")) {
    changes.securityGroups = o.list("security_groups", (v, p) => {
      const sg = stringAt(v, p);
      if (!c.spec.securityGroups.some((s) => s.id === sg)) throw new CloudFileError(p, `no such security group ${JSON.stringify(sg)}`);
      return sg;
    });
  }
  if (o.has("allowed_address_pairs")) changes.allowedAddressPairs = readAddressPairs(o);
  if (Object.keys(changes).length === 0) throw new CloudFileError(o.path, `nothing to update (give one of ${PORT_CHANGE_FIELDS.join(", ")})`);
  return { op: "update_port", index, port: ref, changes };
}
