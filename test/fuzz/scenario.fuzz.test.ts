/**
 * Fuzzing scenario files (runScenario): small scenarios and the fixtures'
 * (fixtures/scenarios/*.scn, cut short) with lines replaced, inserted or
 * dropped, hostile names and numbers in them.
 *
 * (a) runScenario returns a result or throws a typed error (ScenarioError
 *     naming a line, or another OvsimError), and each command's result is
 *     well formed; (b) the event loop runs a bounded number of events.
 *
 * A scenario costs 5 to 10 ms (each host's `add-br` alone is 3 ms: 255 flow
 * tables), so this entry point runs SCENARIO_RUNS inputs, a fifth of the
 * others' FUZZ_RUNS (1000 by default, 20000 in `npm run fuzz`), to keep the
 * default run within a minute on 2 cores; most inputs are small scenarios,
 * and a fixture is cut short.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OvsimError } from "../../src/flowtable/errors.js";
import { MAX_PING_COUNT, runScenario, ScenarioError } from "../../src/sim/scenario.js";
import { expectWellFormed, fuzzText, hostileToken, HOSTILE_NAMES, HOSTILE_NUMBERS, params, RUNS, SCENARIO_FILES, SCENARIO_LINES, timeoutFor, typed } from "./fuzz-support.js";


/** Two hosts on one segment, a VM each, a capture and a ping: every directive, cheaply. */
const TWO_HOSTS = `host h1
ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 eth0 -- set interface eth0 type=dummy
ovs-vsctl add-port br0 tap1 -- set interface tap1 type=dummy
host h2
ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 eth0 -- set interface eth0 type=dummy
ovs-vsctl add-port br0 tap2 -- set interface tap2 type=dummy
segment s1 latency=50
link h1 eth0 s1
link h2 eth0 s1
vm a h1 tap1 fa:16:3e:00:00:01 10.0.0.1
vm b h2 tap2 fa:16:3e:00:00:02 10.0.0.2
capture s1
capture h1 tap1
ping a 10.0.0.2 count=2
on h1
ovs-ofctl add-flow br0 priority=10,in_port=tap1,actions=NORMAL
run 100`;

/** One host, two VMs on one bridge. */
const ONE_HOST = `host h1
ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy
ovs-vsctl add-port br0 tap1 -- set interface tap1 type=dummy
ovs-vsctl add-port br0 tap2 -- set interface tap2 type=dummy
vm a h1 tap1 fa:16:3e:00:00:01 10.0.0.1
vm b h1 tap2 fa:16:3e:00:00:02 10.0.0.2
ping a 10.0.0.2
run`;

const SCENARIO_RUNS = Math.max(1, Math.round(RUNS / 5));

const SEEDS: readonly string[] = [TWO_HOSTS, ONE_HOST];

/** Directive lines made hostile: names from Object.prototype, numbers past every width. */
const hostileDirective: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("host", "on", "segment", "link", "vm", "capture", "ping", "run"), fc.array(fc.oneof(hostileToken, fc.constantFrom(...HOSTILE_NAMES, ...HOSTILE_NUMBERS, "h1", "a", "s1", "tap1", "10.0.0.2", "count=", "latency=", "hub")), { maxLength: 5 }))
  .map(([verb, args]) => [verb, ...args].join(" "));

type LineEdit = readonly [number, "replace" | "insert" | "delete", string];

const lineEdit: fc.Arbitrary<LineEdit> = fc.tuple(
  fc.nat({ max: 200 }),
  fc.constantFrom("replace" as const, "insert" as const, "delete" as const),
  fc.oneof(fuzzText(SCENARIO_LINES), hostileDirective),
);

/** A scenario: a small seed (mostly) or a fixture cut short, with up to three line edits. */
const scenarioText: fc.Arbitrary<string> = fc
  .tuple(
    fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...SEEDS) }, { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...SCENARIO_FILES), fc.nat({ max: 40 })).map(([f, n]) => f.split("\n").slice(0, n).join("\n")) }),
    fc.array(lineEdit, { maxLength: 3 }),
  )
  .map(([text, edits]) => {
    const lines = text.split("\n");
    for (const [at, kind, line] of edits) {
      const i = at % (lines.length + 1);
      if (kind === "replace") lines[Math.min(i, lines.length - 1)] = line;
      else if (kind === "insert") lines.splice(i, 0, line);
      else lines.splice(i, 1);
    }
    return lines.join("\n");
  });

describe("fuzz: scenario files", () => {
  it(
    `${SCENARIO_RUNS} scenarios run, or stop at a line with a typed error, with a bounded number of events`,
    () => {
      let stopped = 0;
      fc.assert(
        fc.property(scenarioText, (text) => {
          const r = typed(text, () => runScenario(text));
          if (r instanceof OvsimError) {
            stopped++;
            if (r instanceof ScenarioError) expect(r.line).toBeGreaterThanOrEqual(0);
            return;
          }
          for (const c of r.commands) expectWellFormed(c.command, c.result, text);
          // Pings (at most MAX_PING_COUNT each, a few events apiece) and `run` lines are what schedule events.
          const lines = text.split("\n").length;
          expect(r.sim.loop.processed).toBeLessThanOrEqual(lines * (64 * MAX_PING_COUNT + 10_000));
        }),
        params(SCENARIO_RUNS),
      );
      expect(stopped).toBeGreaterThan(0);
    },
    timeoutFor(20, SCENARIO_RUNS),
  );
});
