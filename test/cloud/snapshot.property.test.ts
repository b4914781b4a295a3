/**
 * The snapshot property (issue 14): save → JSON → load → continue prints
 * exactly what continuing prints.
 *
 * A run: a random cloud (cloudFileArbitrary: one to three hosts, any
 * network type, the openvswitch firewall or not, l2pop or not, netdev or
 * kernel datapaths) and a random event sequence (cloudCommands: boots,
 * deletes, migrations, admin down/up, network deletes, agent and OVS
 * restarts, time passing, pings) are first run once to write the
 * sequence's steps down (the commands draw against the model as they go).
 * Then the steps, with a dump of every host (flows with their counters and
 * ages, the MAC tables, the datapath's flows and conntrack, the ports'
 * counters) right after a drawn split point and at the end, run twice:
 * - on one cloud, start to end (the reference);
 * - on a cloud up to the split, saved, `JSON.stringify`, `JSON.parse`,
 *   loaded, and on the loaded cloud from the split to the end.
 * What the two print (stdout and stderr, in order) must be equal, and so
 * must the snapshots of the two clouds at the end: the state, not only
 * what the dumps show (the object graphs compared as values:
 * snapshot-support.ts). A split where frames are still in flight cannot be
 * saved (the snapshot refuses): the split moves to the next step where the
 * loop is idle.
 *
 * Teeth: the last test plants a forgotten field — each host's seeded
 * stream put back at its start instead of its position — and fast-check
 * finds a sequence where the outputs differ (an agent restarted after the
 * split draws its bridges' cookies again).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCloudFile } from "../../src/cloud/cloud-file.js";
import type { Cloud } from "../../src/cloud/cloud.js";
import { createCloud } from "../../src/cloud/cloud.js";
import type { CloudStep } from "../../src/cloud/cloud-types.js";
import { loadCloud } from "../../src/cloud/load-cloud.js";
import { SeededRandom } from "../../src/cloud/seeded-random.js";
import type { CloudSnapshot } from "../../src/cloud/snapshot.js";
import { SnapshotError } from "../../src/vswitchd/snapshot.js";
import type { CloudCommand, CloudFileJson, StepJson } from "../../src/testing/cloud/index.js";
import { afterCommand, cloudCommands, cloudFileArbitrary, CloudModel, CloudRun } from "../../src/testing/cloud/index.js";
import { propertyRuns, propertyTimeout } from "../../src/testing/runs.js";
import { stateText } from "./snapshot-support.js";

/** What a dump shows of a host: every bridge's flows and ports, the MAC tables, the datapath. */
function dumpSteps(cloud: Cloud): StepJson[] {
  return cloud.spec.hosts.map((h) => {
    const sw = cloud.switchOf(h.name);
    const commands = sw.bridgeNames().flatMap((br) => [`ovs-ofctl dump-flows ${br}`, `ovs-ofctl dump-ports ${br}`, `ovs-appctl fdb/show ${br}`]);
    return { op: "run", host: h.name, commands: [...commands, "ovs-appctl dpctl/dump-flows", "ovs-appctl dpctl/dump-conntrack", "ovs-vsctl show"] };
  });
}

/** The event sequence's steps, as the file writes them: the commands run once against their model. */
function writeDown(file: CloudFileJson, commands: Iterable<CloudCommand>): { steps: StepJson[]; dump: StepJson[] } {
  const run = new CloudRun(file);
  const model = new CloudModel(file, 4);
  for (const s of file.steps) {
    model.followStep(s);
    run.step(s);
  }
  const real = { run, isolation: false };
  afterCommand(model, real);
  fc.modelRun(() => ({ model, real }), commands);
  return { steps: run.steps, dump: dumpSteps(run.cloud) };
}

interface Outcome {
  readonly stdout: readonly string[];
  readonly stderr: readonly string[];
  readonly end: string;
  /** Where the cloud was saved (steps run before). */
  readonly savedAt: number;
}

/** Runs `steps` on one cloud (the reference). */
function straight(spec: ReturnType<typeof parseCloudFile>, steps: readonly CloudStep[]): Outcome {
  const c = createCloud(spec);
  c.run(steps);
  return { stdout: c.stdout, stderr: c.stderr, end: stateText(c.saveSnapshot()), savedAt: -1 };
}

/** Runs `steps[0..split)`, saves (at the first idle point from `split`), loads from the JSON text, runs the rest on the loaded cloud. */
function broken(spec: ReturnType<typeof parseCloudFile>, steps: readonly CloudStep[], split: number, plant: (s: CloudSnapshot) => CloudSnapshot): Outcome {
  const a = createCloud(spec);
  let at = 0;
  let snapshot: CloudSnapshot | null = null;
  for (; at <= steps.length; at++) {
    if (at >= split) {
      try {
        snapshot = a.saveSnapshot();
        break;
      } catch (e) {
        if (!(e instanceof SnapshotError) || !e.message.includes("pending")) throw e;
      }
    }
    const s = steps[at];
    if (s !== undefined) a.run([s]);
  }
  if (snapshot === null) throw new Error("no idle point to save at");
  const b = loadCloud(JSON.parse(JSON.stringify(plant(snapshot))) as unknown);
  b.run(steps.slice(at));
  return { stdout: [...a.stdout, ...b.stdout], stderr: [...a.stderr, ...b.stderr], end: stateText(b.saveSnapshot()), savedAt: at };
}

/** The property: a drawn cloud, sequence and split point; `plant` changes the snapshot between save and load (identity: none). */
function snapshotProperty(plant: (s: CloudSnapshot) => CloudSnapshot, maxCommands: number) {
  return fc.property(cloudFileArbitrary({ maxHosts: 3, initialVms: 2 }), cloudCommands({ maxCommands }), fc.double({ min: 0, max: 1, noNaN: true }), (file, commands, where) => {
    const { steps, dump } = writeDown(file, commands);
    const split = Math.floor(where * (steps.length + 1));
    const all: StepJson[] = [...steps.slice(0, split), ...dump, ...steps.slice(split), { op: "ping_all" }, ...dump, { op: "advance", seconds: 0.01 }];
    const spec = parseCloudFile({ ...file, steps: all });
    const typed = spec.steps;
    const ref = straight({ ...spec, steps: [] }, typed);
    const got = broken({ ...spec, steps: [] }, typed, split, plant);
    expect(got.stdout).toEqual(ref.stdout);
    expect(got.stderr).toEqual(ref.stderr);
    expect(got.end).toEqual(ref.end);
  });
}

describe("cloud snapshots: save → JSON → load → continue prints what continuing prints", () => {
  it("on random clouds and event sequences, split anywhere", { timeout: propertyTimeout(240_000) }, () => {
    fc.assert(snapshotProperty((s) => s, 6), { numRuns: propertyRuns(12) });
  });

  it("has teeth: a snapshot that forgets the hosts' stream positions is caught", { timeout: propertyTimeout(240_000) }, () => {
    // The plant: each host's stream put back where it started (as a snapshot that did not save it would).
    const forgetStreams = (s: CloudSnapshot): CloudSnapshot => ({
      ...s,
      hosts: Object.fromEntries(s.spec.hosts.map((h, i) => [h.name, { ...s.hosts[h.name]!, random: SeededRandom.stream(s.spec.seed, i).position }])),
    });
    const restartAfterSplit = cloudFileArbitrary({ minHosts: 1, maxHosts: 1, initialVms: 1 });
    const found = fc.check(
      fc.property(restartAfterSplit, (file) => {
        const steps: StepJson[] = [{ op: "restart_agent" }];
        const spec = parseCloudFile({ ...file, steps: [...steps, ...dumpSteps(createCloud({ ...file, steps: [] }))] });
        const ref = straight({ ...spec, steps: [] }, spec.steps);
        const got = broken({ ...spec, steps: [] }, spec.steps, 0, forgetStreams);
        expect(got.stdout).toEqual(ref.stdout);
      }),
      { numRuns: 3 },
    );
    expect(found.failed).toBe(true);
  });
});
