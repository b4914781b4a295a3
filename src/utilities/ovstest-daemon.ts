/**
 * OVS's daemon programs among `ovstest`'s test programs (`test-sflow`,
 * `test-netflow`: UDP collectors that print what they receive), run inside
 * the simulated host instead of as processes.
 *
 * A real one is started as `ovstest test-sflow --log-file --detach --no-chdir
 * --pidfile 0:127.0.0.1 > sflow.log`: it opens its socket, writes its pidfile
 * and log file, detaches, and from then on prints each datagram it receives
 * on the standard output it was started with (the shell's redirect), until
 * `ovs-appctl -t test-sflow exit` stops it. ovsim's does the same on the
 * switch's virtual UDP (src/vswitchd/host-udp.ts): the command returns at
 * once (as `--detach` does), the daemon stays registered with its switch, and
 * what it prints is appended to its standard output's file when a datagram
 * arrives, which is while a later command runs (a time/warp that makes the
 * exporter send).
 *
 * Files. The caller of runLine says which file the command's standard output
 * is (a `> FILE` redirect: the OVS-tests harness reads the shell's fd 1); a
 * daemon started without one prints nowhere. `--log-file[=FILE]` writes
 * FILE (default NAME.log, relative to the working directory, which is
 * ovsim's OVS_LOGDIR) in OVS's log-file format, `--pidfile[=FILE]` NAME.pid.
 * Paths are made absolute when the daemon starts (`--no-chdir` or not: a
 * detached OVS daemon without it changes to `/`, which changes nothing here).
 *
 * The pid. There is no process: the pidfile holds a number above Linux's
 * largest pid (PID_MAX_LIMIT, 2^22), so that `kill -0 PID`, OVS's
 * OVS_APP_EXIT_AND_WAIT test of whether the daemon is gone, says "no such
 * process" once it has exited; every daemon of a switch gets its own number.
 *
 * `ovs-appctl -t NAME COMMAND` reaches a running daemon of that name (or
 * whose pidfile or control socket path ends in NAME.pid / NAME.ctl), the
 * commands it registered, `exit` stopping it (unixctl's reply is empty).
 */
import type { CommandResult } from "./command-result.js";
import { failure, output } from "./command-result.js";
import { appendTextFile, resolveHostPath, writeTextFile } from "./host-files.js";
import type { Switch } from "../vswitchd/switch.js";

/** Linux's PID_MAX_LIMIT: no process has a pid this high. */
const NO_PROCESS_PID_BASE = 4194304;

/** What a line knows about its surroundings: the file its standard output goes to, when one. */
export interface LineIo {
  readonly stdoutFile?: string;
}

/** OVS's daemon and vlog options (DAEMON_LONG_OPTIONS, VLOG_LONG_OPTIONS) as a daemon was given them. */
export interface DaemonOptions {
  readonly detach: boolean;
  /** Absolute path, or null without --pidfile. */
  readonly pidFile: string | null;
  /** Absolute path, or null without --log-file. */
  readonly logFile: string | null;
}

/** A command's arguments split into OVS's daemon/vlog options and the rest; an error text on a bad option. */
export function parseDaemonOptions(name: string, args: readonly string[]): { options: DaemonOptions; rest: string[] } | string {
  let detach = false;
  let pidFile: string | null = null;
  let logFile: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? "";
    if (a === "--") {
      rest.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const opt = eq < 0 ? a : a.slice(0, eq);
    const value = eq < 0 ? undefined : a.slice(eq + 1);
    switch (opt) {
      case "--detach":
        detach = true;
        break;
      case "--pidfile":
        pidFile = resolveHostPath(value ?? `${name}.pid`);
        break;
      case "--log-file":
        logFile = resolveHostPath(value ?? `${name}.log`);
        break;
      case "--no-chdir":
      case "--monitor":
      case "--overwrite-pidfile":
      case "--no-self-confinement":
      case "--user":
      case "--syslog-method":
      case "--syslog-target":
      case "--unixctl":
        break;
      case "-v":
      case "--verbose":
        break;
      default:
        if (opt.startsWith("-v") || opt.startsWith("--verbose")) break;
        return `${name}: unrecognized option '${a}'`;
    }
  }
  return { options: { detach, pidFile, logFile }, rest };
}

/** One running daemon: its name, what it answers on ovs-appctl, how it stops. */
export interface OvstestDaemon {
  readonly name: string;
  /** Its unixctl commands other than `exit`: a result, or undefined for a command it lacks. */
  appctl?(command: string, args: readonly string[]): CommandResult | undefined;
  /** Closes its sockets (called once, on `exit`). */
  stop(): void;
}

/** Where a daemon prints and logs. */
export class DaemonOutput {
  private msgNum = 0;
  constructor(
    private readonly stdoutFile: string | null,
    private readonly logFile: string | null,
    private readonly wallMs: () => number,
  ) {}

  /** Appends `text` to the daemon's standard output (its file), if it has one. */
  print(text: string): void {
    if (this.stdoutFile !== null && text !== "") appendTextFile(this.stdoutFile, text);
  }

  /** A log line, as OVS's file log pattern writes it; also returned for the console (standard error). */
  log(module: string, level: "INFO" | "WARN" | "ERR" | "DBG", message: string): string {
    const stamp = new Date(this.wallMs()).toISOString().replace(/\.\d{3}Z$/, "Z");
    const line = `${stamp}|${String(++this.msgNum).padStart(5, "0")}|${module}|${level}|${message}`;
    if (this.logFile !== null) appendTextFile(this.logFile, `${line}\n`);
    return line;
  }
}

interface Running {
  readonly daemon: OvstestDaemon;
  readonly pid: number;
  readonly pidFile: string | null;
}

interface HostDaemons {
  readonly running: Map<string, Running>;
  nextPid: number;
}

const hosts = new WeakMap<Switch, HostDaemons>();

function daemonsOf(sw: Switch): HostDaemons {
  let h = hosts.get(sw);
  if (h === undefined) {
    h = { running: new Map(), nextPid: NO_PROCESS_PID_BASE + 1 };
    hosts.set(sw, h);
  }
  return h;
}

/**
 * Starts daemon `name` on switch `sw`: `start` opens its sockets (and may fail: its error text,
 * which fails the command as OVS's ovs_fatal does). Writes its log's first line and its pidfile.
 * Standard error gets the log lines, as a daemon's console log before it detaches.
 */
export function startDaemon(
  sw: Switch,
  name: string,
  options: DaemonOptions,
  io: LineIo | undefined,
  start: (out: DaemonOutput, logged: string[]) => OvstestDaemon | string,
): CommandResult {
  const h = daemonsOf(sw);
  if (h.running.has(name)) return failure(`${name}: already running`);
  // Wall time of the log lines: the switch's clock, as ovs-vswitchd's log shows it.
  const out = new DaemonOutput(io?.stdoutFile ?? null, options.logFile, () => sw.now);
  const logged: string[] = [];
  if (options.logFile !== null) {
    writeTextFile(options.logFile, "");
    logged.push(out.log("vlog", "INFO", `opened log file ${options.logFile}`));
  }
  const daemon = start(out, logged);
  if (typeof daemon === "string") return { stdout: [], stderr: [...logged, daemon], ok: false, exitCode: 1 };
  const pid = h.nextPid++;
  if (options.pidFile !== null) writeTextFile(options.pidFile, `${pid}\n`);
  h.running.set(name, { daemon, pid, pidFile: options.pidFile });
  return { ...output([]), stderr: logged };
}

/** The running daemon that `ovs-appctl -t TARGET` names, if any. */
function findDaemon(sw: Switch, target: string): Running | undefined {
  const h = hosts.get(sw);
  if (h === undefined) return undefined;
  const direct = h.running.get(target);
  if (direct !== undefined) return direct;
  for (const [name, r] of h.running) {
    if (target.endsWith(`/${name}.pid`) || target.endsWith(`/${name}.ctl`) || target === `${name}.pid` || target === `${name}.ctl`) return r;
    if (r.pidFile !== null && target === r.pidFile) return r;
  }
  return undefined;
}

/**
 * `ovs-appctl -t TARGET COMMAND ARGS` for a daemon: undefined when TARGET names none of the
 * switch's daemons (ovs-vswitchd answers), else the daemon's answer.
 */
export function daemonAppctl(sw: Switch, target: string, command: string, args: readonly string[]): CommandResult | undefined {
  const r = findDaemon(sw, target);
  if (r === undefined) return undefined;
  if (command === "exit") {
    if (args.length > 0) return { stdout: [], stderr: [`"exit" command takes at most 0 arguments`, `ovs-appctl: ${target}: server returned an error`], ok: false, exitCode: 2 };
    r.daemon.stop();
    daemonsOf(sw).running.delete(r.daemon.name);
    return output([]);
  }
  const answer = r.daemon.appctl?.(command, args);
  if (answer !== undefined) return answer;
  return {
    stdout: [],
    stderr: [`"${command}" is not a valid command (use "list-commands" to see a list of valid commands)`, `ovs-appctl: ${target}: server returned an error`],
    ok: false,
    exitCode: 2,
  };
}

/** Whether daemon `name` is running on `sw`. */
export function daemonRunning(sw: Switch, name: string): boolean {
  return hosts.get(sw)?.running.has(name) === true;
}

/** inet_parse_passive's "PORT[:IP]" (IPv6 in brackets); null when it does not parse. */
export function parsePassive(target: string): { port: number; addr: string } | null {
  const m = /^(\d*)(?::(\[[^\]]*\]|[^:]*))?$/.exec(target);
  if (m === null) return null;
  const port = m[1] === "" || m[1] === undefined ? 0 : Number(m[1]);
  if (port > 0xffff) return null;
  const host = m[2] ?? "0.0.0.0";
  return { port, addr: host.startsWith("[") ? host.slice(1, -1) : host };
}

/**
 * A UDP collector daemon (test-sflow, test-netflow): `NAME [options] PORT[:IP]` binds the
 * simulated host's UDP (port 0: the first free one), logs "listening on port N" as
 * socket_util does, and prints each datagram through `format`.
 */
export function startUdpCollector(
  sw: Switch,
  name: string,
  args: readonly string[],
  io: LineIo | undefined,
  format: (bytes: Uint8Array) => string,
): CommandResult {
  const parsed = parseDaemonOptions(name, args);
  if (typeof parsed === "string") return failure(parsed);
  if (parsed.rest.length !== 1) return failure(`${name}: exactly one non-option argument required (use --help for help)`);
  const target = parsed.rest[0] ?? "";
  const where = parsePassive(target);
  if (where === null) return failure(`${name}: ${target}: failed to open (Invalid argument)`);
  return startDaemon(sw, name, parsed.options, io, (out, logged) => {
    const port = sw.udp.bind(where.addr, where.port, (bytes) => out.print(format(bytes)));
    if (port === null) return `${name}: ${target}: failed to open (Address already in use)`;
    logged.push(out.log("socket_util", "INFO", `${target}: listening on port ${port}`));
    return { name, stop: () => sw.udp.close(where.addr, port) };
  });
}
