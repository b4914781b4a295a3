/** The `ovsim` command line. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { formatPing, runScenario } from "../sim/scenario.js";
import { runScript } from "../utilities/run-script.js";

const USAGE = `usage: ovsim run SCRIPT...
       ovsim scenario [--pcap-dir DIR] SCENARIO
Runs scripts of ovs-vsctl / ovs-ofctl lines against an in-process Open vSwitch
model and prints what each command prints (errors on standard error).
A scenario (docs/simulation.md) runs several hosts joined by an underlay, VMs
and pings; it prints each ping's result and writes its captures as pcap files.
  OVSIM_TRACE=1   print "### <command>" before each command's output`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...files] = argv;
  if (cmd === "--help" || cmd === "-h" || cmd === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "scenario") return scenario(files);
  if (cmd !== "run" || files.length === 0) {
    process.stderr.write(`ovsim: unknown command '${cmd}'\n${USAGE}\n`);
    return 2;
  }
  let ok = true;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (e) {
      process.stderr.write(`ovsim: ${file}: ${(e as Error).message}\n`);
      ok = false;
      continue;
    }
    const out = runScript(text);
    for (const { command, result } of out.lines) {
      if (process.env["OVSIM_TRACE"]) process.stdout.write(`### ${command}\n`);
      for (const l of result.stdout) process.stdout.write(`${l}\n`);
      for (const l of result.stderr) process.stderr.write(`${l}\n`);
    }
    ok &&= out.ok;
  }
  return ok ? 0 : 1;
}

/** `ovsim scenario [--pcap-dir DIR] FILE`: ping lines on stdout, command errors on stderr, captures as DIR/NAME.pcap. */
function scenario(args: string[]): number {
  const i = args.indexOf("--pcap-dir");
  const dir = i >= 0 ? args[i + 1] : undefined;
  const files = i >= 0 ? args.filter((_, k) => k !== i && k !== i + 1) : args;
  const [file] = files;
  if (file === undefined || files.length !== 1 || (i >= 0 && dir === undefined)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    const r = runScenario(readFileSync(file, "utf8"));
    for (const c of r.commands) for (const l of c.result.stderr) process.stderr.write(`${c.host}: ${l}\n`);
    for (const p of r.pings) process.stdout.write(`${formatPing(p)}\n`);
    if (dir !== undefined) for (const [name, cap] of r.captures) writeFileSync(join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.pcap`), cap.toBytes());
    // Failed pings are results (isolation is tested with them), not errors; failed commands are.
    return r.commands.every((c) => c.result.ok) ? 0 : 1;
  } catch (e) {
    process.stderr.write(`ovsim: ${file}: ${(e as Error).message}\n`);
    return 1;
  }
}
