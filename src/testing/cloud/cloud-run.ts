/**
 * One property run's cloud: the cloud file, the cloud started from it, and
 * the steps run so far as the file writes them, so that a failure can hand
 * back a replay file at any point.
 *
 * Every step goes through the file format: `step(json)` parses the file
 * with the new step appended (parseCloudFile: the step is checked exactly as
 * `ovsim cloud` checks it, against the steps before it) and runs the typed
 * step it gets. A step the cloud refuses or cannot carry out (a
 * CloudStepError, a failed step) fails the run with the replay file, and
 * so do agent errors (what the cloud says on stderr as `agent error`).
 */
import type { AgentFactory } from "../../cloud/agent-factory.js";
import { parseCloudFile } from "../../cloud/cloud-file.js";
import type { Cloud } from "../../cloud/cloud.js";
import { createCloud } from "../../cloud/cloud.js";
import { OvsimError } from "../../flowtable/errors.js";
import type { CloudFileJson, StepJson } from "./cloud-json.js";
import type { FlowSnapshot, IsolationCursor } from "./properties.js";
import { flowSnapshot } from "./properties.js";
import type { CloudCheckName, CloudViolation } from "./violation.js";
import { CloudPropertyFailure } from "./violation.js";

export interface CloudRunOptions {
  /** Each host's agent (default the ported Neutron agent). */
  readonly agent?: AgentFactory;
}

export class CloudRun {
  readonly file: CloudFileJson;
  readonly cloud: Cloud;
  /** The steps run so far, as the file writes them. */
  readonly steps: StepJson[] = [];
  /** Where the isolation check stopped on each endpoint. */
  readonly isolationCursor: IsolationCursor = new WeakMap();
  /** Every bridge's flows right after start-up: what fresh agents with the file's config install. */
  readonly startFlows: FlowSnapshot;
  private stderrSeen = 0;

  constructor(file: CloudFileJson, options: CloudRunOptions = {}) {
    this.file = { ...file, steps: [] };
    this.cloud = createCloud(this.file, options.agent === undefined ? {} : { agent: options.agent });
    this.startFlows = flowSnapshot(this.cloud);
    this.failOnAgentErrors();
  }

  /** The file with the steps run so far, then `extra`. */
  replay(extra: readonly StepJson[] = []): CloudFileJson {
    return { ...this.file, steps: [...this.steps, ...extra] };
  }

  /** Runs one step (see the file comment); a refused or failed step throws CloudPropertyFailure. */
  step(json: StepJson): void {
    let ok: boolean;
    try {
      const spec = parseCloudFile({ ...this.file, steps: [...this.steps, json] });
      const typed = spec.steps[spec.steps.length - 1];
      if (typed === undefined) throw new Error("no step parsed");
      this.steps.push(json);
      ok = this.cloud.step(typed);
    } catch (e) {
      if (!(e instanceof OvsimError)) throw e;
      this.fail("model", [{ check: "model", message: `step ${this.steps.length - 1} (${json.op}) failed: ${e.message}` }]);
    }
    if (!ok) this.fail("model", [{ check: "model", message: `step ${this.steps.length - 1} (${json.op}) failed: ${this.cloud.stderr.slice(this.stderrSeen).join(" / ")}` }]);
    this.failOnAgentErrors();
  }

  /** Throws CloudPropertyFailure with the replay file (and `extra` steps after it) when `violations` is not empty. */
  expect(check: CloudCheckName, violations: readonly CloudViolation[], trace: () => readonly string[] = () => [], extra: readonly StepJson[] = []): void {
    if (violations.length > 0) this.fail(check, violations, trace(), extra);
  }

  fail(check: CloudCheckName, violations: readonly CloudViolation[], trace: readonly string[] = [], extra: readonly StepJson[] = []): never {
    throw new CloudPropertyFailure(check, violations, this.replay(extra), trace);
  }

  private failOnAgentErrors(): void {
    const lines = this.cloud.stderr.slice(this.stderrSeen);
    this.stderrSeen = this.cloud.stderr.length;
    const errors = lines.filter((l) => l.includes(": agent error: "));
    if (errors.length > 0) this.fail("model", errors.map((message) => ({ check: "model", message })));
  }
}
