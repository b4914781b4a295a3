/**
 * `ovs-vsctl` (utilities/ovs-vsctl.c): global options, `--` separated
 * commands with their own options, all run as ONE transaction on the config
 * DB — if any command fails, nothing is committed and nothing but the error is
 * printed. After a commit that changed something, `next_cfg` is bumped and
 * vswitchd reconfigures (ofports, errors, status) before the command returns,
 * as ovs-vsctl waits for it; new interfaces that failed are reported on
 * stderr as OVS reports them. Exit codes: 0, 1 on error, 2 for a missing
 * bridge in `br-exists`. `--help` (or `-h`) among the global options prints
 * vsctl-usage.ts's usage and runs nothing.
 */
import { Datum } from "../datapath/config-db-types.js";
import type { CommandResult } from "./command-result.js";
import { cmdAdd, cmdClear, cmdCreate, cmdDestroy, cmdFind, cmdGet, cmdList, cmdRemove, cmdSet } from "./vsctl-db-commands.js";
import { cmdWaitUntil } from "./vsctl-wait-until.js";
import type { CommandInvocation } from "./vsctl-context.js";
import { VsctlContext, VsctlError, str } from "./vsctl-context.js";
import { showLines } from "./vsctl-show.js";
import * as sw from "./vsctl-switch-commands.js";
import type { OutTable, TableStyle } from "./vsctl-table.js";
import { formatTable } from "./vsctl-table.js";
import { VSCTL_USAGE } from "./vsctl-usage.js";
import type { Switch } from "../vswitchd/switch.js";

type Run = (ctx: VsctlContext, inv: CommandInvocation) => string[] | OutTable | void;

interface Syntax {
  readonly min: number;
  readonly max: number;
  /** Allowed options as OVS spells them: "--may-exist", "--columns=" (takes a value). */
  readonly options: string;
  readonly run: Run;
}

const INF = Number.MAX_SAFE_INTEGER;

/** The command table (ovs-vsctl.c vsctl_commands + db-ctl-base.c db_ctl_commands). */
const COMMAND_TABLE = {
  init: { min: 0, max: 0, options: "", run: sw.cmdInit },
  show: { min: 0, max: 0, options: "", run: (ctx) => showLines(ctx.db) },
  "add-br": { min: 1, max: 3, options: "--may-exist", run: sw.cmdAddBr },
  "del-br": { min: 1, max: 1, options: "--if-exists", run: sw.cmdDelBr },
  "list-br": { min: 0, max: 0, options: "--real,--fake", run: sw.cmdListBr },
  "br-exists": { min: 1, max: 1, options: "", run: sw.cmdBrExists },
  "br-to-vlan": { min: 1, max: 1, options: "", run: sw.cmdBrToVlan },
  "br-to-parent": { min: 1, max: 1, options: "", run: sw.cmdBrToParent },
  "br-set-external-id": { min: 2, max: 3, options: "", run: sw.cmdBrSetExternalId },
  "br-get-external-id": { min: 1, max: 2, options: "", run: sw.cmdBrGetExternalId },
  "list-ports": { min: 1, max: 1, options: "", run: sw.cmdListPorts },
  "add-port": { min: 2, max: INF, options: "--may-exist", run: sw.cmdAddPort },
  "add-bond": { min: 4, max: INF, options: "--may-exist,--fake-iface", run: sw.cmdAddBond },
  "del-port": { min: 1, max: 2, options: "--if-exists,--with-iface", run: sw.cmdDelPort },
  "port-to-br": { min: 1, max: 1, options: "", run: sw.cmdPortToBr },
  "list-ifaces": { min: 1, max: 1, options: "", run: sw.cmdListIfaces },
  "iface-to-br": { min: 1, max: 1, options: "", run: sw.cmdIfaceToBr },
  "get-controller": { min: 1, max: 1, options: "", run: sw.cmdGetController },
  "del-controller": { min: 1, max: 1, options: "", run: sw.cmdDelController },
  "set-controller": { min: 1, max: INF, options: "--inactivity-probe=", run: sw.cmdSetController },
  "get-fail-mode": { min: 1, max: 1, options: "", run: sw.cmdGetFailMode },
  "del-fail-mode": { min: 1, max: 1, options: "", run: sw.cmdDelFailMode },
  "set-fail-mode": { min: 2, max: 2, options: "", run: sw.cmdSetFailMode },
  comment: { min: 0, max: INF, options: "", run: () => undefined },
  get: { min: 2, max: INF, options: "--if-exists,--id=", run: cmdGet },
  list: { min: 1, max: INF, options: "--if-exists,--columns=", run: cmdList },
  find: { min: 1, max: INF, options: "--columns=", run: cmdFind },
  "wait-until": { min: 2, max: INF, options: "", run: cmdWaitUntil },
  set: { min: 3, max: INF, options: "--if-exists", run: cmdSet },
  add: { min: 4, max: INF, options: "--if-exists", run: cmdAdd },
  remove: { min: 4, max: INF, options: "--if-exists", run: cmdRemove },
  clear: { min: 3, max: INF, options: "--if-exists", run: cmdClear },
  create: { min: 2, max: INF, options: "--id=", run: cmdCreate },
  destroy: { min: 1, max: INF, options: "--if-exists,--all", run: cmdDestroy },
} satisfies Record<string, Syntax>;

/** The table by name: a Map, as names come from the user (a plain object answers `constructor` or `__proto__` from its prototype). */
const COMMANDS: ReadonlyMap<string, Syntax> = new Map(Object.entries(COMMAND_TABLE));

/** The commands ovs-vsctl accepts here (for tests: `--help` lists each one but `comment`). */
export const VSCTL_COMMAND_NAMES: readonly string[] = [...COMMANDS.keys()];

/** Global options that take no value / a value. */
const GLOBAL_FLAGS = new Set(["--no-wait", "--dry-run", "--oneline", "--no-syslog", "--retry", "--bare", "--no-headings", "--leader-only", "--no-leader-only", "--shuffle-remotes", "--no-shuffle-remotes"]);
const GLOBAL_VALUED = new Set(["--db", "--timeout", "-t", "--format", "-f", "--data", "-d"]);

interface Globals {
  style: TableStyle;
  oneline: boolean;
  dryRun: boolean;
  wait: boolean;
}

function parseCommand(words: readonly string[], local: Map<string, string | null>): CommandInvocation {
  const options = new Map(local);
  let i = 0;
  for (; i < words.length && (words[i] as string).startsWith("-"); i++) {
    const w = words[i] as string;
    const eq = w.indexOf("=");
    const key = eq >= 0 ? w.slice(0, eq) : w;
    if (options.has(key)) throw new VsctlError(`'${w}' option specified multiple times`);
    options.set(key, eq >= 0 ? w.slice(eq + 1) : null);
  }
  const name = words[i];
  if (name === undefined) throw new VsctlError("missing command name (use --help for help)");
  const syn = COMMANDS.get(name);
  if (!syn) throw new VsctlError(`unknown command '${name}'; use --help for help`);
  for (const [key, value] of options) {
    const at = syn.options.split(",").find((o) => o === key || o === `${key}=` || o === `${key}?`);
    if (at === undefined) throw new VsctlError(`'${name}' command has no '${key}' option`);
    if (!at.endsWith("?") && at.endsWith("=") !== (value !== null)) {
      throw new VsctlError(
        at.endsWith("=") ? `missing argument to '${key}' option on '${name}' command` : `'${key}' option on '${name}' does not accept an argument`,
      );
    }
  }
  const args = words.slice(i + 1);
  if (args.length < syn.min) throw new VsctlError(`'${name}' command requires at least ${syn.min} arguments`);
  if (args.length > syn.max) {
    if (args.some((a) => a.startsWith("-"))) {
      throw new VsctlError(
        `'${name}' command takes at most ${syn.max} arguments (note that options must precede command names and follow a "--" argument)`,
      );
    }
    throw new VsctlError(`'${name}' command takes at most ${syn.max} arguments`);
  }
  return { name, args, options };
}

function parseArgs(argv: readonly string[]): { globals: Globals; commands: CommandInvocation[] } | "help" {
  const globals: Globals = { style: { format: "list", bare: false, headings: true }, oneline: false, dryRun: false, wait: true };
  const local = new Map<string, string | null>();
  let i = 0;
  for (; i < argv.length; i++) {
    const w = argv[i] as string;
    if (w === "--" || !w.startsWith("-")) break;
    const eq = w.indexOf("=");
    const key = eq >= 0 ? w.slice(0, eq) : w;
    let value: string | null = eq >= 0 ? w.slice(eq + 1) : null;
    if (key === "--help" || key === "-h") return "help";
    if (GLOBAL_VALUED.has(key) && value === null) value = argv[++i] ?? "";
    if (key === "--bare") globals.style = { format: "list", bare: true, headings: false };
    else if (key === "--no-headings") globals.style.headings = false;
    else if (key === "--format" || key === "-f") globals.style.format = value === "table" || value === "csv" ? value : "list";
    else if (key === "--data" || key === "-d") globals.style.bare = value === "bare";
    else if (key === "--oneline") globals.oneline = true;
    else if (key === "--dry-run") globals.dryRun = true;
    else if (key === "--no-wait") globals.wait = false;
    else if (GLOBAL_FLAGS.has(key) || GLOBAL_VALUED.has(key)) continue;
    else if ([...COMMANDS.values()].some((c) => c.options.split(",").some((o) => o.replace(/[=?]$/, "") === key))) {
      if (local.has(key)) throw new VsctlError(`'${key}' option specified multiple times`);
      local.set(key, value);
    } else throw new VsctlError(`unrecognized option '${w}'`);
  }
  const rest = argv.slice(i);
  const groups: string[][] = [[]];
  for (const w of rest) {
    if (w === "--") groups.push([]);
    else (groups[groups.length - 1] as string[]).push(w);
  }
  const nonEmpty = groups.filter((g) => g.length > 0);
  if (nonEmpty.length === 0) throw new VsctlError("missing command name (use --help for help)");
  const commands = nonEmpty.map((g, k) => parseCommand(g, k === 0 ? local : new Map()));
  return { globals, commands };
}

function fail(e: VsctlError): CommandResult {
  return { stdout: [], stderr: e.message === "" ? [] : [`ovs-vsctl: ${e.message}`], ok: false, exitCode: e.exitCode };
}

export function runVsctl(sw: Switch, argv: string[]): CommandResult {
  let parsed: { globals: Globals; commands: CommandInvocation[] } | "help";
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof VsctlError) return fail(e);
    throw e;
  }
  if (parsed === "help") return { stdout: [...VSCTL_USAGE], stderr: [], ok: true, exitCode: 0 };
  const { globals, commands } = parsed;
  const before = sw.db;
  const ctx = new VsctlContext(before, sw.ovsUuid);
  const outputs: (string[] | OutTable)[] = [];
  try {
    for (const inv of commands) {
      const r = (COMMANDS.get(inv.name) as Syntax).run(ctx, inv);
      outputs.push(r ?? []);
    }
    for (const [name, s] of ctx.symbols) {
      if (!s.created) {
        throw new VsctlError(`row id "${name}" is referenced but never created (e.g. with "-- --id=${name} create ...")`);
      }
    }
  } catch (e) {
    if (e instanceof VsctlError) return fail(e);
    throw e;
  }
  let after = ctx.db.commit();
  const stderr: string[] = [];
  if (!globals.dryRun && !after.equals(before.commit())) {
    const next = Number(after.get("Open_vSwitch", sw.ovsUuid, "next_cfg").first() ?? 0) + 1;
    after = after.set("Open_vSwitch", sw.ovsUuid, "next_cfg", Datum.scalar(next));
    sw.commit(after);
    if (globals.wait) {
      for (const uuid of ctx.newIfaces) {
        const row = sw.db.row("Interface", uuid);
        if (!row || row.cols.get("ofport")?.first() !== -1) continue;
        const err = str(row.cols.get("error"));
        stderr.push(
          err
            ? `ovs-vsctl: Error detected while setting up '${str(row.cols.get("name"))}': ${err}.  See ovs-vswitchd log for details.`
            : `ovs-vsctl: Error detected while setting up '${str(row.cols.get("name"))}'.  See ovs-vswitchd log for details.`,
        );
      }
      if (stderr.length > 0) stderr.push(`ovs-vsctl: The default log directory is "/var/log/openvswitch".`);
    }
  }
  const stdout: string[] = [];
  let firstTable = true;
  for (const o of outputs) {
    if (Array.isArray(o)) {
      if (globals.oneline) stdout.push(o.join("\\n"));
      else stdout.push(...o);
    } else {
      stdout.push(...formatTable(o, globals.style, firstTable));
      firstTable = false;
    }
  }
  return { stdout, stderr, ok: true, exitCode: 0 };
}
