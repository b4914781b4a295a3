/**
 * The log lines translation, the upcall handler and the monitor thread write
 * (src/actions/xlate/xlate-context.ts's xlate_report_error / _info,
 * src/datapath/upcall-trace-log.ts, src/vswitchd/ofproto-dpif-monitor.ts) and the
 * rate limits of their sites (src/vswitchd/vlog-rate-limit.ts):
 * - fixtures/vlog/xlate-report-log.sh, recorded from real OVS 3.1 (fixtures/vlog/record.sh):
 *   a packet's translation errors at WARN and notes at INFO, five at once, then one a minute
 *   with the count of those dropped;
 * - fixtures/vlog/lldp-decode-log.sh, recorded from real OVS 3.1: lldpd's messages on malformed
 *   LLDP frames received on a port with `lldp:enable=true` (src/vswitchd/lldp-receive.ts);
 * - the token bucket against OVS's arithmetic, and `vlog/disable-rate-limit`;
 * - each line in OVS's file pattern, a thread's with its name and its own message numbers.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { VlogRateLimit } from "../../src/vswitchd/vlog-rate-limit.js";

const dir = new URL("../../fixtures/vlog/", import.meta.url);
const FILE_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|\d{5}\|[a-z_]+(\([a-z_]+\d+\))?\|(EMER|ERR|WARN|INFO|DBG)\|/;

function run(sw: Switch, lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of lines) {
    const r = runLine(sw, line);
    expect(r.stderr, line).toEqual([]);
    out.push(...r.stdout);
  }
  return out;
}

describe("translation's reports in the log, against real OVS", () => {
  it("logs errors at WARN and notes at INFO for packets, rate-limited (fixtures/vlog/xlate-report-log.sh)", () => {
    const sw = new Switch();
    const lines = readFileSync(new URL("xlate-report-log.sh", dir), "utf8").split("\n").filter((l) => l !== "");
    // The last line greps the log for the module, leaving out the time and message number.
    const out = run(sw, lines.slice(0, -1));
    const log = sw.vlog.takeFileText().split("\n").filter((l) => l.includes("|ofproto_dpif_xlate|"));
    for (const l of log) expect(l).toMatch(FILE_LINE);
    out.push(...log.map((l) => l.replace(/^[^|]*\|[^|]*\|/, "")));
    expect(out.join("\n") + "\n").toBe(readFileSync(new URL("xlate-report-log.out", dir), "utf8"));
  });

  it("logs nothing for a trace, which shows the error instead", () => {
    const sw = new Switch();
    run(sw, [
      "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
      "ovs-ofctl add-flow br0 'actions=pop:NXM_NX_REG0[]'",
    ]);
    sw.vlog.takeFileText();
    const trace = run(sw, ["ovs-appctl ofproto/trace br0 in_port=1"]);
    expect(trace.join("\n")).toContain(">>>> stack underflow <<<<");
    expect(sw.vlog.takeFileText()).toBe("");
  });

  it("logs the trace of a packet whose translation recursed too deep, once a minute", () => {
    const sw = new Switch();
    run(sw, [
      "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
      "ovs-appctl time/stop",
      "ovs-appctl upcall/disable-megaflows",
      "ovs-ofctl add-flow br0 'actions=resubmit(,0)'",
    ]);
    sw.vlog.takeFileText();
    for (const src of ["01", "02"]) {
      run(sw, [`ovs-appctl netdev-dummy/receive p1 'in_port(1),eth(src=50:54:00:00:00:${src},dst=50:54:00:00:00:0a),eth_type(0x1234)'`]);
    }
    const text = sw.vlog.takeFileText();
    const traces = text.split("\n").filter((l) => /\|ofproto_dpif_upcall\|WARN\|Flow: /.test(l));
    expect(traces).toHaveLength(1);
    // The message's final newline is trimmed (%m), as every message's.
    expect(text).toContain("Datapath actions: drop\nTranslation failed (Recursion too deep), packet is dropped.\n");
    expect(text).not.toContain("packet is dropped.\n\n");
    // Each packet's own error line (xlate_report_error) is limited apart from the trace.
    expect(text.split("\n").filter((l) => l.includes("|ofproto_dpif_xlate|WARN|over max translation depth 64 on bridge br0"))).toHaveLength(2);
  });
});

describe("a site's rate limit (vlog_should_drop over a token bucket)", () => {
  it("passes a burst, then one message per 60000 / RATE ms, counting the dropped ones", () => {
    const rl = new VlogRateLimit(1, 5);
    for (let i = 0; i < 5; i++) expect(rl.take(0)).toEqual({ pass: true, dropped: null });
    expect(rl.take(0).pass).toBe(false);
    expect(rl.take(59_999).pass).toBe(false);
    // 60 s after the last fill (at 0) the bucket holds one message again.
    expect(rl.take(60_000)).toEqual({ pass: true, dropped: "Dropped 2 log messages in last 60 seconds (most recently, 1 seconds ago) due to excessive rate" });
    expect(rl.take(60_000).pass).toBe(false);
  });

  it("never holds more than its burst, however long it waited", () => {
    const rl = new VlogRateLimit(600, 2);
    const passes = (at: number): boolean => rl.take(at).pass;
    expect([passes(0), passes(0), passes(0)]).toEqual([true, true, false]);
    expect([passes(600_000), passes(600_000), passes(600_000)]).toEqual([true, true, false]);
    // 600 a minute: one message's tokens every 100 ms.
    expect([passes(600_100), passes(600_100)]).toEqual([true, false]);
  });

  it("lets everything through after vlog/disable-rate-limit, and counts nothing for a level that is off", () => {
    const sw = new Switch();
    const m = sw.vlog.get("ofproto_dpif_xlate");
    const rl = { name: "test-site", rate: 1, burst: 1 };
    expect(m.drop("dbg", rl)).toBe(true);
    expect(m.drop("warn", rl)).toBe(false);
    expect(m.drop("warn", rl)).toBe(true);
    expect(runLine(sw, "ovs-appctl vlog/disable-rate-limit ofproto_dpif_xlate").ok).toBe(true);
    for (let i = 0; i < 10; i++) expect(m.drop("warn", rl)).toBe(false);
  });

  it("keeps its buckets in a snapshot", () => {
    const sw = new Switch();
    const rl = { name: "test-site", rate: 1, burst: 1 };
    const m = sw.vlog.get("ofproto_dpif_xlate");
    expect(m.drop("warn", rl)).toBe(false);
    const loaded = Switch.loadSnapshot(JSON.parse(JSON.stringify(sw.saveSnapshot())));
    expect(loaded.vlog.get("ofproto_dpif_xlate").drop("warn", rl)).toBe(true);
  });
});

describe("the monitor thread's lines", () => {
  it("are logged from the thread, named with the next thread serial, numbered by the thread", () => {
    const sw = new Switch();
    run(sw, ["ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy -- add-port br0 p1 -- set interface p1 type=dummy"]);
    sw.vlog.takeFileText();
    run(sw, [
      "ovs-vsctl set interface p1 bfd:enable=true",
      "ovs-vsctl set interface p1 cfm_mpid=10",
      "ovs-vsctl set interface p1 bfd:enable=false",
      "ovs-vsctl remove interface p1 cfm_mpid 10",
      "ovs-vsctl set interface p1 lldp:enable=true",
    ]);
    const lines = sw.vlog.takeFileText().split("\n").filter((l) => l.includes("ofproto_dpif_monitor"));
    for (const l of lines) expect(l).toMatch(FILE_LINE);
    expect(lines.map((l) => l.replace(/^[^|]*\|/, ""))).toEqual([
      "00001|ofproto_dpif_monitor(monitor6)|INFO|monitor thread created",
      "00002|ofproto_dpif_monitor(monitor6)|INFO|monitor thread terminated",
      "00001|ofproto_dpif_monitor(monitor7)|INFO|monitor thread created",
    ]);
  });
});

describe("lldpd's decoding of LLDP frames on LLDP-enabled ports, against real OVS", () => {
  it("logs each malformed frame's fault and a decoded Auto Attach element (fixtures/vlog/lldp-decode-log.sh)", () => {
    const sw = new Switch();
    const lines = readFileSync(new URL("lldp-decode-log.sh", dir), "utf8").split("\n").filter((l) => l !== "");
    run(sw, lines.slice(0, -1));
    const log = sw.vlog.takeFileText().split("\n").filter((l) => l.includes("|lldp|"));
    for (const l of log) expect(l).toMatch(FILE_LINE);
    expect(log.map((l) => l.replace(/^[^|]*\|[^|]*\|/, "")).join("\n") + "\n").toBe(readFileSync(new URL("lldp-decode-log.out", dir), "utf8"));
  });

  it("leaves LLDP frames to the tables on a port without LLDP", () => {
    const sw = new Switch();
    run(sw, [
      "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy fail-mode=secure -- add-port br0 p1 -- set interface p1 type=dummy ofport_request=1",
      "ovs-ofctl add-flow br0 actions=drop",
      "ovs-appctl netdev-dummy/receive p1 0180c200000ef6b426aa5f0088cc0000",
    ]);
    expect(sw.vlog.takeFileText()).not.toContain("|lldp|");
    expect(run(sw, ["ovs-ofctl dump-flows br0"]).join("\n")).toContain("n_packets=1");
  });
});
