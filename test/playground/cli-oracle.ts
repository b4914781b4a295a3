/**
 * What the `ovsim` command prints for a lesson's packets: the lesson's
 * script (or cloud file) with one `ovs-appctl ofproto/trace BRIDGE FLOW`
 * line a packet, run by `ovsim run` (or `ovsim cloud`, a `run` step on the
 * packet's host) in a child process, and each trace's path and datapath
 * actions read back from the text it printed. The playground's tests compare
 * the page (and its Session) with this.
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Lesson } from "../../playground/src/lessons/lesson.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = join(ROOT, "src/cli/main.ts");

export interface CliTrace {
  /** `BRIDGE/table=N` of each lookup that matched a flow, in order. */
  readonly path: readonly string[];
  readonly datapathActions: string;
}

/** A packet with its flow already resolved (no `{port:VM}` left). */
export interface ResolvedPacket {
  readonly host?: string;
  readonly bridge: string;
  readonly flow: string;
}

function ovsim(args: readonly string[], input: string): string {
  const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], {
    cwd: ROOT,
    input,
    encoding: "utf8",
    env: { ...process.env, OVSIM_TRACE: "" },
  });
  if (r.status !== 0) throw new Error(`ovsim ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Each trace in `out`: the lookups under its bridge("...") headings and its Datapath actions line. */
export function parseTraces(out: string): CliTrace[] {
  const traces: CliTrace[] = [];
  let path: string[] = [];
  let bridge = "";
  for (const line of out.split("\n")) {
    const b = /^\s*bridge\("(.*)"\)$/.exec(line);
    if (b !== null) bridge = b[1] ?? "";
    else if (line.startsWith("Flow: ")) path = [];
    else {
      const t = /^\s*(\d+)\. (.*)$/.exec(line);
      if (t !== null && !/^No match/.test(t[2] ?? "")) path.push(`${bridge}/table=${t[1]}`);
      const d = /^Datapath actions: (.*)$/.exec(line);
      if (d !== null) traces.push({ path, datapathActions: d[1] ?? "" });
    }
  }
  return traces;
}

/** The `ovsim` arguments and standard input that trace `packets` after `lesson`'s state. */
function commandFor(lesson: Lesson, packets: readonly ResolvedPacket[]): { args: string[]; input: string } {
  const command = (p: ResolvedPacket): string => `ovs-appctl ofproto/trace ${p.bridge} ${p.flow}`;
  if (lesson.cloud === undefined) return { args: ["run", "-"], input: `${lesson.script ?? ""}\n${packets.map(command).join("\n")}\n` };
  const doc = lesson.cloud as { readonly steps?: readonly unknown[]; readonly hosts: ReadonlyArray<{ readonly name: string }> };
  const steps = packets.map((p) => ({ op: "run", host: p.host ?? doc.hosts[0]?.name, commands: [command(p)] }));
  return { args: ["cloud", "-"], input: JSON.stringify({ ...doc, steps: [...(doc.steps ?? []), ...steps] }) };
}

function tracesIn(out: string, n: number): CliTrace[] {
  const traces = parseTraces(out);
  if (traces.length !== n) throw new Error(`expected ${n} traces from ovsim, found ${traces.length}:\n${out}`);
  return traces;
}

/** `ovsim run` (script lessons) or `ovsim cloud` (cloud lessons) tracing each packet after the lesson's state. */
export function cliTraces(lesson: Lesson, packets: readonly ResolvedPacket[]): CliTrace[] {
  const { args, input } = commandFor(lesson, packets);
  return tracesIn(ovsim(args, input), packets.length);
}

/** cliTraces in a child process that runs while the caller goes on. */
export function cliTracesAsync(lesson: Lesson, packets: readonly ResolvedPacket[]): Promise<CliTrace[]> {
  const { args, input } = commandFor(lesson, packets);
  const program = `const { main } = await import(${JSON.stringify(MAIN)}); process.exitCode = await main(process.argv.slice(1));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", program, "--", ...args], { cwd: ROOT, env: { ...process.env, OVSIM_TRACE: "" } });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`ovsim ${args.join(" ")} exited ${code}: ${err}`));
      else {
        try {
          resolve(tracesIn(out, packets.length));
        } catch (e) {
          reject(e as Error);
        }
      }
    });
    child.stdin.end(input);
  });
}
