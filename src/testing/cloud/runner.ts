/**
 * Cloud properties in one call: a random cloud (arbitraries.ts), a random
 * event sequence run against it and a model (commands.ts, model.ts), and
 * the checks of properties.ts, with a failure that replays.
 *
 *   fc.assert(cloudProperty({ maxHosts: 3 }), { numRuns: propertyRuns(100) });   // src/testing/runs.ts
 *
 * One run: the cloud starts and the file's own boot steps run; each
 * command runs its steps and is checked against the model and for
 * isolation; then, in this order, the checks asked for (default all):
 * - reachability: every pair that should reach pings (written in the
 *   replay file as a `ping_all` step, which pings the same pairs in the
 *   same order);
 * - no storms: a broadcast from each VM (written as `ping` steps to an
 *   address nobody has); isolation is checked once more after this traffic;
 * - learned flows expire: `quietSeconds` of quiet (written as an
 *   `advance` step), then no learned flow left;
 * - no leaks: every VM and network deleted, step by step, then the flows
 *   equal the cloud's own right after start-up (or a fresh cloud's with
 *   the `reference` agent).
 * A failed check throws CloudPropertyFailure (violation.ts): the replay
 * file ends with steps that show the failure (`ping` with `expect: "ok"` and a `trace`, for
 * reachability) and the trace of the offending packet comes with it.
 * fast-check shrinks the cloud and the events, and reports the error of
 * the smallest failing run: its replay file is the counterexample.
 */
import fc from "fast-check";
import type { AgentFactory } from "../../cloud/agent-factory.js";
import { parseCloudFile } from "../../cloud/cloud-file.js";
import type { CloudArbitraryOptions } from "./arbitraries.js";
import { cloudFileArbitrary } from "./arbitraries.js";
import type { CloudFileJson, StepJson } from "./cloud-json.js";
import { CloudRun } from "./cloud-run.js";
import type { CloudCommand, CloudCommandsOptions, CloudReal } from "./commands.js";
import { afterCommand, cloudCommands, isolationAfter, landFrames } from "./commands.js";
import { traceFrame } from "./frame-trace.js";
import { CloudModel } from "./model.js";
import { checkLearnedFlowsExpire, checkNoLeaks, checkNoStorms, checkReachability } from "./properties.js";
import type { CloudCheckName } from "./violation.js";
import { unhex } from "./violation.js";

/** The checks a property run makes (besides the model, always checked). */
export const CLOUD_CHECKS: readonly CloudCheckName[] = ["isolation", "reachability", "noStorms", "learnedFlowsExpire", "noLeaks"];

export interface CloudScenarioOptions {
  /** Each host's agent (default the ported Neutron agent): plug your own, or plant a bug. */
  readonly agent?: AgentFactory;
  /** The agent of a fresh cloud `noLeaks` compares with (default: the run's own agents, as they were right after start-up). */
  readonly reference?: AgentFactory;
  /** The checks to make (default CLOUD_CHECKS). */
  readonly checks?: readonly CloudCheckName[];
  /** At most this many VMs at once (default 4). */
  readonly maxVms?: number;
  /** A check of your own after each event (and after the file's own steps), e.g. on the agents' state: throw to fail. */
  readonly afterEvent?: (model: CloudModel, run: CloudRun) => void;
  /** The quiet time before `learnedFlowsExpire` looks (default 301 s: Neutron's learned flows have hard_timeout=300). */
  readonly quietSeconds?: number;
}

export interface CloudPropertyOptions extends CloudScenarioOptions, CloudArbitraryOptions, CloudCommandsOptions {
  /** The clouds to run (default `cloudFileArbitrary(options)`). */
  readonly file?: fc.Arbitrary<CloudFileJson>;
}

/** The `trace` step from `from` to `to` run on the live cloud, without recording it: what it prints. */
function traceStep(run: CloudRun, from: string, to: string): string[] {
  const json: StepJson = { op: "trace", from, to };
  const spec = parseCloudFile(run.replay([json]));
  const step = spec.steps[spec.steps.length - 1];
  const before = run.cloud.stdout.length;
  if (step === undefined) return [];
  try {
    run.cloud.step(step);
  } catch (e) {
    return [...run.cloud.stdout.slice(before), `(trace failed: ${e instanceof Error ? e.message : String(e)})`];
  }
  return run.cloud.stdout.slice(before);
}

/** One run: `file`, then `commands`, then the end checks (see the file comment). Throws CloudPropertyFailure. */
export function runCloudScenario(file: CloudFileJson, commands: Iterable<CloudCommand>, options: CloudScenarioOptions = {}): void {
  const checks = new Set(options.checks ?? CLOUD_CHECKS);
  const run = new CloudRun(file, options.agent === undefined ? {} : { agent: options.agent });
  const model = new CloudModel(file, options.maxVms ?? 4);
  const real: CloudReal = { run, isolation: checks.has("isolation"), ...(options.afterEvent === undefined ? {} : { afterEvent: options.afterEvent }) };
  for (const s of file.steps) {
    if (model.followStep(s) === null) throw new TypeError(`runCloudScenario: the model follows only a file's boot steps (VM, host, network_id), not ${JSON.stringify(s)}`);
    run.step(s);
  }
  afterCommand(model, real);
  fc.modelRun(() => ({ model, real }), commands);
  const cloud = run.cloud;

  if (checks.has("reachability")) {
    const found = checkReachability(cloud);
    run.steps.push({ op: "ping_all" });
    const v = found[0];
    if (v?.from !== undefined && v.to !== undefined) {
      run.fail("reachability", found, traceStep(run, v.from, v.to), [
        { op: "ping", from: v.from, to: v.to, expect: "ok" },
        { op: "trace", from: v.from, to: v.to },
      ]);
    }
  }
  if (checks.has("noStorms")) {
    const found = checkNoStorms(cloud, { onBroadcast: (from, to) => run.steps.push({ op: "ping", from: from.name, to }) });
    // The storm check's broadcasts come from every VM: they cross networks if anything does.
    if (real.isolation) isolationAfter(real);
    run.expect("noStorms", found, () => {
      const v = found.find((x) => x.from !== undefined && x.frame !== undefined);
      const from = v?.from === undefined ? undefined : cloud.findVm(v.from);
      const to = v?.to === undefined ? undefined : cloud.findVm(v.to);
      return from === undefined || v?.frame === undefined ? [] : traceFrame(cloud, from, unhex(v.frame), to?.host ?? null);
    });
  } else if (real.isolation) {
    landFrames(run);
    isolationAfter(real);
  }
  if (checks.has("learnedFlowsExpire")) {
    const seconds = options.quietSeconds ?? 301;
    run.steps.push({ op: "advance", seconds });
    run.expect("learnedFlowsExpire", checkLearnedFlowsExpire(cloud, seconds));
  }
  if (checks.has("noLeaks")) {
    for (const vm of model.vms) run.step({ op: "delete", vm: vm.name });
    model.vms = [];
    for (const net of model.liveNets()) run.step({ op: "delete_network", network_id: model.netId(net) });
    run.expect("noLeaks", checkNoLeaks(cloud, options.reference === undefined ? { fresh: run.startFlows } : { reference: options.reference }));
  }
}

/** A fast-check property over random clouds and event sequences (see the file comment). */
export function cloudProperty(options: CloudPropertyOptions = {}): fc.IPropertyWithHooks<[CloudFileJson, Iterable<CloudCommand>]> {
  const files = options.file ?? cloudFileArbitrary(options);
  return fc.property(files, cloudCommands(options), (file, commands) => {
    runCloudScenario(file, commands, options);
  });
}
