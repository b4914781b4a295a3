/** `ovsim bench flows`: arguments and files; the measuring is src/bench/flow-bench.ts. */
import { FlowBenchError } from "../bench/errors.js";
import { benchFlows } from "../bench/flow-bench.js";
import { readFlowFile } from "../bench/flow-file.js";
import type { FlowFileFormat } from "../bench/flow-file.js";
import { readPackets } from "../bench/packets.js";
import { formatFlowBenchReport } from "../bench/report-text.js";

export const BENCH_USAGE = `usage: ovsim bench flows [--packets FILE] [--format ofctl|dump|classbench] [--seconds N] FILE
Measures ovsim's classifier on a rule set (docs/bench.md): lookups per second
with and without megaflow tracking against a linear scan of the same flows,
subtables and how lookups spread over them, megaflow cache hits, insert and
delete rates, memory per flow; min / median / max over timed rounds.
FILE holds ovs-ofctl add-flows lines, ovs-ofctl dump-flows output or a
ClassBench filter set (format detected unless --format says). FILE "-" reads
standard input.
  --packets FILE   flows to look up, one a line as ofproto/trace reads them,
                   optionally led by table=N, (default: derived from the rules)
  --seconds N      about how long the timed phases take together (default 3)
Run node with --expose-gc (NODE_OPTIONS=--expose-gc) for a steadier memory figure.`;

const FORMATS: ReadonlyMap<string, FlowFileFormat> = new Map([
  ["ofctl", "ofctl"],
  ["dump", "dump"],
  ["classbench", "classbench"],
]);

function usageError(message: string): number {
  process.stderr.write(`ovsim bench: ${message}\n${BENCH_USAGE}\n`);
  return 2;
}

/** `ovsim bench flows ...`; `readInput` reads a file or "-" (standard input). */
export async function benchCommand(args: string[], readInput: (file: string) => Promise<string>): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "--help" || sub === "-h") {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  if (sub !== "flows") return usageError(sub === undefined ? "missing what to benchmark (flows)" : `unknown benchmark '${sub}' (flows)`);
  let packetsFile: string | undefined;
  let format: FlowFileFormat | "auto" = "auto";
  let seconds: number | undefined;
  const files: string[] = [];
  let options = true;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] ?? "";
    if (options && (a === "--help" || a === "-h")) {
      process.stdout.write(`${BENCH_USAGE}\n`);
      return 0;
    }
    const m = options ? /^--(packets|format|seconds)(?:=(.*))?$/.exec(a) : null;
    if (m !== null) {
      const v = m[2] ?? rest[++i];
      if (v === undefined) return usageError(`--${m[1]!} needs a value`);
      if (m[1] === "packets") packetsFile = v;
      else if (m[1] === "format") {
        const f = FORMATS.get(v);
        if (f === undefined) return usageError(`unknown format '${v}' (ofctl, dump or classbench)`);
        format = f;
      } else {
        const s = Number(v);
        if (!/^\d+(\.\d+)?$/.test(v) || !(s > 0) || s > 3600) return usageError("--seconds needs a number of seconds (above 0, at most 3600)");
        seconds = s;
      }
    } else if (options && a === "--") options = false;
    else if (options && a.startsWith("-") && a !== "-") return usageError(`unknown option '${a}'`);
    else files.push(a);
  }
  const [file] = files;
  if (file === undefined) return usageError("missing FILE (a flow file, or - for standard input)");
  if (files.length > 1) return usageError("one FILE at a time");
  const name = (f: string) => (f === "-" ? "(standard input)" : f);
  const texts: string[] = [];
  for (const f of packetsFile === undefined ? [file] : [file, packetsFile]) {
    try {
      texts.push(await readInput(f));
    } catch (e) {
      process.stderr.write(`ovsim: ${name(f)}: ${(e as Error).message}\n`);
      return 1;
    }
  }
  let current = file;
  try {
    const flows = readFlowFile(texts[0]!, format);
    current = packetsFile ?? file;
    const packets = texts[1] === undefined ? undefined : readPackets(texts[1]);
    current = file;
    const g = (globalThis as { gc?: () => void }).gc;
    const report = benchFlows(flows, {
      ...(packets === undefined ? {} : { packets }),
      ...(seconds === undefined ? {} : { seconds }),
      memory: {
        usage: () => {
          const u = process.memoryUsage();
          return u.heapUsed + u.external;
        },
        gc: g,
      },
    });
    for (const l of formatFlowBenchReport(report)) process.stdout.write(`${l}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof FlowBenchError)) throw e;
    process.stderr.write(`ovsim bench: ${name(current)}: ${e.message}\n`);
    return 1;
  }
}
