/**
 * The playground's state, without the DOM: one lesson's switch (or cloud),
 * the student's flow edits, traces, sent packets, booted VMs. The page
 * (main.ts) draws it; the Node tests (test/playground) drive the same class,
 * so what the page shows is what the library computes, nothing re-derived.
 *
 * - A script lesson runs its script (`runScript`, what `ovsim run` does) on
 *   a new Switch; a cloud lesson runs its cloud file (`createCloud`, the
 *   Neutron agent on every host) and the student looks at one host. The
 *   cloud modules are imported on demand (`Session.open`), so the page's
 *   first bundle holds the switch and the tools, not the agent.
 * - Flow edits replace a bridge's flows (del-flows, then one add-flow per
 *   line). A refused line is reported at its position and the bridge keeps
 *   its previous flows: an edit is applied whole or not at all.
 * - `trace` is ofproto/trace without side effects; `send` hands the packet to
 *   its port (`Switch.receive`): the datapath misses and upcalls the first
 *   time, then hits the megaflow it installed; the rule counters that moved
 *   are reported.
 */
import type { Cloud } from "../../src/cloud/cloud.js";
import { formatTraceFlow } from "../../src/actions/xlate/xlate-trace-format.js";
import { flowCompose } from "../../src/datapath/packet/compose.js";
import { packetFromHex } from "../../src/datapath/packet/packet.js";
import { flowOfPacket } from "../../src/datapath/packet/packet-flow.js";
import { FlowParseError, OpenFlowError } from "../../src/flowtable/errors.js";
import { runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import type { Trace } from "../../src/vswitchd/trace.js";
import { parseTraceFlow } from "../../src/vswitchd/trace.js";
import { FlowModError } from "../../src/vswitchd/flow-mod-text.js";
import type { Lesson, LessonPacket } from "./lessons/lesson.js";

/** What a session needs of src/cloud, imported on demand. */
interface CloudLib {
  readonly createCloud: typeof import("../../src/cloud/cloud.js").createCloud;
  readonly parseCloudFile: typeof import("../../src/cloud/cloud-file.js").parseCloudFile;
}

/** A refused line of a flow edit: 1-based line and column, and OVS's words. */
export interface FlowEditError {
  readonly line: number;
  readonly column: number;
  readonly length: number;
  readonly message: string;
}

/** A rule counter that moved when a packet was sent. */
export interface CounterChange {
  readonly bridge: string;
  readonly table: number;
  readonly flow: string;
  readonly before: number;
  readonly after: number;
}

export interface SendResult {
  /** The datapath found a megaflow (no upcall). */
  readonly hit: boolean;
  readonly counters: readonly CounterChange[];
  /** Flows that appeared (learn) or went. */
  readonly added: readonly string[];
}

/** A flow editor's text for a bridge: its `dump-flows --no-stats` lines (add-flow reads them back). */
export function flowLines(sw: Switch, bridge: string): string {
  return sw
    .dumpFlows(bridge)
    .map((f) => f.text)
    .join("\n");
}

function snapshot(sw: Switch, bridges: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const b of bridges) for (const f of sw.dumpFlows(b)) out.set(`${b}\u0000${f.tableId}\u0000${f.priority}\u0000${f.match}\u0000${f.actions}`, f.nPackets);
  return out;
}

export class Session {
  readonly lesson: Lesson;
  readonly cloud: Cloud | null;
  /** The host looked at (cloud lessons). */
  host: string;
  private readonly scriptSwitch: Switch | null;
  /** Lines a cloud printed (boot, ping). */
  readonly log: string[] = [];
  /** The cloud steps the student ran (boot, ping), in order. */
  readonly studentSteps: Record<string, unknown>[] = [];

  /** The cloud modules (loaded on demand: the page fetches the agent and the cloud only for cloud lessons). */
  private readonly cloudLib: CloudLib | null;

  /** A lesson's session: its script run on a new switch, or its cloud file run (the cloud modules imported first). */
  static async open(lesson: Lesson): Promise<Session> {
    if (lesson.cloud === undefined) return new Session(lesson, null);
    const [cloud, file] = await Promise.all([import("../../src/cloud/cloud.js"), import("../../src/cloud/cloud-file.js")]);
    return new Session(lesson, { createCloud: cloud.createCloud, parseCloudFile: file.parseCloudFile });
  }

  private constructor(lesson: Lesson, cloudLib: CloudLib | null) {
    this.lesson = lesson;
    this.cloudLib = cloudLib;
    if (lesson.cloud !== undefined) {
      if (cloudLib === null) throw new Error(`lesson ${lesson.id} is a cloud lesson: open it with Session.open`);
      this.cloud = cloudLib.createCloud(cloudLib.parseCloudFile(lesson.cloud), { stdout: (l) => this.log.push(l), stderr: (l) => this.log.push(l) });
      const r = this.cloud.run();
      if (!r.ok) throw new Error(`lesson ${lesson.id}: its cloud's steps ${r.failedSteps.join(", ")} failed:\n${this.log.join("\n")}`);
      this.host = lesson.packet.host ?? this.cloud.spec.hosts[0]?.name ?? "";
      this.scriptSwitch = null;
    } else {
      this.cloud = null;
      this.host = "";
      this.scriptSwitch = new Switch();
      const out = runScript(lesson.script ?? "", this.scriptSwitch);
      if (!out.ok) throw new Error(`lesson ${lesson.id}: ${out.lines.flatMap((l) => l.result.stderr).join("\n")}`);
    }
  }

  hosts(): string[] {
    return this.cloud === null ? [] : this.cloud.spec.hosts.map((h) => h.name);
  }

  get sw(): Switch {
    return this.cloud === null ? (this.scriptSwitch as Switch) : this.cloud.switchOf(this.host);
  }

  /** The lesson's bridges that exist on the current host. */
  bridges(): string[] {
    const have = new Set(this.sw.bridgeNames());
    return this.lesson.bridges.filter((b) => have.has(b));
  }

  /** `{port:VM}`, `{mac:VM}`, `{ip:VM}` of a cloud lesson's flow, resolved. */
  resolve(flow: string): string {
    return flow.replace(/\{(port|mac|ip):([^}]+)\}/g, (whole, what: string, vmName: string) => {
      const vm = this.cloud?.findVm(vmName);
      const port = vm === undefined ? undefined : this.cloud?.server.port(vm.portId);
      if (port === undefined) throw new RangeError(`${whole}: no VM ${vmName}`);
      if (what === "port") return port.name;
      if (what === "mac") return port.mac;
      const ip = port.fixedIps.find((a) => !a.includes(":"));
      if (ip === undefined) throw new RangeError(`${whole}: ${vmName} has no IPv4 address`);
      return ip;
    });
  }

  /** Replaces `bridge`'s flows by `text` (one flow a line; blank lines and # comments skipped), or nothing and the errors. */
  applyFlows(bridge: string, text: string): FlowEditError[] {
    const sw = this.sw;
    const before = sw.dumpFlows(bridge).map((f) => f.text);
    sw.deleteFlows(bridge);
    const errors: FlowEditError[] = [];
    text.split("\n").forEach((raw, i) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#")) return;
      try {
        sw.addFlow(bridge, line);
      } catch (e) {
        errors.push(editError(raw, i + 1, e));
      }
    });
    if (errors.length > 0) {
      sw.deleteFlows(bridge);
      for (const l of before) sw.addFlow(bridge, l);
    }
    return errors;
  }

  /** The packet's flow: the lesson's (placeholders resolved), or the flow of hex bytes received on `inPort`. */
  packetFlow(p: LessonPacket | { readonly bridge: string; readonly inPort: string; readonly hex: string }): string {
    if ("flow" in p) return this.resolve(p.flow);
    const hex = packetFromHex(p.hex);
    if (!hex.ok) throw new RangeError(hex.error);
    const key = parseTraceFlow(this.sw, p.bridge, `in_port=${p.inPort}`);
    return formatTraceFlow(flowOfPacket(hex.packet, key, this.sw.vlanLimit()));
  }

  /** ofproto/trace of `flow` on `bridge` (no side effects). */
  trace(bridge: string, flow: string): Trace {
    return this.sw.trace(bridge, flow);
  }

  /** Sends the packet of `flow` into its in_port through the datapath. */
  send(bridge: string, flow: string): SendResult {
    const sw = this.sw;
    const key = parseTraceFlow(sw, bridge, flow);
    const inPort = key[0]! & 0xffff;
    const port = sw.ports(bridge).find((p) => p.ofport === inPort);
    if (port === undefined) throw new RangeError(`in_port ${inPort}: no such port on ${bridge}`);
    const dp = sw.ofproto(bridge)?.datapath;
    const hits = dp?.nHit ?? 0;
    const bridges = sw.bridgeNames();
    const was = snapshot(sw, bridges);
    sw.receive(port.name, flowCompose(key).data());
    if (this.cloud !== null) this.cloud.deliver();
    const now = snapshot(sw, bridges);
    const counters: CounterChange[] = [];
    const added: string[] = [];
    for (const [k, n] of now) {
      const [b = "", table = "0", priority = "", match = "", actions = ""] = k.split("\u0000");
      const flow = `priority=${priority}${match === "" ? "" : `,${match}`} actions=${actions}`;
      const old = was.get(k);
      if (old === undefined) added.push(`${b} table=${table}, ${flow}`);
      else if (old !== n) counters.push({ bridge: b, table: Number(table), flow, before: old, after: n });
    }
    return { hit: (dp?.nHit ?? 0) > hits, counters, added };
  }

  /** Cloud lessons: boots VM `vm` on `host` on the lesson's first network; the lines the cloud printed. */
  boot(vm: string, host: string): string[] {
    return this.runStep({ op: "boot", vm, host, network_id: this.firstNetwork() });
  }

  /** Cloud lessons: `count` pings from VM `from` to VM (or address) `to`; the lines printed. */
  ping(from: string, to: string, count = 1): string[] {
    return this.runStep({ op: "ping", from, to, count });
  }

  private firstNetwork(): string {
    const id = this.cloud?.spec.networks[0]?.id;
    if (id === undefined) throw new RangeError("this lesson has no cloud network");
    return id;
  }

  /** Runs one cloud step (boot, ping: the cloud file's JSON form) after those already run; the lines it printed. */
  runStep(step: Record<string, unknown>): string[] {
    const cloud = this.cloud;
    const lib = this.cloudLib;
    if (cloud === null || lib === null) throw new RangeError("only a cloud lesson boots VMs and pings");
    // The file's checks resolve VM names against earlier boot steps: parse the step after all that ran.
    const base = this.lesson.cloud as { readonly steps?: readonly unknown[] };
    const doc = { ...(this.lesson.cloud as Record<string, unknown>), steps: [...(base.steps ?? []), ...this.studentSteps, step] };
    const parsed = lib.parseCloudFile(doc).steps.at(-1);
    if (parsed === undefined) return [];
    const from = this.log.length;
    const ok = cloud.step(parsed);
    if (ok || step["op"] !== "boot") this.studentSteps.push(step);
    return this.log.slice(from);
  }
}

/** A refused flow line as an editor error: at the token OVS names, else at the actions or the line's start. */
export function editError(raw: string, line: number, e: unknown): FlowEditError {
  if (e instanceof FlowParseError) {
    const token = e.token ?? "";
    const at = token === "" ? -1 : raw.indexOf(token);
    return { line, column: at < 0 ? 1 : at + 1, length: at < 0 ? raw.trimEnd().length : Math.max(1, token.length), message: e.message };
  }
  if (e instanceof FlowModError || e instanceof OpenFlowError) {
    const at = raw.search(/actions?=/);
    return { line, column: at < 0 ? 1 : at + 1, length: at < 0 ? raw.trimEnd().length : raw.length - at, message: `OpenFlow error ${e.message}` };
  }
  return { line, column: 1, length: raw.trimEnd().length, message: (e as Error).message };
}
