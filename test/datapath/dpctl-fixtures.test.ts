/**
 * The datapath interface against real OVS 3.1 (fixtures/dpctl, recorded by its record.sh):
 * - `ovs-dpctl normalize-actions` (src/datapath/dpctl-normalize.ts): its lists end without a
 *   newline, so the next `###` line follows on the same line, as in the recording;
 * - ovs-dpctl's argument errors and ofproto-dpif-upcall.c's commands, stderr interleaved;
 * - `dpif-dummy/change-port-number`, `coverage/read-counter` (a counter ovsim counts, one
 *   OVS 3.1 does not have);
 * - the dump commands' options (fixtures/dpctl/dump-flows.sh): port names, `-m`'s verbose
 *   keys, `dpctl/get-flow`, `dpctl/del-flows`;
 * - flows put by hand (src/datapath/dpif-flow-put.ts): `dpctl/add-flow`, `mod-flow`, `del-flow`
 *   with OVS's errors, then dumps and a revalidator round (add-flow.ovs); keys of L3 packets,
 *   masked tcp_flags, and a packet hitting a flow put by hand (add-flow-l3.sh);
 * - what the datapath and the revalidators log at DBG (fixtures/dpctl/miss-upcall.sh): the
 *   "miss upcall" message (key and packet), flow_add lines (megaflows, then an exact-match flow
 *   once megaflows are disabled), and the revalidators' flow_dump lines (terse, then with the
 *   key printed verbose once `upcall/disable-ufid` is set), filtered by the script's own greps;
 *   flow_del (a revalidator's, revalidator/purge's) and flow_flush lines (fixtures/dpctl/flow-del.sh).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

const dir = new URL("../../fixtures/dpctl/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), "utf8");
const commands = (name: string): string[] => read(name).split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#"));

describe("ovs-dpctl and the upcall commands against real OVS (fixtures/dpctl)", () => {
  it("normalize.ovs: standard output, lists without a final newline", () => {
    const sw = new Switch();
    let got = "";
    for (const line of commands("normalize.ovs")) {
      const r = runLine(sw, line);
      const text = r.stdout.map((l) => `${l}\n`).join("");
      got += `### ${line}\n${r.noFinalNewline === true ? text.replace(/\n$/, "") : text}`;
    }
    expect(got).toBe(read("normalize.ovs.out"));
  });

  it.each(["errors.ovs", "upcall.ovs", "change-port-number.ovs", "odp-execute-impl.ovs", "appctl-normalize.ovs", "add-flow.ovs"])("%s: stdout and stderr", (name) => {
    const sw = new Switch();
    let got = "";
    for (const line of commands(name)) {
      const r = runLine(sw, line);
      got += [`### ${line}`, ...r.stdout, ...r.stderr].map((l) => `${l}\n`).join("");
    }
    expect(got).toBe(read(`${name}.out`));
  });

  it("miss-upcall.sh: the miss upcall, flow_add and flow_dump lines of ovs-vswitchd.log", () => {
    const sw = new Switch();
    const lines = commands("miss-upcall.sh");
    let out = "";
    let log = "";
    for (const line of lines.filter((l) => !l.startsWith("grep "))) {
      const r = runLine(sw, line);
      expect(r.ok, line).toBe(true);
      out += r.stdout.map((l) => `${l}\n`).join("");
      log += sw.vlog.takeFileText();
    }
    const logLines = log.split("\n").slice(0, -1);
    const stamp = /^[0-9T:.-]+Z\|[0-9]+\|/;
    // grep -A2 'miss upcall': each match and the two lines after it, `--` between groups apart.
    let last = -1;
    for (let i = 0; i < logLines.length; i++) {
      if (!(logLines[i] ?? "").includes("miss upcall")) continue;
      if (last >= 0 && i > last + 1) out += "--\n";
      const end = Math.min(i + 2, logLines.length - 1);
      for (let j = Math.max(i, last + 1); j <= end; j++) out += `${(logLines[j] ?? "").replace(stamp, "")}\n`;
      last = end;
    }
    for (const l of logLines.filter((x) => x.includes("flow_add"))) {
      out += `${l.replace(/^.*flow_add: /, "").replace(/(mega_)?ufid:[-0-9a-f]+ /g, "").replace(/actions:.*/, "actions: <del>")}\n`;
    }
    const dumps = logLines
      .filter((x) => x.includes("flow_dump "))
      .map((l) => l.replace(stamp, "").replace(/^dpif\(revalidator[0-9]+\)/, "dpif(revalidator)").replace(/ufid:[-0-9a-f]+ /, "").replace(/used:[0-9.]+s/, "used:X"));
    out += [...new Set(dumps)].sort().map((l) => `${l}\n`).join("");
    expect(out).toBe(read("miss-upcall.out"));
  });

  it.each([
    ["dump-flows", "dpctl/dump-flows --names, dpif/dump-flows -m / --names / --no-names, get-flow, del-flows"],
    ["add-flow-l3", "dpctl/add-flow of keys without eth(), with packet_type, masked tcp_flags; a packet hits one"],
  ])("%s.sh: %s", (name) => {
    const sw = new Switch();
    let out = "";
    for (const line of commands(`${name}.sh`)) {
      // A command, then the script's filters: `sed -E 's/A/B/'` (first match a line) and `LC_ALL=C sort`.
      const [command = "", ...filters] = line.split(" | ");
      const r = runLine(sw, command);
      let lines = [...r.stdout];
      for (const f of filters) {
        const sed = /^sed -E 's\/(.*)\/(.*)\/'$/.exec(f);
        if (sed !== null) lines = lines.map((l) => l.replace(new RegExp(sed[1] ?? ""), sed[2] ?? ""));
        else if (f === "LC_ALL=C sort") lines.sort();
        else throw new Error(`unknown filter ${f}`);
      }
      out += [...lines, ...r.stderr].map((l) => `${l}\n`).join("");
    }
    expect(out).toBe(read(`${name}.out`));
  });

  it("flow-del.sh: flow_del (revalidator, revalidator/purge) and flow_flush lines of ovs-vswitchd.log", () => {
    const sw = new Switch();
    let out = "";
    let log = "";
    for (const line of commands("flow-del.sh").filter((l) => !l.startsWith("grep "))) {
      const r = runLine(sw, line);
      expect(r.ok, line).toBe(true);
      out += r.stdout.map((l) => `${l}\n`).join("");
      log += sw.vlog.takeFileText();
    }
    for (const l of log.split("\n").filter((x) => /flow_del|flow_flush/.test(x))) {
      const s = l.replace(/^[0-9T:.-]+Z\|[0-9]+\|/, "").replace(/^dpif\(revalidator[0-9]+\)/, "dpif(revalidator)").replace(/ufid:[-0-9a-f]+ /, "").replace(/used:[0-9.]+s/, "used:X");
      out += `${s}\n`;
    }
    expect(out).toBe(read("flow-del.out"));
  });
});
