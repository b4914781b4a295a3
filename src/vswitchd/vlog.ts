/**
 * ovs-vswitchd's log, as OVS's lib/vlog.c: named modules, each with a level
 * per destination (syslog, console, file), and the text each destination
 * would receive.
 *
 * Goals. OVS's own tests turn debug logging on (`ovs-appctl vlog/set
 * dpif:dbg dpif_netdev:dbg`) and then read `ovs-vswitchd.log` with grep and
 * sed: the lines must be OVS's, in OVS's file pattern
 * (`%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m`), and `vlog/set`,
 * `vlog/list`, `vlog/list-pattern`, the rate-limit switches, `vlog/reopen`
 * and `vlog/close` answer as OVS's do (fixtures/vlog, recorded from OVS 3.1).
 *
 * Defaults are those of the daemon the recordings ran against (started with
 * `--detach --log-file`): console OFF, syslog and file INFO for every module.
 * (OVS's testsuite also passes `-vvconn -vofproto_dpif -vunixctl`; its
 * recordings here were made without them, and they are the bar.)
 *
 * Invariants. A module's `minLevel` is the highest of its levels over the
 * destinations that are open (the file only while a log file is open), as
 * OVS's update_min_level: a logging site asks `module.enabled(level)` (or
 * reads `dbg`) before it formats anything, so a module below DBG costs the
 * packet path one property read. Message numbers (`%N`) count messages that
 * reached some destination. Time in the pattern is the switch's virtual
 * clock, from 1970-01-01T00:00:00Z: the same input logs the same text.
 *
 * ovsim keeps the console and syslog destinations' levels (they decide
 * `minLevel` and what `vlog/list` shows) but writes only the file: the
 * program's own streams are the CLI's, and there is no syslog. The file's
 * text accumulates in memory; `takeFileText` hands what is new to whoever
 * writes ovs-vswitchd.log (the OVS-tests harness). A site that OVS rate-limits
 * (VLOG_DROP_WARN and friends) asks `drop` with its limit (vlog-rate-limit.ts);
 * the layers below vswitchd see a module as src/actions/log-module.ts's
 * LogModule. The other sites log every message: OVS's limits on them (600 a
 * minute) are not reached by its tests.
 */
import type { LogLevelName, LogModule, LogRateLimit } from "../actions/log-module.js";
import { VlogRateLimit } from "./vlog-rate-limit.js";
import type { VlogRateLimitState } from "./vlog-rate-limit.js";
import { formatVlogMessage } from "./vlog-pattern.js";
import { VLOG_MODULE_NAMES } from "./vlog-modules.js";
import type { VlogModuleName } from "./vlog-modules.js";

/** OVS's levels (enum vlog_level), lowest first: a module at level L logs messages of level <= L. */
export const VLOG_LEVEL_NAMES = ["OFF", "EMER", "ERR", "WARN", "INFO", "DBG"] as const;
export type VlogLevel = 0 | 1 | 2 | 3 | 4 | 5;
export const VLL_OFF = 0;
export const VLL_EMER = 1;
export const VLL_ERR = 2;
export const VLL_WARN = 3;
export const VLL_INFO = 4;
export const VLL_DBG = 5;

/** OVS's destinations (enum vlog_destination), in its order, with their default patterns. */
export const VLOG_DESTINATIONS = [
  { name: "syslog", pattern: "ovs|%05N|%c%T|%p|%m" },
  { name: "console", pattern: "%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m" },
  { name: "file", pattern: "%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m" },
] as const;
export type VlogDestination = 0 | 1 | 2;
export const VLF_SYSLOG = 0;
export const VLF_CONSOLE = 1;
export const VLF_FILE = 2;

/** LogModule's level names as levels. */
const LEVEL_OF_NAME: ReadonlyMap<LogLevelName, VlogLevel> = new Map<LogLevelName, VlogLevel>([
  ["err", VLL_ERR],
  ["warn", VLL_WARN],
  ["info", VLL_INFO],
  ["dbg", VLL_DBG],
]);

function levelOf(name: LogLevelName): VlogLevel {
  return LEVEL_OF_NAME.get(name) ?? VLL_DBG;
}

/** One log module (struct vlog_module). */
export class VlogModule implements LogModule {
  readonly name: string;
  /** The level of each destination, indexed by VlogDestination. */
  readonly levels: VlogLevel[];
  /** The highest level of an open destination: nothing above it is logged anywhere. */
  minLevel: VlogLevel;
  /** False after `vlog/disable-rate-limit` (shown by `vlog/list`). */
  honorRateLimits = true;
  private readonly vlog: Vlog;

  constructor(vlog: Vlog, name: string, levels: VlogLevel[]) {
    this.vlog = vlog;
    this.name = name;
    this.levels = levels;
    this.minLevel = VLL_OFF;
  }

  /** Whether a message of `level` would reach some destination (OVS's vlog_is_enabled). */
  enabled(level: VlogLevel): boolean {
    return this.minLevel >= level;
  }

  /** Whether debug messages would reach some destination: a logging site checks this before formatting. */
  get dbg(): boolean {
    return this.minLevel >= VLL_DBG;
  }

  /** VLOG_DBG: logs `message` at DBG in this module. */
  debug(message: string): void {
    this.vlog.log(this, VLL_DBG, message);
  }

  /** VLOG_DBG from another thread than the main one (`%T` shows it; each thread numbers its own messages). */
  debugIn(thread: string, message: string): void {
    this.vlog.log(this, VLL_DBG, message, thread);
  }

  /** VLOG_INFO. */
  info(message: string): void {
    this.vlog.log(this, VLL_INFO, message);
  }

  /** VLOG_INFO from another thread than the main one (`%T` shows it). */
  infoIn(thread: string, message: string): void {
    this.vlog.log(this, VLL_INFO, message, thread);
  }

  /** VLOG_WARN. */
  warn(message: string): void {
    this.vlog.log(this, VLL_WARN, message);
  }

  /** VLOG_ERR. */
  err(message: string): void {
    this.vlog.log(this, VLL_ERR, message);
  }

  /** LogModule: `enabled` by level name. */
  levelEnabled(level: LogLevelName): boolean {
    return this.enabled(levelOf(level));
  }

  /** LogModule: VLOG_DROP_<LEVEL>(rl) (vlog_should_drop). */
  drop(level: LogLevelName, rl: LogRateLimit): boolean {
    return this.vlog.shouldDrop(this, levelOf(level), rl);
  }

  /** LogModule: logs `message` at `level`. */
  emit(level: LogLevelName, message: string): void {
    this.vlog.log(this, levelOf(level), message);
  }
}

/**
 * Most characters of log file text kept until someone takes it (`takeFileText`): a switch whose
 * log nobody reads (a long simulation, a cloud) must not grow without bound; past it the oldest
 * lines go, as a rotated log keeps the newest.
 */
export const MAX_LOG_FILE_CHARS = 4 * 1024 * 1024;

/** A log's state in a snapshot (Vlog.save). */
export interface VlogState {
  readonly modules: readonly { readonly name: string; readonly levels: readonly VlogLevel[]; readonly honorRateLimits: boolean }[];
  readonly patterns: readonly string[];
  readonly fileOpen: boolean;
  readonly facility: number;
  readonly msgNum: number;
  /** The file's text nobody has taken yet. */
  readonly fileText: string;
  /** The rate-limited sites' buckets, by site. */
  readonly rateLimits: readonly (readonly [string, VlogRateLimitState])[];
}

export class Vlog {
  private readonly modules = new Map<string, VlogModule>();
  /** Each destination's pattern, indexed by VlogDestination. */
  readonly patterns: string[] = VLOG_DESTINATIONS.map((d) => d.pattern);
  /** Whether the log file is open (`--log-file`; `vlog/close` closes it, `vlog/reopen` opens it again). */
  private fileOpen = true;
  /** Syslog facility (`FACILITY:name`), 0 = unset (LOG_LOCAL0 is used). */
  facility = 0;
  private msgNum = 0;
  /** The message numbers of the other threads (revalidators), by thread name. */
  private readonly threadMsgNums = new Map<string, number>();
  /** The file's lines not yet taken, oldest first from `fileHead`, `fileBytes` characters in all. */
  private fileText: string[] = [];
  private fileHead = 0;
  private fileBytes = 0;
  /** Rate-limited call sites' token buckets, by site name (OVS's static struct vlog_rate_limit). */
  private readonly rateLimits = new Map<string, VlogRateLimit>();
  private readonly now: () => number;

  /** `now`: the switch's virtual clock (ms), for the time in the patterns. */
  constructor(now: () => number) {
    this.now = now;
    for (const name of VLOG_MODULE_NAMES) {
      const m = new VlogModule(this, name, [VLL_INFO, VLL_OFF, VLL_INFO]);
      this.updateMinLevel(m);
      this.modules.set(name, m);
    }
  }

  /** The module named `name` (case-insensitive, as vlog_module_from_name), or undefined. */
  module(name: string): VlogModule | undefined {
    return this.modules.get(name.toLowerCase());
  }

  /** The module a logging site names (VLOG_DEFINE_THIS_MODULE): always registered. */
  get(name: VlogModuleName): VlogModule {
    const m = this.modules.get(name);
    if (m === undefined) throw new Error(`vlog module ${name} not registered`);
    return m;
  }

  /** Every module, in registration order. */
  all(): IterableIterator<VlogModule> {
    return this.modules.values();
  }

  /**
   * Sets `module`'s level for `destination` (null: every module; "any": every
   * destination), as vlog_set_levels.
   */
  setLevels(module: VlogModule | null, destination: VlogDestination | "any", level: VlogLevel): void {
    const dests: readonly VlogDestination[] = destination === "any" ? [VLF_SYSLOG, VLF_CONSOLE, VLF_FILE] : [destination];
    const mods = module === null ? [...this.modules.values()] : [module];
    for (const m of mods) {
      for (const d of dests) m.levels[d] = level;
      this.updateMinLevel(m);
    }
  }

  /** Sets a destination's pattern ("any": every destination's). */
  setPattern(destination: VlogDestination | "any", pattern: string): void {
    if (destination === "any") this.patterns.fill(pattern);
    else this.patterns[destination] = pattern;
  }

  /** `vlog/close`: the file is closed; file levels stop counting in minLevel. */
  closeFile(): void {
    this.fileOpen = false;
    for (const m of this.modules.values()) this.updateMinLevel(m);
  }

  /** `vlog/reopen`: the file is open again (appending, as OVS reopens it). */
  reopenFile(): void {
    this.fileOpen = true;
    for (const m of this.modules.values()) this.updateMinLevel(m);
  }

  /**
   * Logs `message` at `level` in `module` (vlog_valist): numbered, and
   * appended to the file's text if the file takes it. Callers on a hot path
   * check `module.enabled(level)` first, so `message` is only built when
   * someone will read it.
   */
  log(module: VlogModule, level: VlogLevel, message: string, thread?: string): void {
    if (module.minLevel < level) return;
    const toFile = this.fileOpen && (module.levels[VLF_FILE] ?? VLL_OFF) >= level;
    // OVS's msg_num is per thread: the main thread's is `msgNum`.
    let msgNum: number;
    if (thread === undefined) msgNum = ++this.msgNum;
    else {
      msgNum = (this.threadMsgNums.get(thread) ?? 0) + 1;
      this.threadMsgNums.set(thread, msgNum);
    }
    if (!toFile) return;
    const line = formatVlogMessage(this.patterns[VLF_FILE] ?? "", {
      module: module.name,
      level: VLOG_LEVEL_NAMES[level],
      message,
      msgNum,
      wallMs: this.now(),
      ...(thread === undefined ? {} : { thread }),
    });
    this.fileText.push(`${line}\n`);
    this.fileBytes += line.length + 1;
    // Nobody took the text for a long while (a simulation that never reads the log): keep its last
    // MAX_LOG_FILE_CHARS, as a rotated log keeps its newest lines.
    while (this.fileBytes > MAX_LOG_FILE_CHARS && this.fileHead < this.fileText.length - 1) {
      this.fileBytes -= (this.fileText[this.fileHead] ?? "").length;
      this.fileHead++;
    }
    if (this.fileHead > 1024 && this.fileHead * 2 > this.fileText.length) {
      this.fileText = this.fileText.slice(this.fileHead);
      this.fileHead = 0;
    }
  }

  /**
   * vlog_should_drop: whether a message of `level` in `module` from the site `rl` is left out (the
   * level is off, or the site is over its rate). A message that passes after drops is preceded by
   * the `Dropped N log messages ...` line, at its level.
   */
  shouldDrop(module: VlogModule, level: VlogLevel, rl: LogRateLimit): boolean {
    if (!module.honorRateLimits) return false;
    if (!module.enabled(level)) return true;
    let bucket = this.rateLimits.get(rl.name);
    if (bucket === undefined) {
      bucket = new VlogRateLimit(rl.rate, rl.burst);
      this.rateLimits.set(rl.name, bucket);
    }
    const r = bucket.take(this.now());
    if (!r.pass) return true;
    if (r.dropped !== null) this.log(module, level, r.dropped);
    return false;
  }

  /** What was written to the log file since the last call (ovs-vswitchd.log's new lines; at most its last MAX_LOG_FILE_CHARS). */
  takeFileText(): string {
    const text = this.fileText.slice(this.fileHead).join("");
    this.fileText = [];
    this.fileHead = 0;
    this.fileBytes = 0;
    return text;
  }

  /** What a snapshot keeps (snapshot.ts): every module's levels and rate-limit switch, the patterns, the file's state and untaken text, the message count. */
  save(): VlogState {
    return {
      modules: [...this.modules.values()].map((m) => ({ name: m.name, levels: [...m.levels], honorRateLimits: m.honorRateLimits })),
      patterns: [...this.patterns],
      fileOpen: this.fileOpen,
      facility: this.facility,
      msgNum: this.msgNum,
      fileText: this.fileText.slice(this.fileHead).join(""),
      rateLimits: [...this.rateLimits].map(([name, rl]) => [name, rl.save()] as const),
    };
  }

  /** Restores what `save` returned; false, changing nothing, when it names a module this switch does not have. */
  restore(s: VlogState): boolean {
    if (s.modules.some((m) => !this.modules.has(m.name))) return false;
    for (const m of s.modules) {
      const mod = this.modules.get(m.name)!;
      for (const d of [VLF_SYSLOG, VLF_CONSOLE, VLF_FILE] as const) mod.levels[d] = m.levels[d] ?? VLL_OFF;
      mod.honorRateLimits = m.honorRateLimits;
    }
    this.patterns.splice(0, this.patterns.length, ...s.patterns);
    this.fileOpen = s.fileOpen;
    this.facility = s.facility;
    this.msgNum = s.msgNum;
    this.fileText = s.fileText === "" ? [] : [s.fileText];
    this.fileHead = 0;
    this.fileBytes = s.fileText.length;
    this.rateLimits.clear();
    for (const [name, rl] of s.rateLimits) this.rateLimits.set(name, VlogRateLimit.restore(rl));
    for (const m of this.modules.values()) this.updateMinLevel(m);
    return true;
  }

  private updateMinLevel(m: VlogModule): void {
    let min: VlogLevel = VLL_OFF;
    for (const d of [VLF_SYSLOG, VLF_CONSOLE, VLF_FILE] as const) {
      const level = m.levels[d] ?? VLL_OFF;
      if ((this.fileOpen || d !== VLF_FILE) && level > min) min = level;
    }
    m.minLevel = min;
  }
}
