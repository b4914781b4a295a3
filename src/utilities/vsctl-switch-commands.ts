/**
 * ovs-vsctl's own commands (utilities/ovs-vsctl.c): bridges (real and fake
 * VLAN bridges), ports, interfaces, fail mode, controllers, external ids —
 * with OVS's checks and error texts.
 */
import type { Atom } from "../datapath/config-db-types.js";
import { Datum } from "../datapath/config-db-types.js";
import { setColumn } from "./vsctl-db-commands.js";
import type { CommandInvocation, VsBridge, VsPort, VsctlContext } from "./vsctl-context.js";
import { VsctlError, str } from "./vsctl-context.js";

const sorted = (xs: string[]): string[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** process_escape_args: the command as ovs-vsctl quotes it in messages. */
function commandString(inv: CommandInvocation): string {
  const words = [...inv.options.keys(), inv.name, ...inv.args];
  return words.map((w) => (/[^A-Za-z0-9_.\-:=/@+,]/.test(w) || w === "" ? `"${w.replace(/(["\\])/g, "\\$1")}"` : w)).join(" ");
}

function insertIfaceAndPort(ctx: VsctlContext, name: string, ifaceType: string | null, port: { [col: string]: Datum }): string {
  const iface = ctx.insert("Interface", { name: Datum.scalar(name), ...(ifaceType ? { type: Datum.scalar(ifaceType) } : {}) });
  ctx.newIfaces.push(iface);
  return ctx.insert("Port", { name: Datum.scalar(name), interfaces: Datum.set([iface]), ...port });
}

export function cmdAddBr(ctx: VsctlContext, inv: CommandInvocation): void {
  const [name = "", parentName, vlanText] = inv.args;
  if (name === "") throw new VsctlError("bridge name must not be empty string");
  let vlan = 0;
  if (inv.args.length === 3) {
    vlan = Number.parseInt(vlanText as string, 10) || 0;
    if (vlan < 0 || vlan > 4095) throw new VsctlError(`${inv.name}: vlan must be between 0 and 4095`);
  } else if (inv.args.length !== 1) {
    throw new VsctlError(`'${inv.name}' command takes exactly 1 or 3 arguments`);
  }
  if (inv.options.has("--may-exist")) {
    const br = ctx.findBridge(name, false);
    if (br) {
      if (parentName === undefined) {
        if (br.parent) throw new VsctlError(`"--may-exist add-br ${name}" but ${name} is a VLAN bridge for VLAN ${br.vlan}`);
      } else if (!br.parent) {
        throw new VsctlError(`"--may-exist add-br ${name} ${parentName} ${vlan}" but ${name} is not a VLAN bridge`);
      } else if (br.parent.name !== parentName) {
        throw new VsctlError(`"--may-exist add-br ${name} ${parentName} ${vlan}" but ${name} has the wrong parent ${br.parent.name}`);
      } else if (br.vlan !== vlan) {
        throw new VsctlError(`"--may-exist add-br ${name} ${parentName} ${vlan}" but ${name} is a VLAN bridge for the wrong VLAN ${br.vlan}`);
      }
      return;
    }
  }
  ctx.checkConflicts(name, `cannot create a bridge named ${name}`);
  if (parentName === undefined) {
    const port = insertIfaceAndPort(ctx, name, "internal", {});
    const br = ctx.insert("Bridge", { name: Datum.scalar(name), ports: Datum.set([port]) });
    ctx.addToSet("Open_vSwitch", ctx.ovsUuid, "bridges", br);
  } else {
    const parent = ctx.findBridge(parentName, false);
    if (parent?.parent) throw new VsctlError("cannot create bridge with fake bridge as parent");
    if (!parent) throw new VsctlError(`parent bridge ${parentName} does not exist`);
    const conflict = [...ctx.cache.bridges.values()].find((b) => b.parent === parent && b.vlan === vlan);
    if (conflict) throw new VsctlError(`bridge ${parentName} already has a child VLAN bridge ${conflict.name} on VLAN ${vlan}`);
    const port = insertIfaceAndPort(ctx, name, "internal", { fake_bridge: Datum.scalar(true), tag: Datum.scalar(vlan) });
    ctx.addToSet("Bridge", parent.row.uuid, "ports", port);
  }
}

function delPort(ctx: VsctlContext, port: VsPort): void {
  ctx.removeFromSet("Bridge", port.bridge.row.uuid, "ports", port.row.uuid);
  for (const i of port.ifaces) ctx.db = ctx.db.delete("Interface", i.row.uuid);
  ctx.db = ctx.db.delete("Port", port.row.uuid);
}

function delBridge(ctx: VsctlContext, br: VsBridge): void {
  for (const child of [...ctx.cache.bridges.values()].filter((b) => b.parent === br)) delBridge(ctx, child);
  const current = ctx.cache.bridges.get(br.name) as VsBridge;
  for (const p of [...current.ports]) delPort(ctx, p);
  if (!br.parent) {
    ctx.removeFromSet("Open_vSwitch", ctx.ovsUuid, "bridges", br.row.uuid);
    ctx.db = ctx.db.delete("Bridge", br.row.uuid);
  }
}

export function cmdDelBr(ctx: VsctlContext, inv: CommandInvocation): void {
  const br = ctx.findBridge(inv.args[0] as string, !inv.options.has("--if-exists"));
  if (br) delBridge(ctx, br);
}

export function cmdListBr(ctx: VsctlContext, inv: CommandInvocation): string[] {
  let real = inv.options.has("--real");
  let fake = inv.options.has("--fake");
  if (!real && !fake) real = fake = true;
  return sorted([...ctx.cache.bridges.values()].filter((b) => (b.parent ? fake : real)).map((b) => b.name));
}

export function cmdBrExists(ctx: VsctlContext, inv: CommandInvocation): void {
  if (!ctx.findBridge(inv.args[0] as string, false)) throw new VsctlError("", 2);
}

export function cmdBrToVlan(ctx: VsctlContext, inv: CommandInvocation): string[] {
  return [String((ctx.findBridge(inv.args[0] as string, true) as VsBridge).vlan)];
}

export function cmdBrToParent(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const br = ctx.findBridge(inv.args[0] as string, true) as VsBridge;
  return [(br.parent ?? br).name];
}

function mapWith(d: Datum, key: string, value: string | undefined): Datum {
  const pairs = d.pairs().filter(([k]) => k !== key);
  return Datum.map(value === undefined ? pairs : [...pairs, [key, value]]);
}

export function cmdBrSetExternalId(ctx: VsctlContext, inv: CommandInvocation): void {
  const [name, key, value] = inv.args as [string, string, string | undefined];
  const br = ctx.findBridge(name, true) as VsBridge;
  if (!br.parent) {
    ctx.set("Bridge", br.row.uuid, "external_ids", mapWith(ctx.get("Bridge", br.row.uuid, "external_ids"), key, value));
  } else {
    const port = ctx.cache.ports.get(name) as VsPort;
    ctx.set("Port", port.row.uuid, "external_ids", mapWith(ctx.get("Port", port.row.uuid, "external_ids"), `fake-bridge-${key}`, value));
  }
}

export function cmdBrGetExternalId(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const [name, key] = inv.args as [string, string | undefined];
  const br = ctx.findBridge(name, true) as VsBridge;
  const prefix = br.parent ? "fake-bridge-" : "";
  const d = br.parent ? ctx.get("Port", (ctx.cache.ports.get(name) as VsPort).row.uuid, "external_ids") : ctx.get("Bridge", br.row.uuid, "external_ids");
  if (key !== undefined) {
    const v = d.get(prefix + key);
    return v === undefined ? [] : [String(v)];
  }
  return d
    .pairs()
    .filter(([k]) => String(k).startsWith(prefix))
    .map(([k, v]) => `${String(k).slice(prefix.length)}=${String(v)}`);
}

export function cmdListPorts(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const br = ctx.findBridge(inv.args[0] as string, true) as VsBridge;
  return sorted(br.ports.filter((p) => p.name !== br.name).map((p) => p.name));
}

export function cmdListIfaces(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const br = ctx.findBridge(inv.args[0] as string, true) as VsBridge;
  return sorted(br.ports.flatMap((p) => p.ifaces.map((i) => i.name)).filter((n) => n !== br.name));
}

function addPort(
  ctx: VsctlContext,
  inv: CommandInvocation,
  brName: string,
  portName: string,
  ifaceNames: readonly string[],
  settings: readonly string[],
  fakeIface: boolean,
): void {
  if (portName === "") throw new VsctlError("port name must not be empty string");
  if (ifaceNames.some((n) => n === "")) throw new VsctlError("interface name must not be empty string");
  if (inv.options.has("--may-exist")) {
    const p = ctx.findPort(portName, false);
    if (p) {
      const want = sorted([...ifaceNames]);
      const have = sorted(p.ifaces.map((i) => i.name));
      if (p.bridge.name !== brName) {
        throw new VsctlError(`"${commandString(inv)}" but ${portName} is actually attached to bridge ${p.bridge.name}`);
      }
      if (want.join("\u0000") !== have.join("\u0000")) {
        throw new VsctlError(`"${commandString(inv)}" but ${portName} actually has interface(s) ${have.join(", ")}`);
      }
      return;
    }
  }
  ctx.checkConflicts(portName, `cannot create a port named ${portName}`);
  for (const n of ifaceNames) ctx.checkConflicts(n, `cannot create an interface named ${n}`);
  const br = ctx.findBridge(brName, true) as VsBridge;
  const ifaces = ifaceNames.map((n) => {
    const u = ctx.insert("Interface", { name: Datum.scalar(n) });
    ctx.newIfaces.push(u);
    return u;
  });
  const port = ctx.insert("Port", {
    name: Datum.scalar(portName),
    interfaces: Datum.set(ifaces),
    bond_fake_iface: Datum.scalar(fakeIface),
    ...(br.parent ? { tag: Datum.scalar(br.vlan) } : {}),
  });
  const row = ctx.db.row("Port", port);
  for (const s of settings) if (row) setColumn(ctx, "Port", ctx.db.row("Port", port) ?? row, s);
  ctx.addToSet("Bridge", br.row.uuid, "ports", port);
}

export function cmdAddPort(ctx: VsctlContext, inv: CommandInvocation): void {
  const [br, port, ...settings] = inv.args as string[];
  addPort(ctx, inv, br as string, port as string, [port as string], settings, false);
}

export function cmdAddBond(ctx: VsctlContext, inv: CommandInvocation): void {
  const [br, bond, ...rest] = inv.args as string[];
  let n = rest.findIndex((a) => a.includes("="));
  if (n < 0) n = rest.length;
  if (n < 2) throw new VsctlError(`add-bond requires at least 2 interfaces, but only ${n} were specified`);
  addPort(ctx, inv, br as string, bond as string, rest.slice(0, n), rest.slice(n), inv.options.has("--fake-iface"));
}

export function cmdDelPort(ctx: VsctlContext, inv: CommandInvocation): void {
  const mustExist = !inv.options.has("--if-exists");
  const target = inv.args[inv.args.length - 1] as string;
  let port: VsPort | undefined;
  if (ctx.findBridge(target, false)) {
    if (mustExist) {
      throw new VsctlError(
        `cannot delete port ${target} because it is the local port for bridge ${target} (deleting this port requires deleting the entire bridge)`,
      );
    }
  } else if (!inv.options.has("--with-iface")) {
    port = ctx.findPort(target, mustExist);
  } else {
    port = ctx.findPort(target, false) ?? ctx.findIface(target, false)?.port;
    if (mustExist && !port) throw new VsctlError(`no port or interface named ${target}`);
  }
  if (!port) return;
  if (inv.args.length === 2) {
    const br = ctx.findBridge(inv.args[0] as string, true) as VsBridge;
    if (port.bridge !== br) {
      if (port.bridge.parent === br) {
        throw new VsctlError(`bridge ${br.name} does not have a port ${target} (although its child bridge ${port.bridge.name} does)`);
      }
      throw new VsctlError(`bridge ${br.name} does not have a port ${target}`);
    }
  }
  delPort(ctx, port);
}

export function cmdPortToBr(ctx: VsctlContext, inv: CommandInvocation): string[] {
  return [(ctx.findPort(inv.args[0] as string, true) as VsPort).bridge.name];
}

export function cmdIfaceToBr(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const i = ctx.findIface(inv.args[0] as string, true);
  return [i ? i.port.bridge.name : ""];
}

export function cmdGetFailMode(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const br = ctx.findBridge(inv.args[0] as string, true) as VsBridge;
  const mode = str(ctx.get("Bridge", br.row.uuid, "fail_mode"));
  return mode === "" ? [] : [mode];
}

export function cmdDelFailMode(ctx: VsctlContext, inv: CommandInvocation): void {
  const br = ctx.findRealBridge(inv.args[0] as string, true) as VsBridge;
  ctx.set("Bridge", br.row.uuid, "fail_mode", Datum.EMPTY_SET);
}

export function cmdSetFailMode(ctx: VsctlContext, inv: CommandInvocation): void {
  const br = ctx.findRealBridge(inv.args[0] as string, true) as VsBridge;
  const mode = inv.args[1] as string;
  if (mode !== "standalone" && mode !== "secure") throw new VsctlError('fail-mode must be "standalone" or "secure"');
  ctx.set("Bridge", br.row.uuid, "fail_mode", Datum.scalar(mode));
}

export function cmdGetController(ctx: VsctlContext, inv: CommandInvocation): string[] {
  const br = ctx.findBridge(inv.args[0] as string, true) as VsBridge;
  const ctrls = ctx.get("Bridge", br.row.uuid, "controller").keys;
  return sorted(ctrls.map((u) => str(ctx.get("Controller", String(u), "target"))));
}

export function cmdDelController(ctx: VsctlContext, inv: CommandInvocation): void {
  const br = ctx.findRealBridge(inv.args[0] as string, true) as VsBridge;
  for (const u of ctx.get("Bridge", br.row.uuid, "controller").keys) ctx.db = ctx.db.delete("Controller", String(u));
  ctx.set("Bridge", br.row.uuid, "controller", Datum.EMPTY_SET);
}

export function cmdSetController(ctx: VsctlContext, inv: CommandInvocation): void {
  const [name, ...targets] = inv.args as string[];
  const br = ctx.findRealBridge(name as string, true) as VsBridge;
  for (const u of ctx.get("Bridge", br.row.uuid, "controller").keys) ctx.db = ctx.db.delete("Controller", String(u));
  const probe = inv.options.get("--inactivity-probe");
  const uuids: Atom[] = targets.map((t) =>
    ctx.insert("Controller", {
      target: Datum.scalar(t),
      ...(probe ? { inactivity_probe: Datum.scalar(Number.parseInt(probe, 10) || 0) } : {}),
    }),
  );
  ctx.set("Bridge", br.row.uuid, "controller", Datum.set(uuids));
}

export function cmdInit(): void {
  // The Open_vSwitch row always exists in ovsim.
}
