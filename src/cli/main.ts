/** The `ovsim` command line. */
import { readFileSync } from "node:fs";
import { runScript } from "./run-script.js";

const USAGE = `usage: ovsim run SCRIPT...
Runs scripts of ovs-vsctl / ovs-ofctl lines against an in-process Open vSwitch
model and prints what each command prints (errors on standard error).
  OVSIM_TRACE=1   print "### <command>" before each command's output`;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...files] = argv;
  if (cmd === "--help" || cmd === "-h" || cmd === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return cmd === undefined ? 2 : 0;
  }
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
