/**
 * The package as a user gets it: `npm pack` (which builds dist/ through the
 * `prepare` script), installed offline into a fresh project, then used from
 * TypeScript with strict settings through `import { Switch } from "ovsim"`
 * only, compiled with this repository's tsc and run with node; and the
 * `ovsim` command from the installed package.
 *
 * Everything is offline: the tarball's runtime dependencies (immutable, dagre) are linked
 * from this repository's node_modules (the temporary project depends on them by
 * a file: path, so npm resolves ovsim's dependencies to them without the
 * registry), and typescript and @types are symlinked. The test skips, saying
 * so, only where npm itself cannot run; with CI=true it never skips.
 *
 * The second entry, `ovsim/testing`, is used as its users do: fast-check and
 * vitest (symlinked from this repository's node_modules, still offline) run
 * docs/testing.md's worked example against the installed package, after tsc
 * type-checks it through the package's `exports` types.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testingDocExample } from "../testing/docs-example.js";

/** The tarball's runtime dependencies (and theirs), linked from this repository as file: paths, so that npm installs offline. */
const RUNTIME_DEPENDENCIES = ["immutable", "@dagrejs/dagre", "@dagrejs/graphlib"];

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// npm pack builds dist/ with tsc: 45 s alone on a loaded 2-core machine (measured), hence the room.
const TIMEOUT_MS = 240_000;

const npmCheck = spawnSync("npm", ["--version"], { encoding: "utf8" });
const npmRuns = npmCheck.error === undefined && npmCheck.status === 0;
const ci = process.env["CI"] === "true";
const skip = !npmRuns && !ci;
if (skip) console.log(`skipping test/package/pack.test.ts: npm cannot run here (${npmCheck.error?.message ?? npmCheck.stderr.trim()}); with CI=true this fails instead`);

/** The environment for npm: this one without the npm_config_* of an enclosing `npm test`. */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_config_/i.test(k)) env[k] = v;
  return env;
}

/** Runs `command args` in `cwd`; throws with its output when it fails. */
function run(command: string, args: readonly string[], cwd: string): string {
  const r = spawnSync(command, args, { cwd, encoding: "utf8", env: npmEnv(), maxBuffer: 64 * 1024 * 1024 });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed: ${r.error?.message ?? `exit ${r.status}`}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Every file under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();
}

const MAIN_TS = `import { Switch } from "ovsim";

// The trace's shape as the API documents it; assigning to it checks the types.
interface Step {
  bridge: string;
  table: number;
  rule: { match: string; priority: number; cookie: bigint; actions: string } | null;
  actions: readonly string[];
}
interface Output {
  odpPort: number;
  bridge: string | null;
  port: string | null;
  ofport: number | null;
}

const sw = new Switch();
sw.addBridge("br0", { datapathType: "dummy" });
sw.addBridge("br1", { datapathType: "dummy" });
sw.addPort("br0", "p1", { type: "dummy", ofportRequest: 1 });
sw.addPort("br0", "patch01", { type: "patch", options: { peer: "patch10" } });
sw.addPort("br1", "patch10", { type: "patch", options: { peer: "patch01" } });
sw.addPort("br1", "p2", { type: "dummy", ofportRequest: 2 });
sw.addFlow("br0", "priority=10,in_port=p1,actions=output:patch01");
sw.addFlow("br1", "priority=10,actions=output:p2");
const t = sw.trace("br0", "in_port=1,tcp,nw_dst=10.0.0.2,tp_dst=80");
const steps: readonly Step[] = t.steps;
const datapathActions: string = t.datapathActions;
const outputs: readonly Output[] = t.outputs;
console.log(\`steps: \${steps.map((s) => s.bridge).join(" ")}\`);
console.log(\`datapath actions: \${datapathActions}\`);
for (const o of outputs) console.log(\`output: \${o.bridge ?? "-"} \${o.port ?? "-"} ofport=\${o.ofport ?? "-"} odp=\${o.odpPort}\`);
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2022"],
    types: ["node"],
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noEmitOnError: true,
    outDir: "out",
  },
  files: ["main.ts"],
};

describe.skipIf(skip)("the packed package, installed into a fresh project", () => {
  let tmp = "";
  let project = "";
  let installed = "";

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), "ovsim-pack-"));
    run("npm", ["pack", "--pack-destination", tmp], ROOT);
    const tarball = readdirSync(tmp).find((f) => f.endsWith(".tgz"));
    if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${tmp}`);
    project = join(tmp, "project");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "ovsim-pack-check", private: true, type: "module", dependencies: Object.fromEntries(RUNTIME_DEPENDENCIES.map((d) => [d, `file:${join(ROOT, "node_modules", d)}`])) }, null, 2),
    );
    run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-save", "--ignore-scripts", join(tmp, tarball)], project);
    symlinkSync(join(ROOT, "node_modules/typescript"), join(project, "node_modules/typescript"), "dir");
    symlinkSync(join(ROOT, "node_modules/@types"), join(project, "node_modules/@types"), "dir");
    for (const dep of ["fast-check", "vitest"]) symlinkSync(join(ROOT, "node_modules", dep), join(project, "node_modules", dep), "dir");
    installed = join(project, "node_modules/ovsim");
  }, TIMEOUT_MS);

  afterAll(() => {
    if (tmp !== "" && !process.env["KEEP"]) rmSync(tmp, { recursive: true, force: true });
  });

  it("ships bin, dist, docs, README.md and the README's example scripts and clouds; no goldens, no source maps", () => {
    const shipped = files(installed);
    expect(shipped).toContain("bin/ovsim.js");
    expect(shipped).toContain("dist/index.js");
    expect(shipped).toContain("dist/index.d.ts");
    expect(shipped).toContain("README.md");
    expect(shipped).toContain("docs/conformance.md");
    expect(shipped).toContain("docs/simulation.md");
    expect(shipped).toContain("fixtures/examples/quickstart.ovs");
    expect(shipped).toContain("fixtures/scenarios/two-hosts-vlan.scn");
    expect(shipped).toContain("fixtures/scenarios/two-hosts-vxlan.scn");
    expect(shipped.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(shipped).toContain("fixtures/cloud-examples/two-hosts.json");
    expect(shipped.filter((f) => f.startsWith("fixtures/") && !/^fixtures\/(examples\/[^/]+\.ovs|scenarios\/[^/]+\.scn|cloud-examples\/[^/]+\.(json|md))$/.test(f))).toEqual([]);
    expect(shipped.filter((f) => f.startsWith("src/") || f.startsWith("test/"))).toEqual([]);
  });

  it("its ovsim command prints the version and runs the README's quick start", () => {
    const bin = join(installed, "bin/ovsim.js");
    expect(run(process.execPath, [bin, "--version"], project)).toMatch(/^ovsim \d+\.\d+\.\d+/);
    const out = run(process.execPath, [bin, "run", join(installed, "fixtures/examples/quickstart.ovs")], project);
    expect(out).toContain(" table=1, priority=10,tcp,tp_dst=80 actions=output:2");
  });

  it("its ovsim command stops quietly when its reader closes the pipe (ovsim run X | head)", () => {
    const bin = join(installed, "bin/ovsim.js");
    // Far more output than a pipe holds (64 KiB): `head -c 1` reads one byte and exits, and ovsim's next writes meet a closed pipe (EPIPE).
    const script = join(project, "long.ovs");
    writeFileSync(script, ["ovs-vsctl add-br br0", ...Array.from({ length: 20 }, (_, i) => `ovs-ofctl add-flow br0 priority=${i + 1},tcp,tp_dst=${i + 1},actions=drop`), ...Array.from({ length: 400 }, () => "ovs-ofctl dump-flows br0")].join("\n"));
    const r = spawnSync("bash", ["-c", `set -o pipefail; ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} run ${JSON.stringify(script)} | head -c 1 >/dev/null`], { cwd: project, encoding: "utf8" });
    expect(r.stderr).not.toContain("EPIPE");
    expect(r.stderr).not.toContain("Unhandled");
    expect(r.status).toBe(0);
  });

  it(
    "a strict TypeScript program using only `import { Switch } from \"ovsim\"` type-checks, compiles and traces br0 -> br1 -> p2",
    () => {
      writeFileSync(join(project, "tsconfig.json"), JSON.stringify(TSCONFIG, null, 2));
      writeFileSync(join(project, "main.ts"), MAIN_TS);
      run(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], project);
      expect(existsSync(join(project, "out/main.js"))).toBe(true);
      const lines = run(process.execPath, ["out/main.js"], project).trimEnd().split("\n");
      const bridges = (lines.find((l) => l.startsWith("steps: ")) ?? "").slice("steps: ".length).split(" ");
      // The steps go through br0, then (over the patch ports) br1, never back.
      expect(bridges[0]).toBe("br0");
      expect(bridges.at(-1)).toBe("br1");
      expect(bridges.indexOf("br1")).toBeGreaterThan(0);
      expect(bridges.slice(bridges.indexOf("br1")).every((b) => b === "br1")).toBe(true);
      // The patch ports never reach the datapath: the packet leaves by p2, datapath port 2.
      expect(lines).toContain("datapath actions: 2");
      expect(lines.filter((l) => l.startsWith("output: "))).toEqual(["output: br1 p2 ofport=2 odp=2"]);
    },
    TIMEOUT_MS,
  );

  it(
    "ovsim/testing: docs/testing.md's worked example type-checks and passes with vitest and fast-check",
    () => {
      const shipped = files(installed);
      expect(shipped).toContain("dist/testing/index.js");
      expect(shipped).toContain("dist/testing/index.d.ts");
      expect(shipped).toContain("docs/testing.md");
      writeFileSync(join(project, "my-flows.test.ts"), testingDocExample());
      writeFileSync(join(project, "tsconfig.testing.json"), JSON.stringify({ compilerOptions: { ...TSCONFIG.compilerOptions, noEmit: true }, files: ["my-flows.test.ts"] }, null, 2));
      run(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.testing.json"], project);
      const out = run(process.execPath, [join(project, "node_modules/vitest/vitest.mjs"), "run", "my-flows.test.ts"], project);
      // vitest colours its summary
      expect(out.replace(/\u001b\[[0-9;]*m/g, "")).toMatch(/Tests\s+3 passed/);
    },
    TIMEOUT_MS,
  );
});
