/**
 * A log module as the layers below vswitchd see one (OVS's `struct
 * vlog_module` behind VLOG_WARN / VLOG_DROP_WARN): translation and the
 * datapath's upcall handler log into ovs-vswitchd's log without knowing it.
 * src/vswitchd/vlog.ts's VlogModule is the implementation; a caller that
 * passes none logs nothing.
 *
 * OVS's sites that may fire once per packet guard their message with a
 * static rate limit (`VLOG_RATE_LIMIT_INIT(RATE, BURST)`: RATE messages a
 * minute, bursts of BURST): `drop(level, rl)` is VLOG_DROP_<LEVEL>(&rl),
 * true when the message must not be formatted (the level is off, or the
 * site is over its rate). A site's limit is shared by every caller of the
 * site, as a C static is: `name` identifies it.
 */

/** The levels a site below vswitchd logs at. */
export type LogLevelName = "err" | "warn" | "info" | "dbg";

/** A call site's rate limit (struct vlog_rate_limit's parameters). */
export interface LogRateLimit {
  /** The site (one token bucket per name). */
  readonly name: string;
  /** Messages per minute. */
  readonly rate: number;
  /** Most messages at once. */
  readonly burst: number;
}

export interface LogModule {
  /** Whether a message at `level` reaches some destination (vlog_is_enabled). */
  levelEnabled(level: LogLevelName): boolean;
  /** VLOG_DROP_<LEVEL>(rl): true when the message is to be left out (level off, or over the rate). */
  drop(level: LogLevelName, rl: LogRateLimit): boolean;
  /** Logs `message` at `level` (VLOG_<LEVEL>, after a `drop` that said no). */
  emit(level: LogLevelName, message: string): void;
}
