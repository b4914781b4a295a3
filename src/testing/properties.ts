/**
 * Ready properties, each one call: `checkMegaflowTransparency()` and
 * `checkDeterminism()` generate pipelines (or take the user's arbitrary of
 * them), packet streams derived from the pipelines' own matches, and events
 * between the packets (ports removed and added back, which a user's
 * controller reacts to; flows deleted; the clock warped past learned flows'
 * hard_timeouts; MAC tables flushed), then run them on ovsim's switches.
 *
 * - Megaflow cache transparency: every packet gets from the megaflow cache
 *   (src/datapath/dpif-netdev.ts) the datapath actions a fresh translation
 *   gives it (a twin switch with the cache disabled), and both end with the
 *   same flow tables, counters and MAC tables. A too-wide megaflow mask or a
 *   missed revalidation breaks it.
 * - Determinism: the same case run twice on two new switches gives the same
 *   datapath actions packet by packet and the same final state; hidden state
 *   (a controller's module-level counter, a clock read, Math.random) breaks it.
 *
 * A failure throws PropertyFailure with the shrunk case as an `ovsim run`
 * script (setup, the controller's flow_mods, packets as netdev-dummy/receive)
 * ending with the offending packet's `ofproto/trace` line, and the text that
 * trace prints. `...Property()` gives the bare fast-check property instead,
 * for `fc.assert` with one's own parameters.
 */
import fc from "fast-check";
import type { Switch } from "../vswitchd/switch.js";
import type { PacketChoice, PacketSpec } from "./packet-arbitraries.js";
import { packetChoices, resolvePacket, varyPacket } from "./packet-arbitraries.js";
import type { Pipeline } from "./pipeline.js";
import { entryPorts, flowText } from "./pipeline.js";
import { pipelines } from "./pipeline-arbitraries.js";
import { propertyRuns } from "./runs.js";
import { PropertyFailure } from "./testing-error.js";
import type { Case, CaseStep, Controller } from "./world.js";
import { DEFAULT_UNIVERSE } from "./universe.js";
import { traceAfter, World } from "./world.js";

/** Events beyond the default ones (eventLines), each off unless asked for. */
export interface EventOptions {
  /**
   * Flow_mods between packets: flows of a second draw of `pipelines` added to the bridges the
   * case has, each bridge's table 0 sent to NORMAL (`mod-flows`), its udp flows and all its flows
   * deleted (false).
   */
  readonly flowMods?: boolean;
  /** Port configuration changes between packets: each dummy port set no-forward and back, given an access VLAN tag (the Universe's first) and back (false). */
  readonly portConfig?: boolean;
}

export interface PropertyOptions extends EventOptions {
  /** The pipelines to check (`pipelines()`: one or two bridges, two tables each, learn). */
  readonly pipelines?: fc.Arbitrary<Pipeline>;
  /** Most steps (packets and events) per case (12). */
  readonly steps?: number;
  /** Whether events come between packets (true). */
  readonly events?: boolean;
  /** Controller logic reacting to port events with flow_mods: a factory, called once per switch. */
  readonly controller?: () => Controller;
  /** Called with each new switch before anything runs on it; `role` says which twin it is. */
  readonly configure?: (sw: Switch, role: "cached" | "fresh" | "first" | "second") => void;
  /** Runs (propertyRuns(100)); seed and path replay a failure. */
  readonly numRuns?: number;
  readonly seed?: number;
  readonly path?: string;
}

/**
 * The events of `p`: remove and add back each dummy port, add and remove a port the pipeline
 * lacks, flush MACs, warp past hard_timeouts, delete a table's flows; with `o`, also the
 * flow_mods and port changes of EventOptions (the flows added by `flowMods` are not among these
 * lines: cases() draws them).
 */
export function eventLines(p: Pipeline, o: EventOptions = {}): string[] {
  const lines: string[] = ["ovs-appctl time/warp 15000", "ovs-appctl time/warp 61000"];
  for (const { bridge, port } of entryPorts(p)) {
    lines.push(`ovs-vsctl del-port ${bridge} ${port.name}`);
    lines.push(`ovs-vsctl --may-exist add-port ${bridge} ${port.name} -- set Interface ${port.name} type=dummy ofport_request=${port.ofport}`);
  }
  for (const b of p.bridges) {
    lines.push(`ovs-vsctl --may-exist add-port ${b.name} ${b.name}-extra -- set Interface ${b.name}-extra type=dummy ofport_request=7`);
    lines.push(`ovs-vsctl --if-exists del-port ${b.name} ${b.name}-extra`);
    lines.push(`ovs-appctl fdb/flush ${b.name}`);
    lines.push(`ovs-ofctl del-flows ${b.name} table=1`);
    if (o.flowMods === true) lines.push(`ovs-ofctl mod-flows ${b.name} 'table=0,actions=NORMAL'`, `ovs-ofctl del-flows ${b.name} udp`, `ovs-ofctl del-flows ${b.name}`);
  }
  if (o.portConfig === true) {
    for (const { bridge, port } of entryPorts(p)) {
      lines.push(`ovs-ofctl mod-port ${bridge} ${port.name} no-forward`, `ovs-ofctl mod-port ${bridge} ${port.name} forward`);
      lines.push(`ovs-vsctl set port ${port.name} tag=${DEFAULT_UNIVERSE.vlans[0] ?? 1}`, `ovs-vsctl --if-exists remove port ${port.name} tag ${DEFAULT_UNIVERSE.vlans[0] ?? 1}`);
    }
  }
  return lines;
}

/** Events for `p` (eventLines) as an arbitrary. */
export function events(p: Pipeline, o: EventOptions = {}): fc.Arbitrary<string> {
  return fc.constantFrom(...eventLines(p, o));
}

/** A step's change to its base packet: which varied field (see varyPacket) and its new value's index. */
type Tweak = { readonly which: number; readonly value: number };
type StepChoice = { readonly kind: "packet"; readonly base: number; readonly tweak: Tweak | null } | { readonly kind: "event"; readonly event: number };

const ETH_SRC = /(?:^|,)eth_src=([^,]+)/;
const ETH_DST = /(,eth_dst=)([^,]+)/;

/**
 * The steps `choices` make on `p`. A packet step is one of a few base packets,
 * as such or with one header value changed: traffic repeats, and siblings
 * that differ in one field catch a megaflow whose mask is too wide.
 *
 * Hosts stay put: a source MAC sends from the port it first sent from (a
 * packet that would move it is left out), and a frame to its own source MAC
 * goes to broadcast instead. In OVS as in ovsim a
 * MAC moved by packets that hit a megaflow is learned when their stats are
 * pushed, not at the packet, a documented deferral rather than staleness
 * (see test/datapath/megaflow.property.test.ts), which these rules keep out.
 */
function resolveSteps(p: Pipeline, bases: readonly PacketChoice[], choices: readonly StepChoice[], o: EventOptions = {}, extra: Pipeline | null = null): CaseStep[] {
  const names = new Set(p.bridges.map((b) => b.name));
  const added = (extra?.flows ?? []).filter((f) => names.has(f.bridge)).map((f) => `ovs-ofctl add-flow ${f.bridge} '${flowText(f)}'`);
  const lines = [...eventLines(p, o), ...added];
  const home = new Map<string, string>();
  const out: CaseStep[] = [];
  for (const c of choices) {
    if (c.kind === "event") {
      const line = lines[c.event % lines.length];
      if (line !== undefined) out.push({ kind: "line", line });
      continue;
    }
    const base = bases[c.base % bases.length];
    if (base === undefined) continue;
    const resolved = resolvePacket(p, base);
    const pk = c.tweak === null ? resolved : varyPacket(resolved, c.tweak.which, c.tweak.value);
    const src = ETH_SRC.exec(pk.flow)?.[1] ?? "";
    const at = home.get(src);
    if (at !== undefined && at !== pk.port) continue;
    home.set(src, pk.port);
    const dst = ETH_DST.exec(pk.flow)?.[2];
    out.push({ kind: "packet", packet: dst === src ? { ...pk, flow: pk.flow.replace(ETH_DST, "$1ff:ff:ff:ff:ff:ff") } : pk });
  }
  return out;
}

/** Cases: a pipeline, then packets that hit it with events between them (pipeline and steps drawn apart, so both shrink). */
export function cases(o: Pick<PropertyOptions, "pipelines" | "steps" | "events" | "flowMods" | "portConfig"> = {}): fc.Arbitrary<Case> {
  const tweakArb = fc.option(fc.record({ which: fc.nat({ max: 1000 }), value: fc.nat({ max: 1000 }) }), { nil: null, freq: 2 });
  const packet = fc.record({ base: fc.nat({ max: 3 }), tweak: tweakArb }).map((r): StepChoice => ({ kind: "packet", ...r }));
  const step = (o.events ?? true) ? fc.oneof({ weight: 4, arbitrary: packet }, { weight: 1, arbitrary: fc.nat({ max: 1000 }).map((event): StepChoice => ({ kind: "event", event })) }) : packet;
  const all = o.pipelines ?? pipelines();
  // Flows added by flow_mod events: another draw of the same pipelines, cut to the case's bridges.
  const extra: fc.Arbitrary<Pipeline | null> = o.flowMods === true && (o.events ?? true) ? all : fc.constant(null);
  return fc
    .tuple(all, fc.array(packetChoices(), { minLength: 1, maxLength: 4 }), fc.array(step, { minLength: 1, maxLength: o.steps ?? 12 }), extra)
    .filter(([p]) => entryPorts(p).length > 0)
    .map(([pipeline, bases, choices, more]): Case => ({ pipeline, steps: resolveSteps(pipeline, bases, choices, o, more) }));
}

/** Why a case fails, with its replayable script. */
interface Failure {
  readonly reason: string;
  readonly script: readonly string[];
  readonly trace: string;
}

function failure(reason: string, w: World, prefixLength: number, p: PacketSpec | null): Failure {
  if (p === null) return { reason, script: w.script, trace: "" };
  const t = traceAfter(w.script.slice(0, prefixLength), p);
  return { reason, script: [...w.script, t.line], trace: t.text };
}

type Twin = { readonly w: World; readonly role: "cached" | "fresh" | "first" | "second" };

/**
 * A controller action's continuation handle (`controller(...,recirc_id=N,...)`) left out: each
 * translation allocates one, so a fresh translation of every packet numbers them on where a
 * megaflow hit reuses its own, in OVS as here; the handle is opaque, what it resumes is not.
 */
const CONTROLLER_RECIRC = /(controller\([^)]*recirc_id=)\d+/g;
const sameHandles = (actions: string): string => actions.replace(CONTROLLER_RECIRC, "$1*");

/** Runs `c` on two switches side by side; the first difference (datapath actions compared after `norm`), or null. */
function runTwins(c: Case, o: PropertyOptions, roles: readonly ["cached", "fresh"] | readonly ["first", "second"], what: [string, string], norm: (actions: string) => string = (x) => x): Failure | null {
  const [a, b] = roles.map((role): Twin => {
    const configure = o.configure;
    return { role, w: new World({ cache: role !== "fresh", controller: o.controller, configure: configure === undefined ? undefined : (sw) => configure(sw, role) }) };
  }) as [Twin, Twin];
  a.w.install(c.pipeline);
  b.w.install(c.pipeline);
  let n = 0;
  for (const s of c.steps) {
    if (s.kind === "line") {
      a.w.run(s.line);
      b.w.run(s.line);
      continue;
    }
    n++;
    const before = b.w.script.length;
    const x = norm(a.w.packet(s.packet).join(" | "));
    const y = norm(b.w.packet(s.packet).join(" | "));
    if (x !== y) {
      return failure(`packet ${n} (${s.packet.flow}) into ${s.packet.port}: ${what[0]} datapath actions "${x}", ${what[1]} "${y}"`, b.w, before, s.packet);
    }
  }
  const fa = a.w.observe();
  const fb = b.w.observe();
  const i = fa.findIndex((l, k) => l !== fb[k]);
  if (i >= 0 || fa.length !== fb.length) {
    const at = i >= 0 ? i : Math.min(fa.length, fb.length);
    return failure(`final state differs at line ${at + 1}: ${what[0]} "${fa[at] ?? "(none)"}", ${what[1]} "${fb[at] ?? "(none)"}"`, b.w, b.w.script.length, null);
  }
  return null;
}

function transparencyCase(o: PropertyOptions): (c: Case) => Failure | null {
  return (c) => runTwins(c, o, ["cached", "fresh"], ["cached", "fresh translation"], sameHandles);
}

function determinismCase(o: PropertyOptions): (c: Case) => Failure | null {
  return (c) => runTwins(c, o, ["first", "second"], ["first run", "second run"]);
}

/** The megaflow transparency property over cases, for fc.assert. */
export function megaflowTransparencyProperty(o: PropertyOptions = {}): fc.IProperty<[Case]> {
  const run = transparencyCase(o);
  return fc.property(cases(o), (c) => run(c) === null);
}

/** The determinism property over cases, for fc.assert. */
export function determinismProperty(o: PropertyOptions = {}): fc.IProperty<[Case]> {
  const run = determinismCase(o);
  return fc.property(cases(o), (c) => run(c) === null);
}

function check(name: string, o: PropertyOptions, run: (c: Case) => Failure | null): void {
  const params: fc.Parameters<[Case]> = { numRuns: o.numRuns ?? propertyRuns(100), ...(o.seed !== undefined ? { seed: o.seed } : {}), ...(o.path !== undefined ? { path: o.path } : {}) };
  const d = fc.check(fc.property(cases(o), (c) => run(c) === null), params);
  if (!d.failed) return;
  const c = d.counterexample?.[0];
  const f = c === undefined ? null : run(c);
  if (f === null || c === undefined) {
    // The predicate threw (a pipeline the switch refuses, a bug in a controller): fast-check's own report says where.
    throw d.errorInstance instanceof Error ? d.errorInstance : new Error(`${name} failed: ${String(d.errorInstance)}`);
  }
  throw new PropertyFailure({ property: name, reason: f.reason, script: f.script, trace: f.trace, seed: d.seed, path: d.counterexamplePath ?? "", numRuns: d.numRuns, numShrinks: d.numShrinks });
}

/** Checks megaflow cache transparency (see the module comment); throws PropertyFailure with a replayable counterexample. */
export function checkMegaflowTransparency(o: PropertyOptions = {}): void {
  check("megaflow cache transparency", o, transparencyCase(o));
}

/** Checks determinism (see the module comment); throws PropertyFailure with a replayable counterexample. */
export function checkDeterminism(o: PropertyOptions = {}): void {
  check("determinism", o, determinismCase(o));
}
