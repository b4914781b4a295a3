// The real-OVS oracle (`../shared/ovs-oracle/ovs-run`, or the script named by OVS_RUN) as the
// recorders use it: where it is, and whether it can run. ovs-run checks for Open vSwitch
// before anything else and, when it is missing, prints an `apt-get install` hint on
// standard error and exits 2; probeOracle runs it on an empty script to find out.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The oracle the recorders use: $OVS_RUN, else ../shared/ovs-oracle/ovs-run beside the repository. */
export function oraclePath(env = process.env) {
  return env.OVS_RUN || fileURLToPath(new URL("../../shared/ovs-oracle/ovs-run", import.meta.url));
}

/**
 * Whether the oracle can record: { status: "ok" } when it runs an empty script, or
 * { status: "missing", reason } when there is no oracle script or it says Open vSwitch is not
 * installed (exit 2 with its apt-get hint), or { status: "broken", reason } when it fails
 * some other way.
 */
export function probeOracle(ovsRun = oraclePath()) {
  if (!existsSync(ovsRun)) return { status: "missing", reason: `no oracle at ${ovsRun} (set OVS_RUN)` };
  const dir = mkdtempSync(join(tmpdir(), "ovsim-oracle-probe-"));
  try {
    const script = join(dir, "empty.ovs");
    writeFileSync(script, "");
    const r = spawnSync(ovsRun, [script], { encoding: "utf8", timeout: 60_000 });
    const stderr = (r.stderr ?? "").trim();
    if (r.error) return { status: "broken", reason: `${ovsRun}: ${r.error.message}` };
    if (r.status === 2 && /not installed|apt-get install/.test(stderr)) return { status: "missing", reason: stderr.split("\n")[0] };
    if (r.status !== 0) return { status: "broken", reason: `${ovsRun} exited ${r.status ?? r.signal}: ${stderr.split("\n")[0] ?? ""}` };
    return { status: "ok" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
