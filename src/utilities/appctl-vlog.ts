/**
 * `ovs-appctl vlog/...` (lib/vlog.c's unixctl commands) over the switch's
 * log (src/vswitchd/vlog.ts): `vlog/set` parses each argument as
 * vlog_set_levels_from_string does (words split on blanks, commas and
 * colons; `PATTERN:destination:pattern`, `FACILITY:facility`, or any of a
 * module, a destination and a level, each at most once), stopping at the
 * first bad one with OVS's message.
 */
import type { AppctlCommand } from "./appctl-command.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { serverError } from "./appctl-bridge.js";
import type { Switch } from "../vswitchd/switch.js";
import type { Vlog, VlogDestination, VlogLevel, VlogModule } from "../vswitchd/vlog.js";
import { VLF_CONSOLE, VLF_FILE, VLF_SYSLOG, VLL_DBG, VLOG_DESTINATIONS, VLOG_LEVEL_NAMES } from "../vswitchd/vlog.js";

/** Syslog facilities vlog accepts (vlog_facilities), with their values. */
const FACILITIES: ReadonlyMap<string, number> = new Map([
  ["kern", 0 << 3], ["user", 1 << 3], ["mail", 2 << 3], ["daemon", 3 << 3], ["auth", 4 << 3], ["syslog", 5 << 3],
  ["lpr", 6 << 3], ["news", 7 << 3], ["uucp", 8 << 3], ["clock", 9 << 3], ["ftp", 11 << 3], ["ntp", 12 << 3],
  ["audit", 13 << 3], ["alert", 14 << 3], ["clock2", 15 << 3], ["local0", 16 << 3], ["local1", 17 << 3],
  ["local2", 18 << 3], ["local3", 19 << 3], ["local4", 20 << 3], ["local5", 21 << 3], ["local6", 22 << 3], ["local7", 23 << 3],
]);

const SEPARATORS = " ,:\t";

/** strtok_r: the next word of `s` from `at` and where the rest starts (past the one separator strtok overwrote). */
function nextWord(s: string, at: number): { word: string; rest: number } | null {
  let i = at;
  while (i < s.length && SEPARATORS.includes(s[i] ?? "")) i++;
  if (i >= s.length) return null;
  let j = i;
  while (j < s.length && !SEPARATORS.includes(s[j] ?? "")) j++;
  return { word: s.slice(i, j), rest: Math.min(j + 1, s.length) };
}

function destinationOf(word: string): VlogDestination | undefined {
  const i = VLOG_DESTINATIONS.findIndex((d) => d.name === word.toLowerCase());
  return i === VLF_SYSLOG || i === VLF_CONSOLE || i === VLF_FILE ? i : undefined;
}

function levelOf(word: string): VlogLevel | undefined {
  const i = VLOG_LEVEL_NAMES.findIndex((n) => n === word.toUpperCase());
  return i < 0 ? undefined : (i as VlogLevel);
}

/** One `vlog/set` argument applied; an error message, or null. */
export function setLevelsFromString(vlog: Vlog, spec: string): string | null {
  const first = nextWord(spec, 0);
  if (first !== null && first.word.toUpperCase() === "PATTERN") {
    const dest = nextWord(spec, first.rest);
    if (dest === null) return "missing destination";
    const d = dest.word.toUpperCase() === "ANY" ? "any" : destinationOf(dest.word);
    if (d === undefined) return `unknown destination "${dest.word}"`;
    vlog.setPattern(d, spec.slice(dest.rest));
    return null;
  }
  if (first !== null && first.word.toUpperCase() === "FACILITY") {
    const value = FACILITIES.get(spec.slice(first.rest).toLowerCase());
    if (value === undefined) return "invalid facility";
    vlog.facility = value;
    return null;
  }
  let module: VlogModule | undefined;
  let level: VlogLevel | undefined;
  let destination: VlogDestination | undefined;
  for (let w = first; w !== null; w = nextWord(spec, w.rest)) {
    const word = w.word;
    if (word.toUpperCase() === "ANY") continue;
    const d = destinationOf(word);
    if (d !== undefined) {
      if (destination !== undefined) return "cannot specify multiple destinations";
      destination = d;
      continue;
    }
    const l = levelOf(word);
    if (l !== undefined) {
      if (level !== undefined) return "cannot specify multiple levels";
      level = l;
      continue;
    }
    const m = vlog.module(word);
    if (m === undefined) return `no destination, level, or module "${word}"`;
    if (module !== undefined) return "cannot specify multiple modules";
    module = m;
  }
  vlog.setLevels(module ?? null, destination ?? "any", level ?? VLL_DBG);
  return null;
}

/** `vlog/set [SPEC]...`: with no argument, every module and destination to DBG. */
function vlogSet(sw: Switch, args: readonly string[]): CommandResult {
  if (args.length === 0) sw.vlog.setLevels(null, "any", VLL_DBG);
  for (const a of args) {
    const error = setLevelsFromString(sw.vlog, a);
    if (error !== null) return serverError(error);
  }
  return output([]);
}

/** `vlog/list` (vlog_get_levels): one line per module, sorted as svec_sort sorts the lines. */
function vlogList(sw: Switch): CommandResult {
  const name = (l: VlogLevel | undefined): string => VLOG_LEVEL_NAMES[l ?? 0].padStart(4);
  const lines = [...sw.vlog.all()].map((m) => {
    const line = `${m.name.padEnd(16)}  ${name(m.levels[VLF_CONSOLE])}       ${name(m.levels[VLF_SYSLOG])}       ${name(m.levels[VLF_FILE])}`;
    return m.honorRateLimits ? line : `${line}    (rate limiting disabled)`;
  });
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return output(["                 console    syslog    file", "                 -------    ------    ------", ...lines]);
}

/** `vlog/list-pattern` (vlog_get_patterns): syslog's prefix is that of OVS's default syslog method. */
function vlogListPattern(sw: Switch): CommandResult {
  const lines = VLOG_DESTINATIONS.map((d, i) => {
    const prefix = i === VLF_SYSLOG ? "<%B> %D{%h %e %T} %E %A:" : "none";
    return `${d.name.toUpperCase().padEnd(7)}  ${prefix.padEnd(32)}  ${sw.vlog.patterns[i] ?? ""}`;
  });
  return output(["         prefix                            format", "         ------                            ------", ...lines]);
}

/** `vlog/enable-rate-limit` / `vlog/disable-rate-limit [module]...` (set_rate_limits). */
function setRateLimits(sw: Switch, args: readonly string[], enable: boolean): CommandResult {
  const all = (): void => {
    for (const m of sw.vlog.all()) m.honorRateLimits = enable;
  };
  if (args.length === 0) all();
  for (const a of args) {
    if (a.toUpperCase() === "ANY") {
      all();
      continue;
    }
    const m = sw.vlog.module(a);
    if (m === undefined) return serverError("unknown module");
    m.honorRateLimits = enable;
  }
  return output([]);
}

export const VLOG_COMMANDS: ReadonlyArray<readonly [string, AppctlCommand]> = [
  ["vlog/set", { usage: "{spec | PATTERN:destination:pattern}", minArgs: 0, maxArgs: Infinity, run: (sw, args) => vlogSet(sw, args) }],
  ["vlog/list", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => vlogList(sw) }],
  ["vlog/list-pattern", { usage: "", minArgs: 0, maxArgs: 0, run: (sw) => vlogListPattern(sw) }],
  ["vlog/enable-rate-limit", { usage: "[module]...", minArgs: 0, maxArgs: Infinity, run: (sw, args) => setRateLimits(sw, args, true) }],
  ["vlog/disable-rate-limit", { usage: "[module]...", minArgs: 0, maxArgs: Infinity, run: (sw, args) => setRateLimits(sw, args, false) }],
  [
    "vlog/reopen",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw) => {
        sw.vlog.reopenFile();
        return output([]);
      },
    },
  ],
  [
    "vlog/close",
    {
      usage: "",
      minArgs: 0,
      maxArgs: 0,
      run: (sw) => {
        sw.vlog.closeFile();
        return output([]);
      },
    },
  ],
];
