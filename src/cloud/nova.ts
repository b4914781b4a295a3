/**
 * Nova's side of a VM's port, as the cloud plays it: the server-side port
 * (created for a VM booted on a network), its binding to a host, the VIF
 * plug os-vif does, and the waits for the agent.
 *
 * The VIF plug is exactly neutron-run's (and os-vif's ovs plugin's):
 *   ovs-vsctl add-port br-int TAP -- set Interface TAP
 *     external_ids:iface-id=PORT external_ids:iface-status=active
 *     external_ids:attached-mac=MAC external_ids:vm-uuid=ID
 * made through the Switch API as one transaction (the Interface `type` is
 * "", a system port, as a tap is). The agent's loop then finds the port,
 * asks the server for its details, binds it and reports it up (down when
 * admin_state_up is false); the step ends when the server has that report,
 * plus two loop iterations. Unplug is `ovs-vsctl del-port TAP` and waits
 * for the down report.
 *
 * boot = [create the port] + bind it to the host (port_update to the
 * agents, as ML2 on a binding change) + plug + wait; delete = unplug +
 * wait + delete the port Nova created (or unbind a port it was given, as
 * Nova does with a pre-created port); migrate = unplug on the source +
 * wait + bind to the destination + plug there + wait + the VM announces
 * itself (a gratuitous ARP, as QEMU's self-announce after a migration does:
 * the bridges that learned its MAC elsewhere learn it again). Each plugged port
 * gets a VM endpoint (src/datapath/endpoint.ts) with the port's MAC and
 * first IPv4 address, answering ARP and ping.
 */
import { buildArp } from "../datapath/packet/build.js";
import type { CloudPort, CloudStep, NewPortSpec } from "./cloud-types.js";
import type { Cloud, Vm } from "./cloud.js";
import { CloudStepError } from "./cloud.js";
import { ipVersion } from "./file-checks.js";

/** What the agent's VIF external_ids say (os-vif). */
function vifExternalIds(port: CloudPort, vmUuid: string): Record<string, string> {
  return { "iface-id": port.id, "iface-status": "active", "attached-mac": port.mac, "vm-uuid": vmUuid };
}

/** Plugs the VIFs of `ports` (each on its bound host) and gives each its VM endpoint; returns the report count before. */
function plug(cloud: Cloud, ports: readonly { readonly port: CloudPort; readonly name: string; readonly booted: boolean; readonly ownsPort: boolean; readonly vmUuid: string }[]): number {
  const since = cloud.server.reports.length;
  for (const { port, name, booted, ownsPort, vmUuid } of ports) {
    const host = port.host;
    const sw = cloud.switchOf(host);
    sw.addPort(cloud.hostSpec(host).agent.integrationBridge, port.name, { externalIds: vifExternalIds(port, vmUuid) });
    const vm: Vm = { name, portId: port.id, host, booted, ownsPort, vmUuid, endpoint: null };
    attachEndpoint(cloud, vm, port);
    cloud.vms.set(port.id, vm);
  }
  return since;
}

/** The VM's endpoint on its port (none when the port has no IPv4 address). */
function attachEndpoint(cloud: Cloud, vm: Vm, port: CloudPort): void {
  const ip = port.fixedIps.find((a) => ipVersion(a) === 4);
  vm.endpoint = ip === undefined ? null : cloud.sim.addEndpoint(port.id, vm.host, port.name, port.mac, ip);
}

function unplug(cloud: Cloud, vms: readonly Vm[]): number {
  const since = cloud.server.reports.length;
  for (const vm of vms) {
    const port = cloud.server.port(vm.portId);
    cloud.switchOf(vm.host).deletePort(port?.name ?? vm.portId);
    if (vm.endpoint !== null) cloud.sim.removeEndpoint(vm.portId);
    vm.endpoint = null;
    cloud.vms.delete(vm.portId);
  }
  return since;
}

function requirePort(cloud: Cloud, step: CloudStep, id: string): CloudPort {
  const p = cloud.server.port(id);
  if (p === undefined) throw new CloudStepError(step.index, step.op, `port ${id} does not exist (deleted?)`);
  return p;
}

/** plug_ports: bind each port to its file host (silently: the file's ports come bound), plug, wait for the reports. */
export function plugPorts(cloud: Cloud, step: CloudStep & { readonly op: "plug_ports" }): void {
  const items = step.ports.map((id) => {
    if (cloud.vms.has(id)) throw new CloudStepError(step.index, step.op, `port ${id} is already plugged`);
    const spec = cloud.spec.ports.find((p) => p.id === id);
    const port = requirePort(cloud, step, id);
    cloud.server.bindPort(id, spec?.host ?? port.host, false);
    const bound = requirePort(cloud, step, id);
    return { port: bound, name: bound.name, booted: false, ownsPort: false, vmUuid: id };
  });
  const since = plug(cloud, items);
  cloud.waitForReports(step, step.ports, since, true);
}

/** unplug_ports: del-port, wait for the down reports. */
export function unplugPorts(cloud: Cloud, step: CloudStep & { readonly op: "unplug_ports" }): void {
  const vms = step.ports.map((id) => {
    const vm = cloud.vms.get(id);
    if (vm === undefined) throw new CloudStepError(step.index, step.op, `port ${id} is not plugged`);
    return vm;
  });
  const since = unplug(cloud, vms);
  cloud.waitForReports(step, step.ports, since, false);
}

/** The first free IPv4 address of a /N subnet from .2 (Neutron's allocation pool start; .1 is the gateway). */
function allocateIpv4(cloud: Cloud, networkId: string): string[] {
  const cidr = cloud.server.network(networkId)?.subnet.cidr ?? null;
  if (cidr === null || ipVersion(cidr.split("/")[0] ?? "") !== 4) return [];
  const [base = "", lenText = "32"] = cidr.split("/");
  const len = Number(lenText);
  const net = base.split(".").reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - len);
  const start = net - (net % size);
  const used = new Set(cloud.server.ports().filter((p) => p.networkId === networkId).flatMap((p) => p.fixedIps));
  for (let i = 2; i < size - 1; i++) {
    const n = start + i;
    const ip = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
    if (!used.has(ip)) return [ip];
  }
  return [];
}

function newPort(cloud: Cloud, spec: NewPortSpec, host: string): CloudPort {
  const id = cloud.random.uuid4();
  let mac = spec.mac;
  const macs = new Set(cloud.server.ports().map((p) => p.mac));
  while (mac === null || (spec.mac === null && macs.has(mac))) mac = cloud.random.neutronMac();
  return {
    id,
    name: `tap${id}`.slice(0, 14),
    host,
    networkId: spec.networkId,
    mac,
    fixedIps: spec.fixedIps.length > 0 ? spec.fixedIps : allocateIpv4(cloud, spec.networkId),
    deviceOwner: spec.deviceOwner,
    portSecurityEnabled: spec.portSecurityEnabled,
    allowedAddressPairs: spec.allowedAddressPairs,
    securityGroups: spec.securityGroups,
    adminStateUp: spec.adminStateUp,
  };
}

/** The booted VM named `name`. */
export function bootedVm(cloud: Cloud, step: CloudStep, name: string): Vm {
  for (const v of cloud.vms.values()) if (v.booted && v.name === name) return v;
  throw new CloudStepError(step.index, step.op, `no VM ${name}`);
}

export function boot(cloud: Cloud, step: CloudStep & { readonly op: "boot" }): void {
  for (const v of cloud.vms.values()) if (v.booted && v.name === step.vm) throw new CloudStepError(step.index, step.op, `VM ${step.vm} is already booted`);
  let port: CloudPort;
  const ownsPort = step.newPort !== null;
  if (step.newPort !== null) {
    port = newPort(cloud, step.newPort, step.host ?? cloud.spec.hosts[0]?.name ?? "");
    cloud.server.createPort(port);
  } else {
    const id = step.port ?? "";
    if (cloud.vms.has(id)) throw new CloudStepError(step.index, step.op, `port ${id} is already plugged`);
    port = requirePort(cloud, step, id);
  }
  const host = step.host ?? port.host;
  cloud.server.bindPort(port.id, host, true);
  cloud.deliver();
  const bound = requirePort(cloud, step, port.id);
  const since = plug(cloud, [{ port: bound, name: step.vm, booted: true, ownsPort, vmUuid: cloud.random.uuid4() }]);
  cloud.waitForReports(step, [port.id], since, true);
}

export function deleteVm(cloud: Cloud, step: CloudStep & { readonly op: "delete" }): void {
  const vm = bootedVm(cloud, step, step.vm);
  const since = unplug(cloud, [vm]);
  cloud.waitForReports(step, [vm.portId], since, false);
  if (vm.ownsPort) cloud.server.deletePort(vm.portId);
  else cloud.server.unbindPort(vm.portId);
  cloud.deliver();
}

export function migrate(cloud: Cloud, step: CloudStep & { readonly op: "migrate" }): void {
  const vm = bootedVm(cloud, step, step.vm);
  if (vm.host === step.host) throw new CloudStepError(step.index, step.op, `VM ${vm.name} is already on ${step.host}`);
  const since = unplug(cloud, [vm]);
  cloud.waitForReports(step, [vm.portId], since, false);
  cloud.server.bindPort(vm.portId, step.host, true);
  cloud.deliver();
  const port = requirePort(cloud, step, vm.portId);
  const again = plug(cloud, [{ port, name: vm.name, booted: true, ownsPort: vm.ownsPort, vmUuid: vm.vmUuid }]);
  cloud.waitForReports(step, [vm.portId], again, true);
  const ep = cloud.vms.get(vm.portId)?.endpoint ?? null;
  if (ep !== null) {
    ep.send(buildArp({ src: ep.mac, dst: BROADCAST_MAC }, 1, ep.ip, ep.ip).data());
    cloud.sim.run(); // the announcement reaches every bridge it floods to
  }
}

const BROADCAST_MAC = 0xffffffffffff;
