/** The `ovsim` command line. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CloudFileError, parseCloudFile } from "../cloud/cloud-file.js";
import { createCloud } from "../cloud/cloud.js";
import type { Cloud, CloudOptions } from "../cloud/cloud.js";
import type { CloudStep } from "../cloud/cloud-types.js";
import { loadCloud, parseStepsFor } from "../cloud/load-cloud.js";
import { SnapshotError } from "../vswitchd/snapshot.js";
import { DIAGRAM_FORMATS, renderDiagram } from "../diagram/diagram.js";
import type { DiagramFormat } from "../diagram/diagram.js";
import { formatPing, runScenario } from "../sim/scenario.js";
import { runScript } from "../utilities/run-script.js";
import { benchCommand } from "./bench-command.js";
import { Switch } from "../vswitchd/switch.js";

const RUN_USAGE = `usage: ovsim run [--load SNAP] [--save SNAP] SCRIPT...
Runs scripts of ovs-vsctl / ovs-ofctl / ovs-appctl lines against an in-process
Open vSwitch model and prints what each command prints (errors on standard
error). SCRIPT "-" reads the script from standard input. Exits 1 if any
command failed.
  --load SNAP     start from the switch saved in snapshot SNAP (docs/snapshots.md)
  --save SNAP     save the switch to snapshot SNAP after the scripts (also when
                  a command failed)
  With --load or --save the scripts run one after the other on that one switch;
  without, each script runs on a new switch.
  OVSIM_TRACE=1   print "### <command>" before each command's output`;

const SCENARIO_USAGE = `usage: ovsim scenario [--pcap-dir DIR] SCENARIO
Runs a scenario (docs/simulation.md): several hosts joined by an underlay, VMs
and pings. Prints each ping's result and writes its captures as DIR/NAME.pcap
(DIR is created if missing). SCENARIO "-" reads the scenario from standard input.`;

const CLOUD_USAGE = `usage: ovsim cloud [--check] [--progress] [--timeout SECONDS] FILE
       ovsim cloud [OPTION]... [--load SNAP] [--save SNAP] FILE
Runs a cloud file (docs/cloud.md): every host's Open vSwitch with its Neutron
OVS agent, one fake Neutron server, and the file's steps on a virtual clock.
Prints each run step's commands ("### COMMAND", or "### HOST: COMMAND" with
several hosts) and what they print, and the results of pings and traces.
FILE "-" reads the file from standard input.
  --check            only check the file (exit 0, or 2 naming the bad field)
  --progress         say on standard error when each step is done
  --timeout SECONDS  virtual seconds a step waits for an agent (default 90)
  --load SNAP        start from the cloud snapshot SNAP (docs/snapshots.md):
                     FILE then holds only steps (format, description, steps),
                     run on the snapshot's hosts, networks, ports and VMs
  --save SNAP        after the steps, write the cloud's snapshot to SNAP
Exit status: 0 every step succeeded, 1 a step or command failed, 2 a bad file.
With --save, 1 also when the snapshot cannot be saved; with --load, 2 a bad snapshot.`;

const DIAGRAM_USAGE = `usage: ovsim diagram [--bridge BR]... [--host HOST] [--format dot|mermaid|svg] SCRIPT|CLOUD
Draws the OpenFlow table graph (docs/playground.md) after running a script of
ovs-vsctl / ovs-ofctl lines, or a cloud file (a .json file: the graph of one
host, default the first): tables as nodes with their flows as rows, and
resubmit, goto_table, ct, learn, patch and tunnel edges. Prints it on standard
output (default format dot; svg is laid out by dagre).
  --bridge BR   only these bridges (repeatable; default all of the host's)
  --host HOST   the cloud host to draw`;

const USAGE = `usage: ovsim run [--load SNAP] [--save SNAP] SCRIPT...
       ovsim scenario [--pcap-dir DIR] SCENARIO
       ovsim cloud [--check] [--progress] [--timeout SECONDS] [--load SNAP] [--save SNAP] FILE
       ovsim diagram [--bridge BR] [--host HOST] [--format dot|mermaid|svg] SCRIPT|CLOUD
       ovsim bench flows [--packets FILE] [--format F] [--seconds N] FILE
       ovsim --version
Runs scripts of ovs-vsctl / ovs-ofctl lines against an in-process Open vSwitch
model and prints what each command prints (errors on standard error).
A scenario (docs/simulation.md) runs several hosts joined by an underlay, VMs
and pings; it prints each ping's result and writes its captures as pcap files.
A cloud file (docs/cloud.md) runs hosts with their Neutron OVS agents and a
fake Neutron server, and prints what its commands print.
A SCRIPT, SCENARIO or FILE of "-" is read from standard input.
"ovsim run --help", "ovsim scenario --help" and "ovsim cloud --help" describe
each command.
  OVSIM_TRACE=1   print "### <command>" before each command's output`;

/** `ovsim <version>`, the version read from the package.json two folders above this module (src/cli or dist/cli). */
export function versionLine(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
  return `ovsim ${String(pkg.version)}`;
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "--help" || cmd === "-h" || cmd === undefined) {
    (cmd === undefined ? process.stderr : process.stdout).write(`${USAGE}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "--version" || cmd === "-V") {
    process.stdout.write(`${versionLine()}\n`);
    return 0;
  }
  if (cmd === "run") return run(rest);
  if (cmd === "scenario") return scenario(rest);
  if (cmd === "cloud") return cloud(rest);
  if (cmd === "diagram") return diagram(rest);
  if (cmd === "bench") return benchCommand(rest, readInput);
  process.stderr.write(`ovsim: unknown command '${cmd}'\n${USAGE}\n`);
  return 2;
}

/** A usage error of subcommand `cmd`: the message, then its usage, on stderr; exit status 2. */
function usageError(cmd: string, message: string, usage: string): number {
  process.stderr.write(`ovsim ${cmd}: ${message}\n${usage}\n`);
  return 2;
}

let stdinText: Promise<string> | undefined;

/** Standard input, read once (a second "-" gets the same text). */
function readStdin(): Promise<string> {
  stdinText ??= (async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
    return Buffer.concat(chunks).toString("utf8");
  })();
  return stdinText;
}

/** The text of `file`, or of standard input for "-". */
async function readInput(file: string): Promise<string> {
  return file === "-" ? readStdin() : readFileSync(file, "utf8");
}

/** `file`'s text, or null after saying on standard error why it cannot be read. */
async function readInputOrSay(file: string): Promise<string | null> {
  try {
    return await readInput(file);
  } catch (e) {
    process.stderr.write(`ovsim: ${inputName(file)}: ${(e as Error).message}\n`);
    return null;
  }
}

function inputName(file: string): string {
  return file === "-" ? "(standard input)" : file;
}

/** `ovsim run [--load SNAP] [--save SNAP] SCRIPT...`. */
async function run(args: string[]): Promise<number> {
  const files: string[] = [];
  let load: string | undefined;
  let save: string | undefined;
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (options && (a === "--help" || a === "-h")) {
      process.stdout.write(`${RUN_USAGE}\n`);
      return 0;
    }
    if (options && a === "--") options = false;
    else if (options && (a === "--load" || a === "--save" || a.startsWith("--load=") || a.startsWith("--save="))) {
      const flag = a.slice(0, 6);
      const v = a.length === 6 ? args[++i] : a.slice(7);
      if (v === undefined || v === "" || v === "-") return usageError("run", `${flag} needs a snapshot file name`, RUN_USAGE);
      if (flag === "--load") load = v;
      else save = v;
    } else if (options && a.startsWith("-") && a !== "-") return usageError("run", `unknown option '${a}'`, RUN_USAGE);
    else files.push(a);
  }
  if (files.length === 0) return usageError("run", "missing SCRIPT (a file, or - for standard input)", RUN_USAGE);
  // With --load or --save, one switch runs every script (the snapshot's, or a new one).
  let shared: Switch | undefined;
  if (load !== undefined) {
    const snapText = await readInputOrSay(load);
    if (snapText === null) return 2;
    try {
      shared = Switch.loadSnapshot(parseSnapshotText(snapText));
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      process.stderr.write(`ovsim run: ${load}: ${e.message}\n`);
      return 2;
    }
  } else if (save !== undefined) shared = new Switch();
  let ok = true;
  for (const file of files) {
    const text = await readInputOrSay(file);
    if (text === null) {
      ok = false;
      continue;
    }
    const out = runScript(text, shared);
    for (const { command, result } of out.lines) {
      if (process.env["OVSIM_TRACE"]) process.stdout.write(`### ${command}\n`);
      // A command whose output ends without a newline (ovs-dpctl normalize-actions) prints so.
      result.stdout.forEach((l, i) => process.stdout.write(result.noFinalNewline === true && i === result.stdout.length - 1 ? l : `${l}\n`));
      for (const l of result.stderr) process.stderr.write(`${l}\n`);
    }
    ok &&= out.ok;
  }
  if (save === undefined || shared === undefined) return ok ? 0 : 1;
  try {
    writeFileSync(save, `${JSON.stringify(shared.saveSnapshot())}\n`);
  } catch (e) {
    process.stderr.write(`ovsim run: ${save}: cannot save the snapshot: ${(e as Error).message}\n`);
    return 1;
  }
  return ok ? 0 : 1;
}

/** A snapshot file's JSON; text that is not JSON is a SnapshotError. */
function parseSnapshotText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new SnapshotError(`not JSON (${(e as Error).message})`);
  }
}

/** `ovsim scenario [--pcap-dir DIR] FILE`: ping lines on stdout, command errors on stderr, captures as DIR/NAME.pcap. */
async function scenario(args: string[]): Promise<number> {
  let dir: string | undefined;
  const files: string[] = [];
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (options && (a === "--help" || a === "-h")) {
      process.stdout.write(`${SCENARIO_USAGE}\n`);
      return 0;
    }
    if (options && a === "--") options = false;
    else if (options && a === "--pcap-dir") {
      const v = args[++i];
      if (v === undefined) return usageError("scenario", "--pcap-dir needs a DIR", SCENARIO_USAGE);
      dir = v;
    } else if (options && a.startsWith("--pcap-dir=")) dir = a.slice("--pcap-dir=".length);
    else if (options && a.startsWith("-") && a !== "-") return usageError("scenario", `unknown option '${a}'`, SCENARIO_USAGE);
    else files.push(a);
  }
  const [file] = files;
  if (file === undefined) return usageError("scenario", "missing SCENARIO (a file, or - for standard input)", SCENARIO_USAGE);
  if (files.length > 1) return usageError("scenario", "one SCENARIO at a time", SCENARIO_USAGE);
  const text = await readInputOrSay(file);
  if (text === null) return 1;
  let r: ReturnType<typeof runScenario>;
  try {
    r = runScenario(text);
  } catch (e) {
    process.stderr.write(`ovsim: ${inputName(file)}: ${(e as Error).message}\n`);
    return 1;
  }
  for (const c of r.commands) for (const l of c.result.stderr) process.stderr.write(`${c.host}: ${l}\n`);
  for (const p of r.pings) process.stdout.write(`${formatPing(p)}\n`);
  if (dir !== undefined && !writeCaptures(dir, r.captures)) return 1;
  // Failed pings are results (isolation is tested with them), not errors; failed commands are.
  return r.commands.every((c) => c.result.ok) ? 0 : 1;
}

/** Writes each capture as DIR/NAME.pcap, creating DIR (and its parents); false, with the path on stderr, on an error. */
function writeCaptures(dir: string, captures: ReturnType<typeof runScenario>["captures"]): boolean {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    process.stderr.write(`ovsim: ${dir}: ${(e as Error).message}\n`);
    return false;
  }
  for (const [name, cap] of captures) {
    const path = join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.pcap`);
    try {
      writeFileSync(path, cap.toBytes());
    } catch (e) {
      process.stderr.write(`ovsim: ${path}: ${(e as Error).message}\n`);
      return false;
    }
  }
  return true;
}

/** `ovsim cloud [--check] [--progress] [--timeout SECONDS] [--load SNAP] [--save SNAP] FILE`: run blocks on stdout, errors and progress on stderr. */
async function cloud(args: string[]): Promise<number> {
  let check = false;
  let progress = false;
  let timeoutSeconds: number | undefined;
  let load: string | undefined;
  let save: string | undefined;
  const files: string[] = [];
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (options && (a === "--help" || a === "-h")) {
      process.stdout.write(`${CLOUD_USAGE}\n`);
      return 0;
    }
    if (options && a === "--") options = false;
    else if (options && a === "--check") check = true;
    else if (options && a === "--progress") progress = true;
    else if (options && (a === "--timeout" || a.startsWith("--timeout="))) {
      const v = a === "--timeout" ? args[++i] : a.slice("--timeout=".length);
      if (v === undefined || !/^\d+$/.test(v) || Number(v) < 1) return usageError("cloud", "--timeout needs a whole number of seconds (at least 1)", CLOUD_USAGE);
      timeoutSeconds = Number(v);
    } else if (options && (a === "--load" || a === "--save" || a.startsWith("--load=") || a.startsWith("--save="))) {
      const flag = a.slice(0, 6);
      const v = a.length === 6 ? args[++i] : a.slice(7);
      if (v === undefined || v === "" || v === "-") return usageError("cloud", `${flag} needs a snapshot file name`, CLOUD_USAGE);
      if (flag === "--load") load = v;
      else save = v;
    } else if (options && a.startsWith("-") && a !== "-") return usageError("cloud", `unknown option '${a}'`, CLOUD_USAGE);
    else files.push(a);
  }
  const [file] = files;
  if (file === undefined) return usageError("cloud", "missing FILE (a cloud file, or - for standard input)", CLOUD_USAGE);
  if (files.length > 1) return usageError("cloud", "one FILE at a time", CLOUD_USAGE);
  const text = await readInputOrSay(file);
  if (text === null) return 2;
  const cloudOptions: CloudOptions = {
    progress,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
  };
  // With --load, the cloud comes from the snapshot and FILE holds its steps; else FILE is the cloud.
  let loaded: Cloud | null = null;
  if (load !== undefined) {
    const snapText = await readInputOrSay(load);
    if (snapText === null) return 2;
    try {
      loaded = loadCloud(snapText, cloudOptions);
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      process.stderr.write(`ovsim cloud: ${load}: ${e.message}\n`);
      return 2;
    }
  }
  let spec: ReturnType<typeof parseCloudFile>;
  let steps: readonly CloudStep[];
  try {
    spec = loaded === null ? parseCloudFile(text) : loaded.spec;
    steps = loaded === null ? spec.steps : parseStepsFor(loaded, text);
  } catch (e) {
    if (!(e instanceof CloudFileError)) throw e;
    process.stderr.write(`ovsim cloud: ${inputName(file)}: ${e.message}\n`);
    return 2;
  }
  if (check) {
    process.stderr.write(`ovsim cloud: ${inputName(file)}: ok (${spec.hosts.length} host${spec.hosts.length === 1 ? "" : "s"}, ${steps.length} step${steps.length === 1 ? "" : "s"})\n`);
    return 0;
  }
  let c: Cloud;
  let ok: boolean;
  try {
    c = loaded ?? createCloud(spec, cloudOptions);
    ok = c.run(steps).ok;
  } catch (e) {
    process.stderr.write(`ovsim cloud: ${inputName(file)}: ${(e as Error).message}\n`);
    return 1;
  }
  if (save === undefined) return ok ? 0 : 1;
  try {
    writeFileSync(save, `${JSON.stringify(c.saveSnapshot())}\n`);
  } catch (e) {
    process.stderr.write(`ovsim cloud: ${save}: cannot save the snapshot: ${(e as Error).message}\n`);
    return 1;
  }
  return ok ? 0 : 1;
}

/** `ovsim diagram [--bridge BR]... [--host HOST] [--format F] SCRIPT|CLOUD`: the table graph on stdout. */
async function diagram(args: string[]): Promise<number> {
  const bridges: string[] = [];
  let host: string | undefined;
  let format: DiagramFormat = "dot";
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "--help" || a === "-h") {
      process.stdout.write(`${DIAGRAM_USAGE}\n`);
      return 0;
    }
    const m = /^--(bridge|host|format)(?:=(.*))?$/.exec(a);
    if (m !== null) {
      const v = m[2] ?? args[++i];
      if (v === undefined) return usageError("diagram", `--${m[1]} needs a value`, DIAGRAM_USAGE);
      if (m[1] === "bridge") bridges.push(v);
      else if (m[1] === "host") host = v;
      else if ((DIAGRAM_FORMATS as readonly string[]).includes(v)) format = v as DiagramFormat;
      else return usageError("diagram", `unknown format '${v}' (dot, mermaid or svg)`, DIAGRAM_USAGE);
    } else if (a.startsWith("-") && a !== "-") return usageError("diagram", `unknown option '${a}'`, DIAGRAM_USAGE);
    else files.push(a);
  }
  const [file] = files;
  if (file === undefined || files.length > 1) return usageError("diagram", "one SCRIPT or CLOUD file (or - for standard input)", DIAGRAM_USAGE);
  const text = await readInputOrSay(file);
  if (text === null) return 1;
  try {
    // A cloud file (JSON) runs whole and one host is drawn; a script runs on a new switch.
    let sw: Switch;
    if (/^\s*\{/.test(text)) {
      const c = createCloud(parseCloudFile(text), { stdout: () => {}, stderr: (l) => process.stderr.write(`${l}\n`) });
      c.run();
      sw = c.switchOf(host ?? c.spec.hosts[0]?.name ?? "");
    } else {
      if (host !== undefined) return usageError("diagram", "--host is for a cloud file", DIAGRAM_USAGE);
      sw = new Switch();
      for (const l of runScript(text, sw).lines.flatMap((x) => x.result.stderr)) process.stderr.write(`${l}\n`);
    }
    process.stdout.write(renderDiagram(sw, { format, bridges }));
    return 0;
  } catch (e) {
    process.stderr.write(`ovsim diagram: ${inputName(file)}: ${(e as Error).message}\n`);
    return 1;
  }
}
