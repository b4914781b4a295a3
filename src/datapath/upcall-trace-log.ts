/**
 * What the upcall handler logs about a packet's translation (OVS's
 * upcall_xlate in ofproto/ofproto-dpif-upcall.c).
 *
 * A packet's translation (a miss upcall, a slow-pathed flow's packet) logs
 * xlate_report_error's errors in `ofproto_dpif_xlate` (XlateOptions.log,
 * src/actions/xlate/xlate-context.ts). When it fails with "Recursion too
 * deep" or "Too many resubmits", the handler translates the packet again
 * with a trace and logs the whole ofproto/trace text as one WARN message of
 * `ofproto_dpif_upcall`: "a huge log, so be conservative", at most one a
 * minute (VLOG_RATE_LIMIT_INIT(1, 1)). The trace is ofproto_trace's with the
 * packet, ports by number, its side effects allowed as OVS's are; it ends
 * with `Translation failed (...), packet is dropped.` and a newline, which the
 * log's `%m` trims.
 */
import type { LogModule, LogRateLimit } from "../actions/log-module.js";
import type { XlateOptions } from "../actions/xlate/xlate-context.js";
import { ofprotoTraceRun } from "../actions/xlate/xlate-trace-format.js";
import type { XlateResult } from "../actions/xlate/xlate.js";
import type { Bridge } from "./bridge.js";

/** The log modules an upcall handler writes to. */
export interface UpcallLogs {
  /** `ofproto_dpif_xlate`: translation's own reports. */
  readonly xlate: LogModule;
  /** `ofproto_dpif_upcall`: the trace of a translation that failed. */
  readonly upcall: LogModule;
}

/** upcall_xlate's rate limit on the trace (rll). */
const FAILED_TRACE_RL: LogRateLimit = { name: "upcall_xlate_trace", rate: 1, burst: 1 };

/**
 * After a packet's translation `r` of `flow` in `bridge`: the trace of a translation that
 * recursed too deep or resubmitted too often, logged as OVS's upcall handler logs it. `options`
 * are the packet's translation options (its side effects, recirculation ids, clock).
 */
export function logFailedUpcall(logs: UpcallLogs, bridge: Bridge, flow: Uint32Array, r: XlateResult, options: XlateOptions): void {
  if (r.error !== "recursion_too_deep" && r.error !== "too_many_resubmits") return;
  if (logs.upcall.drop("warn", FAILED_TRACE_RL)) return;
  const { lines } = ofprotoTraceRun(bridge, flow, { ...options, trace: true });
  logs.upcall.emit("warn", `${lines.join("\n")}\n`);
}
