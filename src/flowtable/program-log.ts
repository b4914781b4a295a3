/**
 * The log of the program that runs OVS's library code: in OVS, parsing and
 * checking code in lib/ (ofp-port.c, meta-flow.c, ofp-actions.c) logs with
 * VLOG_WARN in whatever process calls it. In ovs-ofctl those warnings reach
 * the console (stderr) before the error the command then prints:
 *
 *   2026-12-07T17:45:29Z|00001|meta_flow|WARN|source field tcp_dst lacks correct prerequisites
 *   ovs-ofctl: actions are invalid with specified match (OFPBAC_MATCH_INCONSISTENT)
 *
 * Design. The parsers stay free of a log parameter: a logging site calls
 * `programWarn(module, text)`, which hands the message to the log of the
 * program currently running (`withProgramLog`), or drops it when none is
 * (a library caller, or the switch's own re-check of what it received). The
 * front end (src/utilities) formats what was collected in its console
 * pattern. Only parse-time code logs here, never a per-packet path.
 *
 * `programWarnOnce` is VLOG_WARN_ONCE: once per program run (one ovs-ofctl
 * invocation). Rate limits are not modelled: one command logs a handful.
 */

/** One message a program logged. */
export interface ProgramLogMessage {
  /** OVS's module name (`%c`): ofp_port, meta_flow, ofp_actions... */
  readonly module: string;
  readonly level: "WARN" | "INFO";
  readonly message: string;
}

/** The messages one program run logged, in order. */
export class ProgramLog {
  readonly messages: ProgramLogMessage[] = [];
  /** Keys of the WARN_ONCE sites that have logged. */
  private readonly once = new Set<string>();

  warn(module: string, message: string): void {
    this.messages.push({ module, level: "WARN", message });
  }

  info(module: string, message: string): void {
    this.messages.push({ module, level: "INFO", message });
  }

  warnOnce(module: string, key: string, message: string): void {
    if (this.once.has(key)) return;
    this.once.add(key);
    this.warn(module, message);
  }
}

let current: ProgramLog | null = null;

/** Runs `fn` with `log` as the running program's log (null: messages are dropped). */
export function withProgramLog<T>(log: ProgramLog | null, fn: () => T): T {
  const prev = current;
  current = log;
  try {
    return fn();
  } finally {
    current = prev;
  }
}

/** VLOG_WARN from module `module`. */
export function programWarn(module: string, message: string): void {
  current?.warn(module, message);
}

/** VLOG_INFO from module `module` (ovs-ofctl's console shows INFO too). */
export function programInfo(module: string, message: string): void {
  current?.info(module, message);
}

/** VLOG_WARN_ONCE: `key` names the logging site. */
export function programWarnOnce(module: string, key: string, message: string): void {
  current?.warnOnce(module, key, message);
}
