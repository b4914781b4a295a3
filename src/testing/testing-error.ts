/** Errors of ovsim/testing, each with a stable code. */
import { OvsimError } from "../flowtable/errors.js";

/** A generated or given pipeline, topology or packet that the switch refuses (the failing line and OVS's message). */
export class TestingError extends OvsimError {
  readonly code = "TESTING";
}

/**
 * A property failed. `counterexample` is the shrunk case, replayable: an
 * `ovsim run` script (ovs-vsctl / ovs-ofctl / ovs-appctl lines) whose last
 * line is the `ofproto/trace` of the offending packet, and `trace` the text
 * that trace prints; `seed` and `path` replay it through fast-check.
 */
export class PropertyFailure extends OvsimError {
  readonly code = "PROPERTY_FAILED";
  readonly property: string;
  readonly script: readonly string[];
  readonly trace: string;
  readonly seed: number;
  readonly path: string;
  readonly numRuns: number;
  readonly numShrinks: number;
  constructor(o: { property: string; reason: string; script: readonly string[]; trace: string; seed: number; path: string; numRuns: number; numShrinks: number }) {
    super(
      `${o.property} failed after ${o.numRuns} run(s) and ${o.numShrinks} shrink(s) (seed ${o.seed}, path "${o.path}"): ${o.reason}\n` +
        `replay with \`ovsim run\`:\n${o.script.join("\n")}\n${o.trace}`,
    );
    this.property = o.property;
    this.script = o.script;
    this.trace = o.trace;
    this.seed = o.seed;
    this.path = o.path;
    this.numRuns = o.numRuns;
    this.numShrinks = o.numShrinks;
  }

  /** The replayable counterexample: the script followed by the trace it prints. */
  get counterexample(): string {
    return `${this.script.join("\n")}\n${this.trace}`;
  }
}
