/**
 * Every code example in README.md and docs/*.md is executed, so that the
 * docs stay true:
 *
 * - a ```ts block is a program importing the package as "ovsim"; it runs,
 *   and when an untagged ``` block follows it (the next fenced block, with
 *   only prose between), what it logs must equal that block;
 * - a ```sh block runs line by line: `npx ovsim ...` (an environment
 *   prefix allowed) through the ovsim command in-process, which must exit
 *   0; `npm ci` / `npm test` / `npm run NAME` must name a script of
 *   package.json; `node FILE` and `FILE.sh` must name existing files; a
 *   block of ovs-vsctl / ovs-ofctl / ovs-appctl lines runs as a script,
 *   every line succeeding unless it redirects its errors (`2>&1`);
 * - an untagged block right after prose naming `` `... npx ovsim run FILE` ``
 *   shows what that command prints: its lines must appear, in order, in
 *   the command's output (prose says which lines were left out).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { runScript } from "../../src/utilities/run-script.js";
import { shellWords } from "../../src/utilities/shell-words.js";

const ROOT = new URL("../../", import.meta.url);
const TMP = new URL("test/.doc-examples/", ROOT);

interface Block {
  readonly file: string;
  readonly line: number;
  readonly lang: string;
  readonly body: string;
  /** The prose between the previous block and this one. */
  readonly before: string;
}

export function fencedBlocks(file: string, text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split("\n");
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? "");
    if (open === null) {
      prose.push(lines[i] ?? "");
      continue;
    }
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ""); i++) body.push(lines[i] ?? "");
    out.push({ file, line: start + 1, lang: open[1] ?? "", body: body.join("\n"), before: prose.join("\n") });
    prose = [];
  }
  return out;
}

const docs = ["README.md", ...readdirSync(new URL("docs/", ROOT)).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
const blocks = docs.flatMap((f) => fencedBlocks(f, readFileSync(new URL(f, ROOT), "utf8")));
const scripts = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")).scripts as Record<string, string>;

/** Runs the ovsim command in-process: its exit code and what it printed. */
async function ovsim(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = "";
  const w = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    out += String(s);
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  const cwd = process.cwd();
  process.chdir(new URL(".", ROOT).pathname);
  try {
    return { code: await main(argv), out };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    w.mockRestore();
    e.mockRestore();
  }
}

const OVS_TOOL = /^(ovs-vsctl|ovs-ofctl|ovs-appctl)\b/;

async function checkShellLine(raw: string): Promise<void> {
  const line = raw.replace(/\s+#.*$/, "").trim();
  if (line === "" || line.startsWith("#")) return;
  const words = shellWords(line);
  const env: Record<string, string> = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? "")) {
    const [k = "", ...v] = (words.shift() ?? "").split("=");
    env[k] = v.join("=");
  }
  const [cmd = "", ...args] = words;
  if (cmd === "npx" && args[0] === "ovsim") {
    const r = await ovsim(args.slice(1), env);
    expect(r.code, `${line} exited ${r.code}`).toBe(0);
  } else if (cmd === "npm") {
    const name = args[0] === "run" ? (args[1] ?? "") : (args[0] ?? "");
    if (name !== "ci") expect(Object.keys(scripts), line).toContain(name);
  } else if (cmd === "node") {
    expect(existsSync(new URL(args.find((a) => !a.startsWith("-") && !a.startsWith("--")) ?? "", ROOT)), line).toBe(true);
  } else if (cmd.endsWith(".sh")) {
    expect(existsSync(new URL(cmd, ROOT)), line).toBe(true);
  } else throw new Error(`a sh example line the docs test does not know how to check: ${line}`);
}

describe("code examples in README and docs/", () => {
  it("finds examples", () => expect(blocks.filter((b) => b.lang === "ts").length).toBeGreaterThan(2));

  const runnable = blocks.filter((b) => b.lang === "ts" || b.lang === "sh");
  it.each(runnable.map((b) => [`${b.file}:${b.line} (${b.lang})`, b] as const))("%s", async (_, b) => {
    if (b.lang === "ts") {
      mkdirSync(TMP, { recursive: true });
      const path = new URL(`${b.file.replace(/\W/g, "_")}_${b.line}.ts`, TMP);
      writeFileSync(path, b.body);
      const logged: string[] = [];
      const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => {
        logged.push(a.map(String).join(" "));
      });
      try {
        await import(/* @vite-ignore */ `${path.pathname}?t=${Date.now()}`);
      } finally {
        log.mockRestore();
      }
      const next = blocks[blocks.indexOf(b) + 1];
      if (next !== undefined && next.file === b.file && next.lang === "" && /prints|output|logs/i.test(next.before)) {
        expect(logged.join("\n").split("\n")).toEqual(next.body.split("\n"));
      }
      return;
    }
    const lines = b.body.split("\n").filter((l) => l.trim() !== "" && !l.trim().startsWith("#"));
    if (lines.length > 0 && lines.every((l) => OVS_TOOL.test(l.trim()))) {
      const out = runScript(b.body);
      for (const { command, result } of out.lines) if (!command.includes("2>&1")) expect(result.ok, `${b.file}:${b.line}: ${command}`).toBe(true);
      return;
    }
    for (const l of lines) await checkShellLine(l);
  });

  const shown = blocks.filter((b) => b.lang === "" && /`[^`]*npx ovsim run [^`]+`/.test(b.before.split("\n\n").at(-1) ?? b.before));
  it.each(shown.map((b) => [`${b.file}:${b.line} (output)`, b] as const))("%s", async (_, b) => {
    const cmd = /`([^`]*npx ovsim run [^`]+)`/.exec(b.before.split("\n\n").at(-1) ?? "")?.[1] ?? "";
    const words = shellWords(cmd);
    const env: Record<string, string> = {};
    while (/^[A-Z_][A-Z0-9_]*=/.test(words[0] ?? "")) {
      const [k = "", ...v] = (words.shift() ?? "").split("=");
      env[k] = v.join("=");
    }
    const r = await ovsim(words.slice(2), env);
    const actual = r.out.split("\n");
    let at = 0;
    for (const want of b.body.split("\n")) {
      const found = actual.indexOf(want, at);
      expect(found, `${b.file}:${b.line}: "${want}" not printed (in order) by ${cmd}`).toBeGreaterThanOrEqual(0);
      at = found + 1;
    }
  });
});
