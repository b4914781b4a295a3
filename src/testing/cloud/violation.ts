/**
 * What a cloud check finds, and what a failing cloud property throws.
 *
 * A check returns violations (an empty list: the cloud passes), plain data
 * that prints well in a test's diff. A property run that finds one throws
 * CloudPropertyFailure: the check's name, its violations, the replay file
 * (the cloud file with every step that ran, and the steps that show the
 * failure: `ovsim cloud FILE` runs it as it is) and the cross-host trace
 * of the offending packet (or, for flow checks, the flows at fault). Its
 * message carries all of it, so the counterexample fast-check prints after
 * shrinking is replayable by copy and paste.
 */
import { OvsimError } from "../../flowtable/errors.js";
import type { CloudFileJson } from "./cloud-json.js";

/** The checks of properties.ts by name; "model": the cloud against the model (and steps that failed); "afterEvent": the caller's own check. */
export type CloudCheckName = "model" | "isolation" | "reachability" | "noStorms" | "learnedFlowsExpire" | "noLeaks" | "afterEvent";

export interface CloudViolation {
  readonly check: CloudCheckName;
  /** One line saying what is wrong. */
  readonly message: string;
  /** The VM that sent the offending packet, when there is one. */
  readonly from?: string;
  /** The VM that received it (or should have). */
  readonly to?: string;
  /** The offending frame as the receiver got it, hex. */
  readonly frame?: string;
  /** The host whose flows are at fault (flow checks). */
  readonly host?: string;
}

export class CloudPropertyFailure extends OvsimError {
  readonly code = "CLOUD_PROPERTY";
  readonly check: CloudCheckName;
  readonly violations: readonly CloudViolation[];
  /** The cloud file that replays the failure (`ovsim cloud FILE`). */
  readonly replay: CloudFileJson;
  /** The offending packet's trace across hosts (ofproto/trace blocks), or the flows at fault. */
  readonly trace: readonly string[];
  constructor(check: CloudCheckName, violations: readonly CloudViolation[], replay: CloudFileJson, trace: readonly string[]) {
    const shown = violations.slice(0, 5).map((v) => `  - ${v.message}`);
    if (violations.length > shown.length) shown.push(`  - ... and ${violations.length - shown.length} more`);
    super(
      [
        `cloud property failed: ${check}`,
        ...shown,
        "replay (save as a file, run `ovsim cloud FILE`):",
        JSON.stringify(replay, null, 1),
        ...(trace.length > 0 ? ["trace of the offending packet:", ...trace] : []),
      ].join("\n"),
    );
    this.check = check;
    this.violations = violations;
    this.replay = replay;
    this.trace = trace;
  }
}

/** Lower-case hex of bytes. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Hex back to bytes. */
export function unhex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(h.slice(i * 2, i * 2 + 2), 16);
  return out;
}
