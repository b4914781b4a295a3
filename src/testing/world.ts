/**
 * One switch running a generated case, recording every line it runs as an
 * `ovsim run` script: the pipeline's setup, the controller's flow_mods (right
 * after the line whose port event caused them), each packet as
 * `netdev-dummy/receive PORT HEX` followed by `revalidator/wait`, and the
 * events in between. The recorded script replays the case without the
 * controller, which is what makes a counterexample replayable.
 */
import type { CommandResult } from "../utilities/command-result.js";
import { formatOdpActions } from "../actions/xlate/odp-actions.js";
import { toHex } from "../datapath/packet/packet.js";
import { runLine } from "../utilities/run-script.js";
import type { PortEvent } from "../vswitchd/switch.js";
import { Switch } from "../vswitchd/switch.js";
import type { PacketSpec } from "./packet-arbitraries.js";
import { packetBytes } from "./packet-arbitraries.js";
import type { Pipeline } from "./pipeline.js";
import { pipelineScript } from "./pipeline.js";
import { TestingError } from "./testing-error.js";

/** What a controller may do to the switch: every call is an ovs-ofctl line, run and recorded in the counterexample script. */
export interface ControllerContext {
  /** The switch, to read (ports, dumpFlows...); change it only through the calls below, or replays miss the change. */
  readonly sw: Switch;
  /** `ovs-ofctl add-flow BRIDGE 'FLOW'`. Throws TestingError when the switch refuses it. */
  addFlow(bridge: string, flow: string): void;
  /** `ovs-ofctl del-flows BRIDGE ['MATCH']`. */
  deleteFlows(bridge: string, match?: string): void;
  /** Any ovs-vsctl / ovs-ofctl / ovs-appctl line; its result (not checked). */
  run(line: string): CommandResult;
}

/** Controller logic: reacts to a port event (an Interface added, removed or changed) by issuing flow_mods. */
export type Controller = (event: PortEvent, ctx: ControllerContext) => void;

/** One step of a case: a packet into a dummy port, or a line (a port added or removed, a flow deleted, the clock warped...). */
export type CaseStep = { readonly kind: "packet"; readonly packet: PacketSpec } | { readonly kind: "line"; readonly line: string };

/** A generated case: a pipeline, then steps. */
export interface Case {
  readonly pipeline: Pipeline;
  readonly steps: readonly CaseStep[];
}

export interface WorldOptions {
  /** Megaflow cache on (true) or every packet translated afresh. */
  readonly cache: boolean;
  /** A controller factory: each switch gets its own controller (its state stays with its switch). */
  readonly controller?: (() => Controller) | undefined;
  /** Called with the new switch before anything runs on it (to configure it, or to plant a bug in a test). */
  readonly configure?: ((sw: Switch) => void) | undefined;
}

const NO_DURATION = /duration=[0-9.]+s, /;

/** A switch running a case, with the script of everything it ran. */
export class World {
  readonly sw = new Switch();
  readonly script: string[] = [];
  private readonly cache: boolean;

  constructor(o: WorldOptions) {
    this.cache = o.cache;
    o.configure?.(this.sw);
    const make = o.controller;
    if (make !== undefined) {
      const controller = make();
      const ctx: ControllerContext = {
        sw: this.sw,
        addFlow: (bridge, flow) => {
          const line = `ovs-ofctl add-flow ${bridge} '${flow}'`;
          const r = this.run(line);
          if (!r.ok) throw new TestingError(`controller: ${line}: ${r.stderr.join("\n")}`);
        },
        deleteFlows: (bridge, match) => void this.run(`ovs-ofctl del-flows ${bridge}${match === undefined ? "" : ` '${match}'`}`),
        run: (line) => this.run(line),
      };
      this.sw.onPortEvent((e) => controller(e, ctx));
    }
  }

  /** Runs `line`, recording it first (so that lines it causes follow it). */
  run(line: string): CommandResult {
    this.script.push(line);
    return runLine(this.sw, line);
  }

  /** Installs the pipeline; a line the switch refuses throws TestingError. */
  install(p: Pipeline): void {
    for (const line of pipelineScript(p)) {
      const r = this.run(line);
      if (!r.ok) throw new TestingError(`${line}: ${r.stderr.join("\n") || "failed"}`);
    }
    for (const dp of this.sw.vswitchd.openDatapaths()) this.sw.datapaths.dpif(dp).cacheEnabled = this.cache;
  }

  /** Sends `p` in; the datapath actions each packet got (one entry per packet the datapaths saw, recirculations included). */
  packet(p: PacketSpec): string[] {
    this.sw.io.takeReceived();
    this.run(`ovs-appctl netdev-dummy/receive ${p.port} ${toHex(packetBytes(p))}`);
    const out = this.sw.io.takeReceived().map((r) => formatOdpActions(r.odpActions));
    // A megaflow hit learns (MAC learning, learn actions) when its stats are pushed, later than a
    // fresh translation does, in OVS as here: push after every packet, so that the cached and the
    // fresh switch hold the same state and a difference means a stale or too-wide megaflow.
    this.run("ovs-appctl revalidator/wait");
    return out;
  }

  /** The OpenFlow tables (with counters) and MAC tables of every bridge, durations left out. */
  observe(): string[] {
    const out: string[] = [];
    const r = (l: string): string[] => runLine(this.sw, l).stdout.map((s) => s.replace(NO_DURATION, ""));
    runLine(this.sw, "ovs-appctl revalidator/wait");
    for (const b of this.sw.bridgeNames()) out.push(...r(`ovs-ofctl dump-flows ${b}`), ...r(`ovs-appctl fdb/show ${b}`));
    return out;
  }
}

/** The `ofproto/trace` line for `p` and what it prints on a switch that ran `prefix` (a fresh switch, no controller: the prefix holds its flow_mods). */
export function traceAfter(prefix: readonly string[], p: PacketSpec): { line: string; text: string } {
  const sw = new Switch();
  for (const l of prefix) runLine(sw, l);
  const line = `ovs-appctl ofproto/trace ${p.bridge} '${p.flow}'`;
  const r = runLine(sw, line);
  return { line, text: [...r.stdout, ...r.stderr].join("\n") };
}
