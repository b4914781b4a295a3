#!/usr/bin/env node
// `npm run conformance:live`: when the real-OVS oracle can run (../shared/ovs-oracle/ovs-run
// or $OVS_RUN, with Open vSwitch installed), re-records every fixtures/conformance script into a temporary
// folder with fixtures/conformance/record.sh and diffs each recording against the
// committed one: drift means the installed OVS no longer prints what the committed
// recordings say (another OVS version, or a recording made by hand). Without OVS (the
// oracle exits 2 with its apt-get hint) or without the oracle it says "OVS not installed,
// skipping" and exits 0 before recording anything (scripts/ovs-oracle.mjs probeOracle).
//
//   npm run conformance:live                 every script
//   npm run conformance:live -- NAME...      some (NAME or NAME.ovs)
//   KEEP=1 npm run conformance:live          keep the temporary folder
//
// Values OVS makes random or time-dependent (dpids, MACs of bridge and patch ports,
// durations) are normalised on both sides, and `dump-flows` blocks are compared as
// sorted lists (OVS prints flows in hash order). Exit status: 0 no drift, 1 drift, 2 error.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { oraclePath, probeOracle } from "./ovs-oracle.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = join(root, "fixtures/conformance");

/** The recording's commands, each with its normalised output lines. */
function normalise(text) {
  const out = [];
  let cur = null;
  for (const raw of text.replace(/\n$/, "").split("\n")) {
    if (raw.startsWith("### ")) {
      cur = { command: raw.slice(4), lines: [] };
      out.push(cur);
      continue;
    }
    const line = raw
      .replace(/dpid:[0-9a-f]{16}/g, "dpid:<dpid>")
      .replace(/addr:(?!aa:55:aa:55:)[0-9a-f]{2}(?::[0-9a-f]{2}){5}/g, "addr:<mac>")
      .replace(/duration=\d+(?:\.\d+)?s/g, "duration=<t>");
    cur?.lines.push(line);
  }
  for (const c of out) if (/\bdump-flows\b/.test(c.command)) c.lines.sort();
  return out;
}

function diff(name, committed, fresh) {
  const a = normalise(committed);
  const b = normalise(fresh);
  const problems = [];
  if (a.length !== b.length) problems.push(`${b.length} commands recorded now, ${a.length} committed`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i].command !== b[i].command) {
      problems.push(`command ${i + 1}: now "${b[i].command}", committed "${a[i].command}" (re-run scripts.mjs and record.sh)`);
      break;
    }
    if (a[i].lines.join("\n") !== b[i].lines.join("\n")) {
      const gone = a[i].lines.filter((l) => !b[i].lines.includes(l));
      const added = b[i].lines.filter((l) => !a[i].lines.includes(l));
      problems.push(`${a[i].command}\n      committed only: ${JSON.stringify(gone)}\n      now only:       ${JSON.stringify(added)}`);
    }
  }
  return problems.map((p) => `${name}: ${p}`);
}

const ovsRun = oraclePath();
const probe = probeOracle(ovsRun);
if (probe.status === "missing") {
  console.log(`conformance:live: OVS not installed, skipping (${probe.reason})`);
  process.exit(0);
}
if (probe.status === "broken") {
  console.error(`conformance:live: the OVS oracle does not run: ${probe.reason}`);
  process.exit(2);
}

const wanted = process.argv.slice(2).map((a) => a.replace(/\.ovs$/, "").replace(/^.*\//, ""));
const names = readdirSync(dir)
  .filter((f) => f.endsWith(".ovs"))
  .map((f) => f.slice(0, -4))
  .filter((n) => wanted.length === 0 || wanted.includes(n))
  .sort();
if (names.length === 0) {
  console.error(`conformance:live: no scripts match ${wanted.join(" ")}`);
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), "ovsim-conformance-"));
try {
  const version = execFileSync("sh", ["-c", "PATH=$PATH:/usr/sbin ovs-vswitchd --version 2>/dev/null | head -1"], { encoding: "utf8" }).trim() || ovsRun;
  console.log(`conformance:live: re-recording ${names.length} scripts with ${version} into ${tmp}`);
  execFileSync(join(dir, "record.sh"), [tmp, ...names.map((n) => join(dir, `${n}.ovs`))], { stdio: "inherit", env: { ...process.env, OVS_RUN: ovsRun } });
  const drift = [];
  let drifted = 0;
  for (const name of names) {
    const committedPath = join(dir, `${name}.ovs.out`);
    const committed = existsSync(committedPath) ? readFileSync(committedPath, "utf8") : "";
    const problems = committed === "" ? [`${name}: no committed recording`] : diff(name, committed, readFileSync(join(tmp, `${name}.ovs.out`), "utf8"));
    if (problems.length > 0) drifted++;
    drift.push(...problems);
  }
  for (const d of drift) console.log(`  DRIFT ${d}`);
  console.log(`conformance:live: ${names.length - drifted}/${names.length} recordings unchanged, ${drifted} drifted`);
  process.exitCode = drifted > 0 ? 1 : 0;
} catch (e) {
  console.error(`conformance:live: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
} finally {
  if (!process.env.KEEP) rmSync(tmp, { recursive: true, force: true });
}
