/**
 * How ovs-ofctl's options are read (getopt_long, as OVS 3.1's): short options
 * cluster and take their value glued or as the next word, options may follow
 * the command's words, `--` ends them. What each option does is pinned by the
 * recordings in fixtures/ofctl-options/.
 */
import { describe, expect, it } from "vitest";
import { parseOfctlArgs } from "../../src/utilities/ofctl-options.js";

function run(argv: string[]) {
  const r = parseOfctlArgs(argv);
  if (r.kind !== "run") throw new Error(`not run: ${JSON.stringify(r)}`);
  return r;
}

describe("ovs-ofctl option reading", () => {
  it("reads -O glued, as the next word, and inside a cluster of short options", () => {
    expect(run(["-OOpenFlow13", "dump-flows", "br0"]).options.version).toBe(13);
    expect(run(["-O", "OpenFlow14", "dump-flows", "br0"]).options.version).toBe(14);
    expect(run(["-mO", "OpenFlow12", "dump-flows", "br0"]).options.version).toBe(12);
    expect(run(["--protocols=OpenFlow10,OpenFlow15", "dump-flows", "br0"]).options.version).toBe(15);
  });

  it("takes options after the command's words, and none after --", () => {
    const r = run(["dump-flows", "br0", "--no-stats", "--sort=in_port"]);
    expect(r.args).toEqual(["dump-flows", "br0"]);
    expect(r.options.noStats).toBe(true);
    expect(r.options.sort.map((c) => [c.field?.name ?? "priority", c.descending])).toEqual([
      ["in_port", false],
      ["priority", true],
    ]);
    expect(run(["--", "dump-flows", "--no-stats"]).args).toEqual(["dump-flows", "--no-stats"]);
  });

  it("narrows -F to the negotiated version's flow formats, and --bundle to OpenFlow 1.4", () => {
    const r = run(["-F", "nxm", "-O", "OpenFlow10,OpenFlow13", "add-flow"]);
    expect(r.options.version).toBe(10);
    expect(run(["--bundle", "add-flow"]).options.version).toBe(14);
    expect(run(["--bundle", "-O", "OpenFlow13", "add-flow"]).options.version).toBe(13);
  });

  it("answers -h and -V before anything else", () => {
    expect(parseOfctlArgs(["-h", "--bogus"]).kind).toBe("help");
    expect(parseOfctlArgs(["-V"])).toEqual({ kind: "print", lines: ["ovs-ofctl (Open vSwitch) 3.1.0", "OpenFlow versions 0x1:0x6"] });
  });
});
