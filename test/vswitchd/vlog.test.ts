/**
 * ovs-vswitchd's log (src/vswitchd/vlog.ts, src/utilities/appctl-vlog.ts):
 * - every fixtures/vlog/*.ovs script answers, stdout and stderr interleaved, what real
 *   OVS 3.1 answered, and select groups log their construction as OVS's
 *   (fixtures/vlog/select-group-log.sh; both recorded by fixtures/vlog/record.sh);
 * - `vlog/set` against a naive model of OVS's rules: any sequence of specs leaves the
 *   levels `vlog/list` shows equal to the model's;
 * - the file's lines are OVS's file pattern, the logging sites log only at DBG, and a
 *   module below DBG formats nothing on the packet path.
 */
import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runLine, runScript } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { VLOG_MODULE_NAMES } from "../../src/vswitchd/vlog-modules.js";
import { MAX_LOG_FILE_CHARS } from "../../src/vswitchd/vlog.js";

const dir = new URL("../../fixtures/vlog/", import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".ovs"));

describe("ovs-appctl vlog/... against real OVS", () => {
  it.each(scripts)("%s", (name) => {
    const expected = readFileSync(new URL(`${name}.out`, dir), "utf8");
    const out = runScript(readFileSync(new URL(name, dir), "utf8"));
    const got = out.lines.flatMap(({ command, result }) => [`### ${command}`, ...result.stdout, ...result.stderr]).join("\n") + "\n";
    expect(got).toBe(expected);
  });
});

const LEVELS = ["OFF", "EMER", "ERR", "WARN", "INFO", "DBG"] as const;
const DESTS = ["syslog", "console", "file"] as const;

/** A naive model of vlog_set_levels_from_string: words in any order, each kind at most once. */
function modelSet(model: Map<string, string[]>, words: readonly string[]): void {
  const dest = words.find((w) => (DESTS as readonly string[]).includes(w));
  const level = words.find((w) => (LEVELS as readonly string[]).includes(w.toUpperCase())) ?? "DBG";
  const mod = words.find((w) => model.has(w));
  for (const [name, levels] of model) {
    if (mod !== undefined && name !== mod) continue;
    for (let d = 0; d < 3; d++) if (dest === undefined || DESTS[d] === dest) levels[d] = level.toUpperCase();
  }
}

function listOf(sw: Switch): Map<string, string[]> {
  const lines = runLine(sw, "ovs-appctl vlog/list").stdout.slice(2);
  // `%-16s  %4s       %4s       %4s`: console, syslog, file.
  return new Map(lines.map((l) => {
    const [name = "", con = "", sys = "", file = ""] = l.trim().split(/\s+/);
    return [name, [sys, con, file]];
  }));
}

describe("vlog/set against a model", () => {
  const modules = ["dpif", "dpif_netdev", "ofproto_dpif", "bridge"] as const;
  const spec = fc
    .tuple(fc.option(fc.constantFrom(...modules), { nil: undefined }), fc.option(fc.constantFrom(...DESTS), { nil: undefined }), fc.option(fc.constantFrom(...LEVELS), { nil: undefined }))
    .chain(([m, d, l]) => fc.shuffledSubarray([m, d, l].flatMap((w): string[] => (w === undefined ? [] : [w])), { minLength: 0 }).map((ws) => [...ws]));

  it("leaves vlog/list as the model says", () => {
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 8 }), (specs) => {
        const sw = new Switch();
        const model = new Map<string, string[]>(VLOG_MODULE_NAMES.map((n) => [n, ["INFO", "OFF", "INFO"]]));
        for (const words of specs) {
          // An empty argument sets nothing's kind: every module and destination to DBG, as a bare word list does.
          const r = runLine(sw, `ovs-appctl vlog/set '${words.join(":")}'`);
          expect(r.ok).toBe(true);
          modelSet(model, words);
        }
        expect(listOf(sw)).toEqual(model);
      }),
      { numRuns: 200 },
    );
  });
});

function withFlows(sw: Switch): void {
  for (const line of [
    "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy",
    "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
    "ovs-vsctl add-port br0 p2 -- set interface p2 type=dummy ofport_request=2",
    "ovs-ofctl add-flow br0 in_port=1,actions=output:2",
  ]) expect(runLine(sw, line).ok).toBe(true);
}

const RECEIVE = "ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=50:54:00:00:00:09,dst=50:54:00:00:00:0a),eth_type(0x0800),ipv4(src=10.0.0.2,dst=10.0.0.1,proto=1,tos=0,ttl=64,frag=no),icmp(type=8,code=0)'";

describe("the file log", () => {
  it("says how each select group is constructed, as OVS's (fixtures/vlog/select-group-log.sh)", () => {
    const sw = new Switch();
    const lines = readFileSync(new URL("select-group-log.sh", dir), "utf8").split("\n").filter((l) => l !== "");
    // The last line greps the log (OVS's bridge and datapath-probe lines are left out by its pattern).
    for (const line of lines.slice(0, -1)) expect(runLine(sw, line).ok, line).toBe(true);
    const got = sw.vlog.takeFileText().split("\n").filter((l) => l.includes("|ofproto_dpif|DBG|")).map((l) => l.replace(/^.*ofproto_dpif/, "ofproto_dpif"));
    expect(got.join("\n") + "\n").toBe(readFileSync(new URL("select-group-log.out", dir), "utf8"));
  });

  it("says what each conntrack flush flushes, as OVS's ct_dpif (fixtures/vlog/ct-flush-log.sh)", () => {
    const sw = new Switch();
    const lines = readFileSync(new URL("ct-flush-log.sh", dir), "utf8").split("\n").filter((l) => l !== "");
    for (const line of lines.slice(0, -1)) expect(runLine(sw, line).ok, line).toBe(true);
    const got = sw.vlog.takeFileText().split("\n").filter((l) => l.includes("|ct_dpif|DBG|")).map((l) => l.replace(/^.*ct_dpif/, "ct_dpif"));
    expect(got.join("\n") + "\n").toBe(readFileSync(new URL("ct-flush-log.out", dir), "utf8"));
  });

  it("has bridge's INFO lines by default, in OVS's file pattern", () => {
    const sw = new Switch();
    withFlows(sw);
    const lines = sw.vlog.takeFileText().split("\n").filter((l) => l !== "");
    expect(lines).toContain("1970-01-01T00:00:00.000Z|00002|bridge|INFO|bridge br0: added interface p1 on port 1");
    for (const l of lines) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|\d{5}\|bridge\|INFO\|bridge br0: added interface \S+ on port \d+$/);
    expect(sw.vlog.takeFileText()).toBe("");
  });

  it(`keeps at most MAX_LOG_FILE_CHARS of text nobody took, the newest lines (${MAX_LOG_FILE_CHARS} characters)`, () => {
    const sw = new Switch();
    const bridge = sw.vlog.get("bridge");
    const line = (i: number) => `line ${String(i).padStart(8, "0")} ${"x".repeat(100)}`;
    let i = 0;
    sw.vlog.takeFileText();
    // Up to the limit: nothing goes.
    const lineChars = `1970-01-01T00:00:00.000Z|00001|bridge|INFO|${line(0)}\n`.length;
    const atLimit = Math.floor(MAX_LOG_FILE_CHARS / lineChars);
    for (; i < atLimit; i++) bridge.info(line(i));
    const kept = sw.vlog.takeFileText();
    expect(kept.length).toBeLessThanOrEqual(MAX_LOG_FILE_CHARS);
    expect(kept.split("\n").filter((l) => l !== "")).toHaveLength(atLimit);
    // Twice the limit: the oldest half goes, the newest line stays.
    for (i = 0; i < 2 * atLimit; i++) bridge.info(line(i));
    const text = sw.vlog.takeFileText();
    expect(text.length).toBeLessThanOrEqual(MAX_LOG_FILE_CHARS);
    expect(text.length).toBeGreaterThan(MAX_LOG_FILE_CHARS - 2 * lineChars);
    expect(text.endsWith(`${line(2 * atLimit - 1)}\n`)).toBe(true);
    expect(text).not.toContain(line(0));
  });

  it("logs flow_add at dpif_netdev:dbg only", () => {
    const sw = new Switch();
    withFlows(sw);
    sw.vlog.takeFileText();
    runLine(sw, RECEIVE);
    expect(sw.vlog.takeFileText()).toBe("");
    runLine(sw, "ovs-appctl revalidator/purge");
    runLine(sw, "ovs-appctl vlog/set dpif_netdev:file:dbg");
    runLine(sw, RECEIVE);
    const text = sw.vlog.takeFileText();
    expect(text).toMatch(/\|dpif_netdev\|DBG\|flow_add: ufid:[-0-9a-f]+ mega_ufid:[-0-9a-f]+ recirc_id\(0\),in_port\(1\),packet_type\(ns=0,id=0\),eth_type\(0x0800\),ipv4\(frag=no\), actions:2\n$/);
    runLine(sw, "ovs-appctl vlog/close");
    runLine(sw, "ovs-appctl revalidator/purge");
    runLine(sw, RECEIVE);
    expect(sw.vlog.takeFileText()).toBe("");
  });

  it("formats nothing on the packet path when dpif_netdev is below DBG", () => {
    const sw = new Switch();
    withFlows(sw);
    runLine(sw, RECEIVE);
    runLine(sw, "ovs-appctl revalidator/purge");
    const dpif = sw.datapaths.all()[0];
    expect(dpif).toBeDefined();
    if (dpif === undefined) return;
    let built = 0;
    dpif.log = { dbg: false, debug: () => built++ };
    runLine(sw, RECEIVE);
    expect(built).toBe(0);
  });
});
