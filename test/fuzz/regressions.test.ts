/**
 * Every input of the fuzz campaign's issue, with the answer it must get
 * (docs/reliability.md). Where OVS answers, the answer is OVS's: the lines of
 * fixtures/reliability/issue-inputs.ovs were recorded against real OVS 3.1
 * and ovsim must print the same. Where OVS would not answer (a warp of
 * 10^20 steps, a FIFO without a writer, a 4 GB packet), the answer is
 * ovsim's limit, refused with a clear message and nothing changed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { parseOdpFlow } from "../../src/datapath/odp-flow-parse.js";
import { strtoull } from "../../src/flowtable/c-strto.js";
import { LimitError, OvsimError } from "../../src/flowtable/errors.js";
import { parsePacket } from "../../src/ryu/packet-desc.js";
import { RyuSyntaxError } from "../../src/ryu/py-expr.js";
import { RyuEncodeError } from "../../src/ryu/encode-util.js";
import { encodePacket } from "../../src/ryu/packet-encode.js";
import { runScenario, ScenarioError } from "../../src/sim/scenario.js";
import { MAX_FLOW_FILE_BYTES } from "../../src/utilities/flow-file.js";
import { runLine, runScript } from "../../src/utilities/run-script.js";
import { MAX_PACKET_LEN } from "../../src/vswitchd/netdev-dummy.js";
import { MAX_CLOCK_MS, MAX_WARP_STEPS, Switch } from "../../src/vswitchd/switch.js";
import { loadRecording } from "../support/recordings.js";
import { snapshot } from "./fuzz-support.js";

const dir = new URL("../../fixtures/reliability/", import.meta.url);
const tmp = mkdtempSync(join(tmpdir(), "ovsim-reliability-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  vi.restoreAllMocks();
});

/** A switch with br0 and dummy port p1 (ofport 1). */
function switchWithPort(): Switch {
  const sw = new Switch();
  for (const l of ["ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy", "ovs-vsctl add-port br0 p1 -- set interface p1 type=dummy ofport_request=1"]) {
    expect(runLine(sw, l).ok).toBe(true);
  }
  return sw;
}

/** Runs `line` on `sw`: it must be refused with `stderr` and leave the switch as it was. */
function expectRefused(sw: Switch, line: string, stderr: readonly string[]): void {
  const before = snapshot(sw);
  const r = runLine(sw, line);
  expect(r.ok).toBe(false);
  expect(r.stderr).toEqual(stderr);
  const after = snapshot(sw);
  expect(after.db).toBe(before.db);
  expect(after.text).toBe(before.text);
}

const SERVER_ERROR = "ovs-appctl: ovs-vswitchd: server returned an error";
const UDP = "in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x0800),ipv4(src=10.0.0.1,dst=10.0.0.2,proto=17,tos=0,ttl=64,frag=no),udp(src=1,dst=2)";

describe("the issue's inputs, as real OVS answers them (fixtures/reliability/issue-inputs.ovs)", () => {
  it("ovsim prints what OVS 3.1 printed, command by command", () => {
    const recording = loadRecording("issue-inputs", dir);
    const out = runScript(readFileSync(new URL("issue-inputs.ovs", dir), "utf8"));
    expect(out.lines.map((l) => l.command)).toEqual(recording.map((r) => r.command));
    out.lines.forEach((l, i) => {
      expect(l.result.stdout, l.command).toEqual(recording[i]?.output);
      expect(l.result.stderr.filter((s) => s.includes("internal error")), l.command).toEqual([]);
    });
  });
});

describe("names from Object.prototype are unknown names, with OVS's words", () => {
  const cases: readonly (readonly [string, readonly string[]])[] = [
    ["ovs-vsctl constructor", ["ovs-vsctl: unknown command 'constructor'; use --help for help"]],
    ["ovs-vsctl --if-exists __proto__", ["ovs-vsctl: unknown command '__proto__'; use --help for help"]],
    ["ovs-ofctl add-flow br0 actions=__proto__", ["ovs-ofctl: unknown action __proto__"]],
    ["ovs-ofctl add-flow br0 actions=constructor", ["ovs-ofctl: unknown action constructor"]],
    ["ovs-ofctl add-flow br0 'ip,actions=ct(exec(constructor))'", ["ovs-ofctl: unknown action constructor"]],
    ["ovs-ofctl add-flow br0 'actions=conjunction(1,1/2),constructor'", ["ovs-ofctl: unknown action constructor"]],
    ["ovs-appctl ofproto/trace 'constructor()'", ["syntax error at constructor() (or the bridge name was omitted)", SERVER_ERROR]],
    [
      "ovs-appctl ofproto/trace 'in_port(1),eth(src=00:00:00:00:00:01,dst=00:00:00:00:00:02),eth_type(0x8847),mpls(valueOf=6)'",
      ["syntax error at mpls(valueOf=6) (or the bridge name was omitted)", SERVER_ERROR],
    ],
    ["ovs-ofctl -O OpenFlow15 add-group br0 group_id=2,type=constructor,bucket=output:1", ["ovs-ofctl: invalid group type constructor"]],
  ];
  it.each(cases)("%s", (line, stderr) => {
    const sw = switchWithPort();
    expectRefused(sw, line, stderr);
  });

  it("a refused group type leaves no group (it dumped as type=undefined)", () => {
    const sw = switchWithPort();
    runLine(sw, "ovs-ofctl -O OpenFlow15 add-group br0 group_id=2,type=constructor,bucket=output:1");
    expect(runLine(sw, "ovs-ofctl -O OpenFlow15 dump-groups br0").stdout).toEqual(["OFPST_GROUP_DESC reply (OF1.5) (xid=0x2):"]);
  });

  it("an interface type named like an Object member is no tunnel type", () => {
    const sw = switchWithPort();
    const r = runLine(sw, "ovs-vsctl add-port br0 x -- set interface x type=constructor");
    expect(r.stderr[0]).toBe("ovs-vsctl: Error detected while setting up 'x': could not open network device x (Address family not supported by protocol).  See ovs-vswitchd log for details.");
  });
});

describe("packet lengths: --len as OVS reads it (an int from strtol), at most MAX_PACKET_LEN", () => {
  it("--len 4294967297 is 1 to OVS: too small (it was a 4 GB buffer, then a RangeError)", () => {
    expectRefused(switchWithPort(), `ovs-appctl netdev-dummy/receive p1 '${UDP}' --len 4294967297`, ["too small packet len", SERVER_ERROR]);
    expectRefused(switchWithPort(), `ovs-appctl netdev-dummy/receive p1 '${UDP}' --len 4294967295`, ["too small packet len", SERVER_ERROR]);
  });

  it("--len 65536 is a packet, as in OVS; past MAX_PACKET_LEN ovsim refuses with its limit", () => {
    const sw = switchWithPort();
    expect(runLine(sw, `ovs-appctl netdev-dummy/receive p1 '${UDP}' --len 65536`)).toMatchObject({ ok: true, stderr: [] });
    expect(runLine(sw, `ovs-appctl netdev-dummy/receive p1 '${UDP}' --len ${MAX_PACKET_LEN}`).ok).toBe(true);
    expectRefused(sw, `ovs-appctl netdev-dummy/receive p1 '${UDP}' --len 2147483647`, [
      `too large packet len (ovsim composes packets of at most ${MAX_PACKET_LEN} bytes)`,
      SERVER_ERROR,
    ]);
  });
});

describe("datapath flow text: encap( nests at most as deep as OVS's MAX_ODP_NESTED", () => {
  it("thousands of encap( are a syntax error at the top-level attribute, not a stack overflow", () => {
    const deep = `in_port(1),${"encap(".repeat(5000)}${")".repeat(5000)}`;
    const r = parseOdpFlow(deep, new Map());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.startsWith("syntax error at encap(encap(")).toBe(true);
    expect(parseOdpFlow(`${"encap(".repeat(1_000_000)}`, new Map()).ok).toBe(false);
    const sw = switchWithPort();
    const line = runLine(sw, `ovs-appctl ofproto/trace '${deep}'`);
    expect(line.stderr).toEqual([`syntax error at ${deep.slice("in_port(1),".length)} (or the bridge name was omitted)`, SERVER_ERROR]);
  });

  it("31 encaps parse, 32 do not (OVS: an attribute at depth 32 is refused)", () => {
    expect(parseOdpFlow(`in_port(1),${"encap(".repeat(31)}${")".repeat(31)}`, new Map()).ok).toBe(true);
    expect(parseOdpFlow(`in_port(1),${"encap(".repeat(32)}${")".repeat(32)}`, new Map()).ok).toBe(false);
    expect(parseOdpFlow(`in_port(1),${"encap(".repeat(31)}eth_type(0x0800)${")".repeat(31)}`, new Map()).ok).toBe(false);
  });
});

describe("time/warp: bounded as ovsim's clock is, OVS's words for OVS's errors", () => {
  it("time/warp 99999999999999999999 1 is refused at once (OVS would warp 2^63 steps of 10 ms)", () => {
    const sw = switchWithPort();
    const now = sw.now;
    expectRefused(sw, "ovs-appctl time/warp 99999999999999999999 1", [
      `time/warp: 9223372036854776000 ms in steps of 1 ms is more than ${MAX_WARP_STEPS} steps, ovsim's limit for one warp`,
      SERVER_ERROR,
    ]);
    expect(sw.now).toBe(now);
  });

  it("a warp past the clock's end is refused; MAX_WARP_STEPS steps are run, one more is refused", () => {
    const sw = switchWithPort();
    expectRefused(sw, "ovs-appctl time/warp 99999999999999999999", [
      `time/warp: the clock would pass ${MAX_CLOCK_MS} ms (285 years), as far as ovsim's clock goes`,
      SERVER_ERROR,
    ]);
    const steps = vi.spyOn(sw, "advanceClock");
    expect(runLine(sw, `ovs-appctl time/warp ${MAX_WARP_STEPS} 1`).stdout).toEqual(["warped"]);
    expect(steps).toHaveBeenCalledTimes(MAX_WARP_STEPS);
    expect(runLine(sw, `ovs-appctl time/warp ${MAX_WARP_STEPS + 1} 1`).ok).toBe(false);
    expect(() => sw.advance(MAX_WARP_STEPS + 1, 1)).toThrow(LimitError);
  });
});

describe("numbers are read in linear time", () => {
  it("reg0= and 400 KB (then 1 MB) of digits: OVS's 'value too large' (it took 30 s, then 5 minutes)", () => {
    for (const n of [400_000, 1_000_000]) {
      const digits = `1${"0".repeat(n - 1)}`;
      const sw = switchWithPort();
      expectRefused(sw, `ovs-ofctl add-flow br0 reg0=${digits},actions=drop`, [`ovs-ofctl: ${digits}: value too large for 4-byte field reg0`]);
    }
  });

  it("strtoull stops accumulating past 64 bits and answers C's ULLONG_MAX with ERANGE", () => {
    expect(strtoull("9".repeat(1_000_000))).toEqual({ value: 0xffffffffffffffffn, end: 1_000_000, overflow: true });
    expect(strtoull("-99999999999999999999")).toEqual({ value: 0xffffffffffffffffn, end: 21, overflow: true });
  });
});

describe("flow files: only what can be read at once, at most MAX_FLOW_FILE_BYTES", () => {
  it("a FIFO is refused (it blocked for ever)", () => {
    const fifo = join(tmp, "flows.fifo");
    execFileSync("mkfifo", [fifo]);
    for (const cmd of ["add-flows", "replace-flows"]) {
      expectRefused(switchWithPort(), `ovs-ofctl ${cmd} br0 ${fifo}`, [
        `ovs-ofctl: ${fifo}: not a regular file (ovsim does not read flows from a FIFO or a socket, which could wait for ever)`,
      ]);
    }
  });

  it("/dev/zero is too large (it grew to 4 GB and aborted); /dev/null is empty, as in OVS", () => {
    const sw = switchWithPort();
    expectRefused(sw, "ovs-ofctl add-flows br0 /dev/zero", [`ovs-ofctl: /dev/zero: file too large (ovsim reads flow files of at most ${MAX_FLOW_FILE_BYTES} bytes)`]);
    expect(runLine(sw, "ovs-ofctl add-flows br0 /dev/null").ok).toBe(true);
  });

  it("a regular file is read; one past the limit is refused by its size", () => {
    const file = join(tmp, "flows.txt");
    writeFileSync(file, "priority=7,actions=drop\n");
    const sw = switchWithPort();
    expect(runLine(sw, `ovs-ofctl add-flows br0 ${file}`).ok).toBe(true);
    expect(runLine(sw, "ovs-ofctl --no-stats dump-flows br0").stdout).toContain(" priority=7 actions=drop");
  });
});

describe("a bug never loses the user's work", () => {
  it("runScript (ovsim run): an unexpected exception fails its line as an internal error, and the script goes on", () => {
    vi.spyOn(Switch.prototype, "advance").mockImplementation(() => {
      throw new TypeError("boom");
    });
    const out = runScript("ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy\novs-appctl time/warp 1\novs-vsctl list-br\n");
    expect(out.ok).toBe(false);
    expect(out.lines.map((l) => l.result.ok)).toEqual([true, false, true]);
    expect(out.lines[1]?.result.stderr).toEqual(["ovsim: internal error on this line: boom (please report it with the line)"]);
    expect(out.lines[2]?.result.stdout).toEqual(["br0"]);
  });

  it("ovsim run prints every line's output, the internal error on its line, and exits 1", async () => {
    const script = join(tmp, "bug.ovs");
    writeFileSync(script, "ovs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy\novs-appctl time/warp 1\novs-vsctl list-br\n");
    vi.spyOn(Switch.prototype, "advance").mockImplementation(() => {
      throw new TypeError("boom");
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(process.stdout, "write").mockImplementation((s) => stdout.push(String(s)) > 0);
    vi.spyOn(process.stderr, "write").mockImplementation((s) => stderr.push(String(s)) > 0);
    const { main } = await import("../../src/cli/main.js");
    const status = await main(["run", script]);
    vi.restoreAllMocks();
    expect(status).toBe(1);
    expect(stdout.join("")).toBe("br0\n");
    expect(stderr.join("")).toBe("ovsim: internal error on this line: boom (please report it with the line)\n");
  });

  it("runScenario: an unexpected exception is a ScenarioError naming its line", () => {
    vi.spyOn(Switch.prototype, "advance").mockImplementation(() => {
      throw new TypeError("boom");
    });
    let caught: unknown;
    try {
      runScenario("host h1\novs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy\n\novs-appctl time/warp 1\n");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ScenarioError);
    expect((caught as ScenarioError).line).toBe(4);
    expect((caught as ScenarioError).message).toBe("line 4: internal error: boom (please report it with the line)");
  });
});

describe("scenario and Ryu limits", () => {
  it("a scenario's ping count, latency and run time are bounded", () => {
    const head = "host h1\novs-vsctl add-br br0 -- set bridge br0 datapath_type=dummy\novs-vsctl add-port br0 tap1 -- set interface tap1 type=dummy\nvm a h1 tap1 fa:16:3e:00:00:01 10.0.0.1\n";
    expect(() => runScenario(`${head}ping a 10.0.0.2 count=99999999\n`)).toThrow("line 5: count: 99999999 is more than 10000, ovsim's limit");
    expect(() => runScenario(`${head}segment s1 latency=99999999999999\n`)).toThrow("line 5: latency: 99999999999999 is more than 60000000, ovsim's limit");
    expect(() => runScenario(`${head}run 1e300\n`)).toThrow(ScenarioError);
    expect(() => runScenario(`${head}run -5\n`)).toThrow(ScenarioError);
  });

  it("Ryu packet strings: huge integers, bytes and nesting are RyuSyntaxErrors", () => {
    // An empty value repeated any number of times is empty, at once (it looped 10^15 times).
    expect(parsePacket("b'' * 10 ** 15")).toEqual([{ cls: "payload", f: new Map([["data", new Uint8Array(0)]]) }]);
    for (const text of ["bytes(b'x' * 10 ** 12)", "2 ** 10 ** 9", "bytes(-1)", `${"(".repeat(10_000)}1${")".repeat(10_000)}`, `1${" + 1".repeat(10_000)}`, "9".repeat(100_000)]) {
      let caught: unknown;
      try {
        parsePacket(text);
      } catch (e) {
        caught = e;
      }
      expect(caught, text.slice(0, 40)).toBeInstanceOf(RyuSyntaxError);
      expect(caught).toBeInstanceOf(OvsimError);
    }
  });

  it("Ryu's encoder checks a length field before it allocates what the field says (it asked for 400 GB)", () => {
    for (const [text, message] of [
      ["ethernet(ethertype=2048) / ipv4(header_length=99999999999)", "ipv4 version/header_length=99999999999 does not fit in 1 byte (Ryu's struct.pack refuses it)"],
      ["ethernet(ethertype=2048) / ipv4(header_length=-1)", "ipv4 version/header_length=-1 does not fit in 1 byte (Ryu's struct.pack refuses it)"],
      ["ethernet(ethertype=2048) / ipv4(proto=6) / tcp(offset=99999999999, option=b'\\x00' * 4)", "tcp.offset=1599999999984 does not fit in 1 byte (Ryu's struct.pack refuses it)"],
      ["ethernet(ethertype=34525) / ipv6(ext_hdrs=[auth(size=99999999999)])", "auth.size=99999999999 does not fit in 1 byte (Ryu's struct.pack refuses it)"],
    ] as const) {
      expect(() => encodePacket(parsePacket(text)), text).toThrow(RyuEncodeError);
      expect(() => encodePacket(parsePacket(text)), text).toThrow(message);
    }
  });
});
