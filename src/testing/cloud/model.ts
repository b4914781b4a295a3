/**
 * The model of model-based cloud testing: which VMs exist, on which host
 * and network, up or admin-down, and which networks are gone. Commands
 * (commands.ts) change it as they change the cloud; `checkModel` compares
 * the two after each command: the cloud's booted VMs and their hosts are the
 * model's, and the server has every port ACTIVE (DOWN when admin-down), as
 * the agents reported them.
 */
import type { Cloud } from "../../cloud/cloud.js";
import type { CloudFileJson, StepJson } from "./cloud-json.js";
import type { CloudViolation } from "./violation.js";

export interface ModelVm {
  readonly name: string;
  /** Index into the file's hosts. */
  host: number;
  /** Index into the file's networks. */
  readonly net: number;
  up: boolean;
}

export class CloudModel {
  readonly file: CloudFileJson;
  /** At most this many VMs at once (boot is not offered beyond). */
  readonly maxVms: number;
  vms: ModelVm[] = [];
  /** Networks deleted (indices into the file's networks). */
  readonly deletedNets = new Set<number>();
  /** VMs booted so far (names are vm0, vm1, ..., never used twice in a run). */
  private booted = 0;
  private readonly named = new Set<string>();
  /** Per network, the VMs booted on it so far (their addresses: arbitraries.ts vmAddress). */
  private readonly bootedOn = new Map<number, number>();

  constructor(file: CloudFileJson, maxVms: number) {
    this.file = file;
    this.maxVms = maxVms;
  }

  get hostCount(): number {
    return this.file.hosts.length;
  }

  /** The networks not deleted, as indices. */
  liveNets(): number[] {
    return this.file.networks.map((_, i) => i).filter((i) => !this.deletedNets.has(i));
  }

  /** A VM name not used yet in this run: vm0, vm1, ... */
  newVmName(): string {
    let name = `vm${this.booted++}`;
    while (this.named.has(name)) name = `vm${this.booted++}`;
    this.named.add(name);
    return name;
  }

  /** Counts a boot on network `net`; returns how many came before it there. */
  bootOn(net: number): number {
    const k = this.bootedOn.get(net) ?? 0;
    this.bootedOn.set(net, k + 1);
    return k;
  }

  /**
   * The model of a file's own `boot` steps (a VM on a network, on a host),
   * which the runner runs before the commands; null for any other step,
   * which the model cannot follow.
   */
  followStep(step: StepJson): ModelVm | null {
    if (step.op !== "boot" || typeof step["vm"] !== "string" || typeof step["network_id"] !== "string") return null;
    const host = typeof step["host"] === "string" ? this.file.hosts.findIndex((h) => h.name === step["host"]) : 0;
    const net = this.file.networks.findIndex((n) => n.id === step["network_id"]);
    if (host < 0 || net < 0) return null;
    const vm: ModelVm = { name: step["vm"], host, net, up: step["admin_state_up"] !== false };
    this.named.add(vm.name);
    this.bootOn(net);
    this.vms.push(vm);
    return vm;
  }

  hostName(i: number): string {
    return this.file.hosts[i]?.name ?? "";
  }

  netId(i: number): string {
    return this.file.networks[i]?.id ?? "";
  }
}

/** Where the cloud disagrees with the model. */
export function checkModel(model: CloudModel, cloud: Cloud): CloudViolation[] {
  const out: CloudViolation[] = [];
  const say = (message: string): void => {
    out.push({ check: "model", message });
  };
  const booted = new Map([...cloud.vms.values()].filter((v) => v.booted).map((v) => [v.name, v]));
  for (const m of model.vms) {
    const vm = booted.get(m.name);
    if (vm === undefined) {
      say(`${m.name} should be plugged on ${model.hostName(m.host)}, and is not`);
      continue;
    }
    booted.delete(m.name);
    if (vm.host !== model.hostName(m.host)) say(`${m.name} is on ${vm.host}, not ${model.hostName(m.host)}`);
    const port = cloud.server.port(vm.portId);
    if (port?.networkId !== model.netId(m.net)) say(`${m.name}'s port is on ${port?.networkId ?? "no network"}, not ${model.netId(m.net)}`);
    const status = cloud.server.status(vm.portId);
    const want = m.up ? "ACTIVE" : "DOWN";
    if (status !== want) say(`${m.name}'s port is ${status ?? "unknown"}, not ${want}`);
    if (cloud.server.bindingHost(vm.portId) !== model.hostName(m.host)) say(`${m.name}'s port is bound to ${cloud.server.bindingHost(vm.portId) ?? "no host"}, not ${model.hostName(m.host)}`);
  }
  for (const name of booted.keys()) say(`${name} is plugged but should not exist`);
  for (const i of model.deletedNets) if (cloud.server.network(model.netId(i)) !== undefined) say(`network ${model.netId(i)} should be deleted`);
  return out;
}
