/**
 * `npm run ovs-tests:one -- PATTERN...`: runs the converted OVS 3.1 tests whose
 * names (FILE/NNN-slug) contain one of the patterns against ovsim and prints
 * each verdict with its first difference; `-v` also prints ovsim's output of
 * every check. For working on one failing test without running all 420.
 */
import { judge, loadTests, runOnOvsim } from "../../test/ovs-tests/harness.js";

const args = process.argv.slice(2);
const verbose = args.includes("-v");
const patterns = args.filter((a) => a !== "-v");
if (patterns.length === 0) {
  console.error("usage: npm run ovs-tests:one -- [-v] PATTERN...  (e.g. ofproto/003 or learn/)");
  process.exit(2);
}
const tests = loadTests().filter((t) => patterns.some((p) => t.name.includes(p)));
if (tests.length === 0) {
  console.error(`no converted test's name contains ${patterns.map((p) => JSON.stringify(p)).join(" or ")}`);
  process.exit(2);
}
let failed = 0;
for (const t of tests) {
  if (t.entry.excluded !== undefined) {
    console.log(`${t.name}: excluded (${t.entry.excluded})`);
    continue;
  }
  const got = await runOnOvsim(t.script);
  const v = judge(t, got);
  if (!v.pass) failed++;
  console.log(`${t.name}: ${v.pass ? "pass" : `FAIL — ${v.problem ?? ""}`}`);
  if (verbose) console.log(JSON.stringify(got, null, 1));
}
process.exitCode = failed === 0 ? 0 : 1;
