/**
 * Random event sequences for a cloud, as fast-check commands (model-based
 * testing, `fc.commands`): boot, delete and migrate VMs, set a port
 * admin-down and up, delete a network (its VMs first, as Neutron refuses
 * otherwise; a network is added to a host by the first boot on it),
 * restart an agent, restart a host's OVS, let time pass, and ping between
 * any two VMs (traffic, across networks too: overlapping subnets make a
 * ping to another network's address a tenant-isolation probe).
 *
 * Commands draw plain indices and resolve them against the model when they
 * run (host `i` is `i mod hosts`, ...), so a sequence stays valid when
 * fast-check shrinks the cloud under it. Each command writes its steps in
 * the cloud format and runs them through the run's file (cloud-run.ts),
 * updates the model, and then checks the cloud against the model
 * (model.ts) and, if asked, isolation on the frames of that command.
 */
import fc from "fast-check";
import type { StepJson } from "./cloud-json.js";
import type { CloudRun } from "./cloud-run.js";
import type { CloudModel, ModelVm } from "./model.js";
import { checkModel } from "./model.js";
import { CloudPropertyFailure, unhex } from "./violation.js";
import { checkIsolation } from "./properties.js";
import { traceFrame } from "./frame-trace.js";
import { CLOUD_SUBNETS, GROUP_CHOICES, vmAddress } from "./arbitraries.js";

/** The events `cloudCommands` draws from. */
export const CLOUD_EVENTS = ["boot", "delete", "migrate", "admin", "deleteNetwork", "restartAgent", "restartOvs", "advance", "ping"] as const;
export type CloudEvent = (typeof CLOUD_EVENTS)[number];

/** What commands run against: the run's cloud, whether to check isolation after each command, and a check of the caller's own. */
export interface CloudReal {
  readonly run: CloudRun;
  readonly isolation: boolean;
  /** After each command (and after the file's own steps), once the model and isolation were checked: throw to fail. */
  readonly afterEvent?: (model: CloudModel, run: CloudRun) => void;
}

export type CloudCommand = fc.Command<CloudModel, CloudReal>;

/** Virtual time that lets frames still in flight after a command land (links take microseconds). */
const SETTLE_FRAMES_SECONDS = 0.01;

/**
 * After each command: frames still in flight land (an `advance` step of
 * 10 ms, so the replay file lands them at the same moment), then the model
 * agrees, (if asked) no frame crossed a network, and the caller's own check
 * holds.
 */
export function afterCommand(m: CloudModel, r: CloudReal): void {
  landFrames(r.run);
  r.run.expect("model", checkModel(m, r.run.cloud));
  if (r.isolation) isolationAfter(r);
  if (r.afterEvent === undefined) return;
  try {
    r.afterEvent(m, r.run);
  } catch (e) {
    if (e instanceof CloudPropertyFailure) throw e;
    r.run.fail("afterEvent", [{ check: "afterEvent", message: e instanceof Error ? e.message : String(e) }]);
  }
}

/** Frames still in flight land: an `advance` step of 10 ms, when there are any. */
export function landFrames(run: CloudRun): void {
  if (run.cloud.sim.loop.pending > 0) run.step({ op: "advance", seconds: SETTLE_FRAMES_SECONDS });
}

/** Isolation on the frames received since the last check; a failure comes with the offending frame's trace. */
export function isolationAfter(r: CloudReal): void {
  const found = checkIsolation(r.run.cloud, { cursor: r.run.isolationCursor });
  r.run.expect("isolation", found, () => {
    const v = found.find((x) => x.from !== undefined && x.frame !== undefined);
    const from = v?.from === undefined ? undefined : r.run.cloud.findVm(v.from);
    const to = v?.to === undefined ? undefined : r.run.cloud.findVm(v.to);
    return from === undefined || v?.frame === undefined ? [] : traceFrame(r.run.cloud, from, unhex(v.frame), to?.host ?? null);
  });
}

/**
 * A command: its drawn indices, resolved on the model when it runs. It
 * prints as drawn (`Migrate(vm=1,host=0)`): the steps it becomes depend
 * on the run (the failure's replay file has them).
 */
abstract class StepsCommand implements CloudCommand {
  abstract check(m: Readonly<CloudModel>): boolean;
  /** The steps of this command on model `m`, which it updates. */
  protected abstract steps(m: CloudModel): StepJson[];
  /** The drawn values, for toString. */
  protected abstract drawn(): string;
  run(m: CloudModel, r: CloudReal): void {
    for (const s of this.steps(m)) r.run.step(s);
    afterCommand(m, r);
  }
  toString(): string {
    return `${this.constructor.name}(${this.drawn()})`;
  }
}

function pick<T>(xs: readonly T[], i: number): T | undefined {
  return xs.length === 0 ? undefined : xs[i % xs.length];
}

class Boot extends StepsCommand {
  constructor(readonly host: number, readonly net: number, readonly groups: number) {
    super();
  }
  protected drawn(): string {
    return `host=${this.host},net=${this.net},groups=${this.groups}`;
  }
  check(m: Readonly<CloudModel>): boolean {
    return m.vms.length < m.maxVms && m.liveNets().length > 0;
  }
  protected steps(m: CloudModel): StepJson[] {
    const net = pick(m.liveNets(), this.net) ?? 0;
    const host = this.host % m.hostCount;
    const vm: ModelVm = { name: m.newVmName(), host, net, up: true };
    m.vms.push(vm);
    const groups = GROUP_CHOICES[this.groups % GROUP_CHOICES.length] ?? [];
    const address = vmAddress(m.file.networks[net]?.subnet?.cidr ?? CLOUD_SUBNETS[0], m.bootOn(net));
    return [{ op: "boot", vm: vm.name, host: m.hostName(host), network_id: m.netId(net), fixed_ips: [address], ...(groups.length > 0 ? { security_groups: groups } : {}) }];
  }
}

/** A command on one existing VM (drawn as an index into the model's VMs). */
abstract class VmCommand extends StepsCommand {
  constructor(readonly vm: number) {
    super();
  }
  protected drawn(): string {
    return `vm=${this.vm}`;
  }
  check(m: Readonly<CloudModel>): boolean {
    return m.vms.length > 0;
  }
  protected steps(m: CloudModel): StepJson[] {
    const vm = pick(m.vms, this.vm);
    return vm === undefined ? [] : this.stepsFor(vm, m);
  }
  /** The steps on `vm`, updating the model. */
  protected abstract stepsFor(vm: ModelVm, m: CloudModel): StepJson[];
}

class Delete extends VmCommand {
  protected stepsFor(vm: ModelVm, m: CloudModel): StepJson[] {
    m.vms = m.vms.filter((v) => v !== vm);
    return [{ op: "delete", vm: vm.name }];
  }
}

class Migrate extends VmCommand {
  constructor(vm: number, readonly host: number) {
    super(vm);
  }
  protected override drawn(): string {
    return `vm=${this.vm},host=${this.host}`;
  }
  override check(m: Readonly<CloudModel>): boolean {
    return m.vms.length > 0 && m.hostCount > 1;
  }
  protected stepsFor(vm: ModelVm, m: CloudModel): StepJson[] {
    vm.host = (vm.host + 1 + (this.host % (m.hostCount - 1))) % m.hostCount;
    return [{ op: "migrate", vm: vm.name, host: m.hostName(vm.host) }];
  }
}

class Admin extends VmCommand {
  protected stepsFor(vm: ModelVm): StepJson[] {
    vm.up = !vm.up;
    return [{ op: "update_port", port: vm.name, admin_state_up: vm.up }];
  }
}

class DeleteNetwork extends StepsCommand {
  constructor(readonly net: number) {
    super();
  }
  protected drawn(): string {
    return `net=${this.net}`;
  }
  check(m: Readonly<CloudModel>): boolean {
    return m.liveNets().length > 0;
  }
  protected steps(m: CloudModel): StepJson[] {
    const net = pick(m.liveNets(), this.net);
    if (net === undefined) return [];
    const gone = m.vms.filter((v) => v.net === net);
    m.vms = m.vms.filter((v) => v.net !== net);
    m.deletedNets.add(net);
    return [...gone.map((v): StepJson => ({ op: "delete", vm: v.name })), { op: "delete_network", network_id: m.netId(net) }];
  }
}

class Restart extends StepsCommand {
  constructor(readonly what: "restart_agent" | "restart_ovs", readonly host: number) {
    super();
  }
  protected drawn(): string {
    return `${this.what},host=${this.host}`;
  }
  check(): boolean {
    return true;
  }
  protected steps(m: CloudModel): StepJson[] {
    return [{ op: this.what, host: m.hostName(this.host % m.hostCount) }];
  }
}

class Advance extends StepsCommand {
  constructor(readonly seconds: number) {
    super();
  }
  protected drawn(): string {
    return `seconds=${this.seconds}`;
  }
  check(): boolean {
    return true;
  }
  protected steps(): StepJson[] {
    return [{ op: "advance", seconds: this.seconds }];
  }
}

class Ping extends StepsCommand {
  constructor(readonly from: number, readonly to: number) {
    super();
  }
  protected drawn(): string {
    return `from=${this.from},to=${this.to}`;
  }
  check(m: Readonly<CloudModel>): boolean {
    return m.vms.length > 1;
  }
  protected steps(m: CloudModel): StepJson[] {
    const from = pick(m.vms, this.from);
    const others = m.vms.filter((v) => v !== from);
    const to = pick(others, this.to);
    if (from === undefined || to === undefined) return [];
    return [{ op: "ping", from: from.name, to: to.name }];
  }
}

/** The arbitrary of one command of each event kind. */
function eventArbitrary(kind: CloudEvent): fc.Arbitrary<CloudCommand> {
  const n = fc.nat(7);
  switch (kind) {
    case "boot":
      return fc.tuple(n, n, fc.nat(2)).map(([h, net, g]) => new Boot(h, net, g));
    case "delete":
      return n.map((v) => new Delete(v));
    case "migrate":
      return fc.tuple(n, n).map(([v, h]) => new Migrate(v, h));
    case "admin":
      return n.map((v) => new Admin(v));
    case "deleteNetwork":
      return n.map((i) => new DeleteNetwork(i));
    case "restartAgent":
      return n.map((h) => new Restart("restart_agent", h));
    case "restartOvs":
      return n.map((h) => new Restart("restart_ovs", h));
    case "advance":
      return fc.constantFrom(1, 30, 301).map((s) => new Advance(s));
    case "ping":
      return fc.tuple(n, n).map(([a, b]) => new Ping(a, b));
    default: {
      const never: never = kind;
      throw new Error(`unknown event ${String(never)}`);
    }
  }
}

export interface CloudCommandsOptions {
  /** At most this many commands (default 6). */
  readonly maxCommands?: number;
  /** The events to draw from (default all of CLOUD_EVENTS); boots come three times and pings twice as often as each other event. */
  readonly events?: readonly CloudEvent[];
}

/** Random event sequences for `fc.modelRun` over a CloudModel and a CloudReal (runner.ts does it). */
export function cloudCommands(options: CloudCommandsOptions = {}): fc.Arbitrary<Iterable<CloudCommand>> {
  const events = options.events ?? CLOUD_EVENTS;
  const weighted = events.map((e) => ({ weight: e === "boot" ? 3 : e === "ping" ? 2 : 1, arbitrary: eventArbitrary(e) }));
  return fc.commands([fc.oneof(...weighted)], { maxCommands: options.maxCommands ?? 6 });
}
