/**
 * The converter's m4 and autotest rules (scripts/ovs-tests/convert.ts) on
 * small .at texts written the way OVS's files are: quotes, quadrigraphs,
 * m4_foreach tests, AT_DATA, and bash reading the $'...' lines back.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ansiC, convertFile } from "../../scripts/ovs-tests/convert.js";
import { evalInt } from "../../scripts/ovs-tests/m4.js";

describe("the OVS test converter", () => {
  it("strips one level of quotes per scan, as autotest's AT_CHECK does", () => {
    const { tests } = convertFile(`AT_SETUP([t])\nAT_CHECK([ovs-ofctl add-flow br0 'actions=load:1->NXM_NX_REG0[[]]'])\nAT_CHECK([[expr X : 'X[0-9]*$']], [0], [ignore])\nAT_CLEANUP\n`);
    expect(tests[0]?.checks.map((c) => c.command)).toEqual(["ovs-ofctl add-flow br0 'actions=load:1->NXM_NX_REG0[]'", "expr X : 'X[0-9]*$'"]);
    expect(tests[0]?.checks[1]?.stdout.mode).toBe("ignore");
  });

  it("expands m4_foreach into one test per item, with quadrigraphs and dnl", () => {
    const at = `m4_foreach([v], [[a], [b c]], [AT_SETUP([x - v])\nAT_CHECK([echo v @S|@HOME @<:@1@:>@], [0], [dnl\nv\n])\nAT_CLEANUP])`;
    const { tests } = convertFile(at);
    expect(tests.map((t) => t.title)).toEqual(["x - a", "x - b c"]);
    expect(tests[1]?.checks[0]).toMatchObject({ command: "echo b c $HOME [1]", status: 0, stdout: { mode: "check", text: "b c\n" } });
  });

  it("turns user macros' $1 and m4_eval into their values, and AT_DATA into a printf", () => {
    const { tests, bodies } = convertFile(`m4_define([P], [AT_CHECK([echo $1 m4_eval([$1 + 1])])])\nAT_SETUP([m])\nAT_DATA([f.txt], [x 'y' \\n\n])\nP(2)\nAT_CLEANUP\n`);
    expect(tests[0]?.checks[0]?.command).toBe("echo 2 3");
    const out = execFileSync("bash", ["-c", `${bodies[0]?.split("\n").find((l) => l.startsWith("printf")) ?? ""} ; cat f.txt; rm f.txt`], { cwd: "/tmp", encoding: "utf8" });
    expect(out).toBe("x 'y' \\n\n");
  });

  it("quotes any text so that bash reads it back unchanged", () => {
    const s = "a'b\\c\n\td $x `y` \u0001";
    expect(execFileSync("bash", ["-c", `printf %s ${ansiC(s)}`], { encoding: "latin1" })).toBe(s);
    expect(evalInt("2 + 3 * (4 - 1)")).toBe(11);
  });
});
