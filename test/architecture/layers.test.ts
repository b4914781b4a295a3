/**
 * The layers of docs/architecture.md, checked on the import graph of src/:
 * dependencies point one way, from the command line down to the flow table.
 *
 *   flowtable → actions → datapath → vswitchd, bench, ovstest → utilities → sim, ryu, agent, diagram → cloud → cli
 *
 * A folder may import its own layer and the layers below it; sim, ryu, agent and
 * diagram (one level) do not import each other; src/index.ts, the public
 * entry, may import anything.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { describe, expect, it } from "vitest";

const LAYERS: Readonly<Record<string, number>> = {
  flowtable: 0,
  actions: 1,
  datapath: 2,
  vswitchd: 3,
  bench: 3,
  ovstest: 3,
  utilities: 4,
  sim: 5,
  ryu: 5,
  agent: 5,
  diagram: 5,
  cloud: 6,
  testing: 7,
  cli: 7,
};

const SRC = resolve(new URL("../../src", import.meta.url).pathname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** The top folder of src/ a path is in ("" for src/index.ts). */
function folderOf(path: string): string {
  const rel = relative(SRC, path).split("/");
  return rel.length > 1 ? (rel[0] ?? "") : "";
}

/** Every relative import of `file` as [from folder, to folder]. */
export function importEdges(file: string, text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+["'](\.[^"']+)["']/gms)) {
    out.push([folderOf(file), folderOf(resolve(dirname(file), m[1] ?? ""))]);
  }
  return out;
}

/** Why an import from folder `a` to folder `b` breaks the layering, or null. */
export function violation(a: string, b: string): string | null {
  if (a === "" || a === b) return null;
  const la = LAYERS[a];
  const lb = LAYERS[b];
  if (la === undefined) return `src/${a} is not a layer of docs/architecture.md`;
  if (lb === undefined) return b === "" ? `src/${a} imports src/index.ts` : `src/${b} is not a layer`;
  if (lb > la) return `src/${a} (layer ${la}) imports src/${b} (layer ${lb}), above it`;
  if (lb === la) return `src/${a} imports src/${b}, a sibling of the same layer`;
  return null;
}

describe("the layers of src/", () => {
  const files = sourceFiles(SRC);

  it("finds the source and its imports", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.flatMap((f) => importEdges(f, readFileSync(f, "utf8"))).length).toBeGreaterThan(500);
  });

  it("has every dependency pointing down", () => {
    const bad = files.flatMap((f) =>
      importEdges(f, readFileSync(f, "utf8"))
        .map(([a, b]) => violation(a, b))
        .filter((v): v is string => v !== null)
        .map((v) => `${relative(SRC, f)}: ${v}`),
    );
    expect(bad).toEqual([]);
  });

  it("would catch the imports the layering forbids", () => {
    // src/actions must not import src/datapath, nor anything below the CLI import src/cli.
    const planted = importEdges(join(SRC, "actions/xlate/x.ts"), 'import type { DpHashAlg } from "../../datapath/dp-hash.js";');
    expect(planted).toEqual([["actions", "datapath"]]);
    expect(violation("actions", "datapath")).toMatch(/imports src\/datapath/);
    expect(violation("sim", "cli")).not.toBeNull();
    expect(violation("sim", "ryu")).not.toBeNull();
    expect(violation("cli", "sim")).toBeNull();
    expect(violation("vswitchd", "datapath")).toBeNull();
    expect(violation("testing", "cloud")).toBeNull();
    expect(violation("cloud", "testing")).toMatch(/above it/);
    expect(violation("cli", "testing")).toMatch(/sibling/);
  });
});
