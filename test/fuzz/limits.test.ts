/**
 * Every limit of docs/reliability.md's table at its bound: the last value
 * accepted and the first one refused. Where OVS sets the bound, the answer
 * on both sides is real OVS 3.1's (fixtures/reliability/limits-at-the-limit.ovs,
 * and the flow-table, datapath-flow and MAC-table scripts beside it, replayed
 * by their own tests); where the bound is ovsim's own (OVS has none, or only
 * memory), the value at the bound works and the next one is refused with the
 * limit's typed error and message.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_PY_BYTES, MAX_PY_DEPTH, MAX_PY_INT_BITS, RyuSyntaxError } from "../../src/ryu/py-expr.js";
import { parsePacket } from "../../src/ryu/packet-desc.js";
import { MAX_LATENCY_US, MAX_PING_COUNT, runScenario, ScenarioError } from "../../src/sim/scenario.js";
import { runScript } from "../../src/utilities/run-script.js";
import { loadRecording } from "../support/recordings.js";

const dir = new URL("../../fixtures/reliability/", import.meta.url);

/** A command's output, with a dump-flows block sorted (OVS prints flows in hash order). */
function comparable(command: string, lines: readonly string[]): readonly string[] {
  return command.includes("dump-flows") ? [...lines].sort() : lines;
}

describe("OVS's own bounds, both sides, as real OVS answers (limits-at-the-limit.ovs)", () => {
  it("action nesting (99 / 100), --len (59 / 60), time/warp's arguments, field widths (2^32 - 1 / 2^32, 2^64 - 1 / 2^64), subfield bits and datapath in_port (C ints: negative, wrapped)", () => {
    const recording = loadRecording("limits-at-the-limit", dir);
    const out = runScript(readFileSync(new URL("limits-at-the-limit.ovs", dir), "utf8"));
    expect(out.lines.map((l) => l.command)).toEqual(recording.map((r) => r.command));
    out.lines.forEach((l, i) => {
      expect(comparable(l.command, l.result.stdout), l.command.slice(0, 80)).toEqual(comparable(l.command, recording[i]?.output ?? []));
    });
  });
});

describe("ovsim's own bounds: the bound is accepted, one past it refused", () => {
  const head = "host h1\novs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy\novs-vsctl add-port br0 tap1 -- set interface tap1 type=dummy\nvm a h1 tap1 fa:16:3e:00:00:01 10.0.0.1\n";

  it(`a scenario's ping count: ${MAX_PING_COUNT} is accepted, ${MAX_PING_COUNT + 1} is not`, () => {
    expect(() => runScenario(`${head}ping a 10.0.0.2 count=${MAX_PING_COUNT}\n`)).not.toThrow();
    expect(() => runScenario(`${head}ping a 10.0.0.2 interval=0\n`)).toThrow("line 5: ping: unknown option interval=0 (ping VM IP [count=N])");
    expect(() => runScenario(`${head}ping a 10.0.0.2 count=${MAX_PING_COUNT + 1}\n`)).toThrow(`count: ${MAX_PING_COUNT + 1} is more than ${MAX_PING_COUNT}, ovsim's limit`);
  });

  it(`a segment's latency: ${MAX_LATENCY_US} µs is accepted, one more is not`, () => {
    expect(() => runScenario(`${head}segment s1 latency=${MAX_LATENCY_US}\n`)).not.toThrow();
    expect(() => runScenario(`${head}segment s1 latency=${MAX_LATENCY_US + 1}\n`)).toThrow(ScenarioError);
  });

  it(`Ryu packet strings: ${MAX_PY_DEPTH} levels of nesting, ${MAX_PY_INT_BITS}-bit integers and ${MAX_PY_BYTES} bytes are read; one more is a RyuSyntaxError`, () => {
    const nested = (n: number): string => `${"(".repeat(n)}b'x'${")".repeat(n)}`;
    // parsePacket's own call adds a level: the payload nests one less than the parser's count.
    let deepest = 0;
    for (let n = MAX_PY_DEPTH - 3; n <= MAX_PY_DEPTH + 1; n++) {
      try {
        parsePacket(nested(n));
        deepest = n;
      } catch (e) {
        expect(e).toBeInstanceOf(RyuSyntaxError);
        expect((e as Error).message).toContain(`nested more than ${MAX_PY_DEPTH} deep`);
        break;
      }
    }
    expect(deepest).toBeGreaterThanOrEqual(MAX_PY_DEPTH - 2);
    expect(() => parsePacket(nested(deepest + 1))).toThrow(RyuSyntaxError);

    const widest = `ethernet(ethertype=2048) / ipv4(identification=${(1n << BigInt(MAX_PY_INT_BITS)) - 1n} - ${(1n << BigInt(MAX_PY_INT_BITS)) - 2n})`;
    expect(() => parsePacket(widest)).not.toThrow();
    expect(() => parsePacket(`ethernet(ethertype=2048) / ipv4(identification=${1n << BigInt(MAX_PY_INT_BITS)})`)).toThrow(`integer wider than ${MAX_PY_INT_BITS} bits`);

    expect(() => parsePacket(`b'x' * ${MAX_PY_BYTES}`)).not.toThrow();
    expect(() => parsePacket(`b'x' * ${MAX_PY_BYTES + 1}`)).toThrow(RyuSyntaxError);
  });
});
