/**
 * Test-only bridge wiring for translation, until the datapath wires
 * `ovs-appctl ofproto/trace` into `ovsim run`: runs a scenario script's
 * ovs-vsctl / ovs-ofctl lines through `runScript`'s line runner, wraps the
 * Switch's bridges and config DB ports as XlateBridge objects (datapath port
 * numbers taken from the recording's `ovs-appctl dpif/show`, by port name),
 * and answers each `ovs-appctl ofproto/trace BRIDGE FLOW` line with
 * ofprotoTrace's text.
 */
import { runLine } from "../../src/utilities/run-script.js";
import { shellWords } from "../../src/utilities/shell-words.js";
import { Switch } from "../../src/vswitchd/switch.js";
import type { XlateBridge, XlatePort } from "../../src/actions/xlate/xlate-bridge.js";
import { RecircIds } from "../../src/actions/xlate/xlate-context.js";
import { ofprotoTrace } from "../../src/actions/xlate/xlate-trace-format.js";
import { parseFlow } from "../../src/flowtable/flow-mod-parse.js";
import type { PortNameMap } from "../../src/flowtable/ports.js";

import { loadRecording, recordedScripts } from "../support/recordings.js";

const XLATE_DIR = new URL("../../fixtures/xlate/", import.meta.url);

/** `dpif/show` lines `    NAME OFPORT/ODP: (...)` → datapath port by name (null for `none`). */
export function odpPortsOf(dpifShow: readonly string[]): Map<string, number | null> {
  const m = new Map<string, number | null>();
  for (const l of dpifShow) {
    const r = /^\s{4}(\S+) (\d+)\/(\d+|none):/.exec(l);
    if (r) m.set(r[1]!, r[3] === "none" ? null : Number(r[3]));
  }
  return m;
}

type MutablePort = { -readonly [K in keyof XlatePort]: XlatePort[K] };

function str(a: unknown): string {
  return a === undefined ? "" : String(a);
}

/** XlateBridge views of every bridge of `world`. */
export function xlateBridges(world: Switch, odp: Map<string, number | null>): Map<string, XlateBridge> {
  const db = world.db;
  const bridges = new Map<string, XlateBridge>();
  const peers: { port: MutablePort; peerName: string }[] = [];
  const byIface = new Map<string, { bridge: XlateBridge; ofport: number }>();
  for (const br of db.rows("Bridge")) {
    const name = str(br.cols.get("name")?.first());
    const ofBridge = world.bridge(name);
    if (ofBridge === undefined) continue;
    const ports = new Map<number, MutablePort>();
    const xb: XlateBridge = {
      name,
      tables: ofBridge.tables,
      failMode: ofBridge.failMode,
      port: (n) => ports.get(n),
      ports: () => [...ports.values()].sort((a, b) => a.ofport - b.ofport),
      packetInOnMiss: (br.cols.get("controller")?.size ?? 0) > 0,
      normal: (api) => ofBridge.normal(api),
    };
    bridges.set(name, xb);
    for (const pu of br.cols.get("ports")?.keys ?? []) {
      const prow = db.row("Port", String(pu));
      for (const iu of prow?.cols.get("interfaces")?.keys ?? []) {
        const irow = db.row("Interface", String(iu));
        if (irow === undefined) continue;
        const iname = str(irow.cols.get("name")?.first());
        const ofport = irow.cols.get("ofport")?.first();
        if (typeof ofport !== "number" || ofport < 0) continue;
        const type = str(irow.cols.get("type")?.first());
        const port: MutablePort = {
          name: iname,
          ofport,
          odpPort: odp.get(iname) ?? null,
          type,
          patchPeer: null,
          vlan: ofBridge.port(ofport)?.vlan ?? { mode: "trunk", tag: null, trunks: [] },
          tunnel: null,
          noFlood: false,
          noForward: false,
          noReceive: false,
        };
        ports.set(ofport, port);
        byIface.set(iname, { bridge: xb, ofport });
        if (type === "patch") peers.push({ port, peerName: str(irow.cols.get("options")?.get("peer")) });
      }
    }
  }
  for (const { port, peerName } of peers) port.patchPeer = byIface.get(peerName) ?? null;
  return bridges;
}

function names(b: XlateBridge): PortNameMap {
  return {
    numberOf: (n) => b.ports().find((p) => p.name === n)?.ofport,
    nameOf: (n) => b.port(n)?.name,
  };
}

export interface TraceComparison {
  readonly command: string;
  readonly expected: readonly string[];
  readonly actual: readonly string[];
}

/** Runs a recorded scenario; returns each ofproto/trace's expected and actual output. */
export function runScenario(name: string, dir: URL = XLATE_DIR): TraceComparison[] {
  const rec = loadRecording(name, dir);
  const dpif = rec.find((c) => c.command.startsWith("ovs-appctl dpif/show"));
  const odp = odpPortsOf(dpif?.output ?? []);
  const world = new Switch();
  const recirc = new RecircIds();
  const out: TraceComparison[] = [];
  for (const c of rec) {
    const words = shellWords(c.command);
    if (words[0] === "ovs-appctl" && words[1] === "ofproto/trace") {
      const bridges = xlateBridges(world, odp);
      const b = bridges.get(words[2] ?? "");
      let actual: string[];
      if (b === undefined) actual = [`no bridge named ${words[2]}`];
      else actual = ofprotoTrace(b, parseFlow(words[3] ?? "", "stats", names(b)).match.key, { recircIds: recirc, now: world.now });
      out.push({ command: c.command, expected: c.output, actual });
    } else if (words[0] === "ovs-appctl" && words[1] === "dpif/show") {
      continue;
    } else {
      runLine(world, c.command);
    }
  }
  return out;
}

/** Every recorded scenario's name. */
export function scenarioNames(dir: URL = XLATE_DIR): string[] {
  return recordedScripts(dir);
}
