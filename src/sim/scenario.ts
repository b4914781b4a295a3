/**
 * Scenario files: a whole multi-host simulation in one text file
 * (fixtures/scenarios/*.scn). One directive a line, run in order; blank lines
 * and `#` comments skipped; leading white space ignored (indent a host's
 * script for readability).
 *
 *   host NAME [kernel]            a new host; following ovs-* lines run on it (`kernel`:
 *                                 its datapath is the kernel one, tnl_push_pop off: host.ts)
 *   ovs-vsctl ... | ovs-ofctl ... | ovs-appctl ...
 *                                 a script line on the current host (as in `ovsim run`)
 *   on NAME                       make an existing host current again
 *   segment NAME [hub] [latency=US]
 *                                 an underlay segment (a learning switch unless `hub`)
 *   link HOST PORT SEGMENT        plug a host's physical port into a segment
 *   nic HOST DEV SEGMENT MAC IP/LEN...
 *                                 a NIC of the host outside OVS (its tunnel address,
 *                                 ip-stack.ts) with its addresses, on a segment
 *   vm NAME HOST PORT MAC IP      a VM endpoint on a host's port (the port may be
 *                                 created by a later line, but must exist whenever a
 *                                 `ping` or `run` line runs, and at the end)
 *   capture SEGMENT | capture HOST PORT
 *                                 start capturing (pcap) a segment or a port
 *   ping VM IP [count=N]          VM pings IP (runs the event loop)
 *   run [MS]                      run the event loop until idle (or for MS more virtual ms)
 *
 * A directive that cannot be run (unknown word, unknown host, a number past
 * its limit: MAX_PING_COUNT, MAX_LATENCY_US, the clock's end...) throws a
 * ScenarioError with its line number; so does a `vm` line whose port its host
 * does not have when traffic runs (the error names the `vm` line, the host and
 * the port, and the line that ran the traffic); a failing ovs-* command does not stop
 * the scenario (as in `ovsim run`) and is reported in `commands`. An
 * unexpected exception on a line (a bug in ovsim) is a ScenarioError naming
 * the line too, as an internal error.
 */
import type { CommandResult } from "../utilities/command-result.js";
import { runLine } from "../utilities/run-script.js";
import type { PingResult } from "../datapath/endpoint.js";
import { formatIpv4, parseIpv4 } from "../datapath/endpoint.js";
import type { PcapCapture } from "../datapath/pcap.js";
import { OvsimError } from "../flowtable/errors.js";
import { MAX_CLOCK_MS } from "../vswitchd/switch.js";
import type { Host } from "./host.js";
import type { SimulationOptions } from "./simulation.js";
import { Simulation } from "./simulation.js";

export class ScenarioError extends OvsimError {
  readonly code = "SCENARIO";
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.line = line;
  }
}

export interface ScenarioPing {
  readonly vm: string;
  readonly dst: string;
  readonly result: PingResult;
}

export interface ScenarioResult {
  readonly sim: Simulation;
  /** Every ovs-* line with its host and result. */
  readonly commands: ReadonlyArray<{ readonly host: string; readonly command: string; readonly result: CommandResult }>;
  readonly pings: readonly ScenarioPing[];
  /** Captures started by `capture` lines: "SEGMENT" or "HOST:PORT" -> capture. */
  readonly captures: ReadonlyMap<string, PcapCapture>;
}

/** A ping result as one line: `vm1 -> 10.0.0.2: 3/3 received, rtt 0.24 0.24 0.24 ms`. */
export function formatPing(p: ScenarioPing): string {
  const head = `${p.vm} -> ${p.dst}:`;
  if (!p.result.resolved) return `${head} ARP unresolved`;
  const rtt = p.result.rttMs.length > 0 ? `, rtt ${p.result.rttMs.join(" ")} ms` : "";
  return `${head} ${p.result.received}/${p.result.transmitted} received${rtt}`;
}

function option(words: readonly string[], name: string): string | undefined {
  const w = words.find((x) => x.startsWith(`${name}=`));
  return w === undefined ? undefined : w.slice(name.length + 1);
}

/** Most pings one `ping` line sends (each is about a millisecond of work): more would let one line run for minutes. */
export const MAX_PING_COUNT = 10_000;

/** Longest segment latency, in microseconds (a minute): a longer one would move the clock toward its end in a few pings. */
export const MAX_LATENCY_US = 60_000_000;

function intOption(words: readonly string[], name: string, lineNo: number, max: number): number | undefined {
  const v = option(words, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new ScenarioError(lineNo, `${name}: not a number: ${v}`);
  const n = Number(v);
  if (n > max) throw new ScenarioError(lineNo, `${name}: ${v} is more than ${max}, ovsim's limit`);
  return n;
}

interface VmLine {
  readonly line: number;
  readonly name: string;
  readonly host: Host;
  readonly port: string;
}

/**
 * Every VM's port must exist on its host when traffic runs: a VM on a port
 * the host lacks would silently never send nor receive (Host drops frames for
 * a port no bridge has). `when` says which line ran the traffic.
 */
function checkVmPorts(vms: readonly VmLine[], when: string): void {
  for (const vm of vms) {
    if (vm.host.switch.findPort(vm.port) === undefined) {
      throw new ScenarioError(vm.line, `vm ${vm.name}: host ${vm.host.name} has no port ${vm.port} (${when})`);
    }
  }
}

/** Runs scenario `text` (see the file comment). */
export function runScenario(text: string, options: SimulationOptions = {}): ScenarioResult {
  let lineNo = 0;
  try {
    return runLines(text, options, (n) => {
      lineNo = n;
    });
  } catch (e) {
    if (e instanceof OvsimError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    throw new ScenarioError(lineNo, `internal error: ${message} (please report it with the line)`);
  }
}

/** runScenario's work; `at` hears the number of each line before it runs. */
function runLines(text: string, options: SimulationOptions, at: (lineNo: number) => void): ScenarioResult {
  const sim = new Simulation(options);
  const commands: { host: string; command: string; result: CommandResult }[] = [];
  const pings: ScenarioPing[] = [];
  const captures = new Map<string, PcapCapture>();
  const vms: VmLine[] = [];
  let current: Host | null = null;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    at(lineNo);
    const line = (lines[i] ?? "").trim();
    if (line === "" || line.startsWith("#")) continue;
    if (/^ovs-(vsctl|ofctl|appctl)\b/.test(line)) {
      if (current === null) throw new ScenarioError(lineNo, "a command before any `host` line");
      commands.push({ host: current.name, command: line, result: runLine(current.switch, line) });
      continue;
    }
    const words = line.split(/\s+/);
    const [verb = "", ...args] = words;
    const need = (n: number, usage: string): void => {
      if (args.filter((a) => !a.includes("=")).length < n) throw new ScenarioError(lineNo, `usage: ${usage}`);
    };
    const wrap = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof OvsimError) throw e;
        throw new ScenarioError(lineNo, (e as Error).message);
      }
    };
    switch (verb) {
      case "host":
        need(1, "host NAME [kernel]");
        current = wrap(() => sim.addHost(args[0] ?? "", { kernelDatapath: args[1] === "kernel" }));
        break;
      case "on":
        need(1, "on NAME");
        current = wrap(() => sim.host(args[0] ?? ""));
        break;
      case "segment": {
        need(1, "segment NAME [hub] [latency=US]");
        const latencyUs = intOption(args, "latency", lineNo, MAX_LATENCY_US);
        wrap(() => sim.addSegment(args[0] ?? "", { mode: args.includes("hub") ? "hub" : "switch", ...(latencyUs !== undefined ? { latencyUs } : {}) }));
        break;
      }
      case "link":
        need(3, "link HOST PORT SEGMENT");
        wrap(() => sim.connect(args[0] ?? "", args[1] ?? "", args[2] ?? ""));
        break;
      case "nic":
        need(5, "nic HOST DEV SEGMENT MAC IP/LEN...");
        wrap(() => sim.addNic(args[0] ?? "", args[1] ?? "", args[2] ?? "", { mac: args[3] ?? "", addresses: args.slice(4) }));
        break;
      case "vm":
        need(5, "vm NAME HOST PORT MAC IP");
        wrap(() => sim.addEndpoint(args[0] ?? "", args[1] ?? "", args[2] ?? "", args[3] ?? "", args[4] ?? ""));
        vms.push({ line: lineNo, name: args[0] ?? "", host: sim.host(args[1] ?? ""), port: args[2] ?? "" });
        break;
      case "capture":
        need(1, "capture SEGMENT | capture HOST PORT");
        if (args.length >= 2) captures.set(`${args[0]}:${args[1]}`, wrap(() => sim.capturePort(args[0] ?? "", args[1] ?? "")));
        else captures.set(args[0] ?? "", wrap(() => sim.captureSegment(args[0] ?? "")));
        break;
      case "ping": {
        need(2, "ping VM IP [count=N]");
        const unknown = args.slice(2).find((a) => !a.startsWith("count="));
        if (unknown !== undefined) throw new ScenarioError(lineNo, `ping: unknown option ${unknown} (ping VM IP [count=N])`);
        const count = intOption(args, "count", lineNo, MAX_PING_COUNT) ?? 1;
        const vm = args[0] ?? "";
        const dst = wrap(() => parseIpv4(args[1] ?? ""));
        checkVmPorts(vms, `by the ping on line ${lineNo}`);
        const result = wrap(() => sim.endpoint(vm).ping(dst, { count }));
        sim.run();
        pings.push({ vm, dst: formatIpv4(dst), result });
        break;
      }
      case "run": {
        const ms = args[0] === undefined ? undefined : Number(args[0]);
        if (ms !== undefined && !Number.isFinite(ms)) throw new ScenarioError(lineNo, `run: not a number: ${args[0]}`);
        if (ms !== undefined && (ms < 0 || sim.nowMs + ms > MAX_CLOCK_MS)) {
          throw new ScenarioError(lineNo, `run: ${args[0]} ms is not between 0 and the clock's end (${MAX_CLOCK_MS} ms)`);
        }
        checkVmPorts(vms, `by the run on line ${lineNo}`);
        sim.run(ms === undefined ? undefined : sim.nowMs + ms);
        break;
      }
      default:
        throw new ScenarioError(lineNo, `unknown directive: ${verb}`);
    }
  }
  checkVmPorts(vms, "at the end of the scenario");
  sim.sync();
  return { sim, commands, pings, captures };
}
