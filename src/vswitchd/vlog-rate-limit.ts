/**
 * Rate limits of log call sites (OVS's struct vlog_rate_limit and
 * vlog_should_drop in lib/vlog.c, over lib/token-bucket.c).
 *
 * A site that may log once per packet (xlate_report_error, the upcall
 * handler's trace of a translation that recursed too deep) owns a token
 * bucket: RATE messages a minute, at most BURST at once. Each message
 * withdraws one message's worth of tokens (VLOG_MSG_TOKENS, 60000: the bucket
 * gains RATE tokens a millisecond); with too few the message is dropped and
 * counted. The first message that gets through again is preceded, at its own
 * level, by `Dropped N log messages in last S seconds (most recently, T
 * seconds ago) due to excessive rate`. A fresh bucket is empty with a last
 * fill at the beginning of time, so its first withdrawal fills it to BURST.
 *
 * Time is the switch's virtual clock (OVS's time_msec and time_now follow
 * `time/stop` and `time/warp` too): with the clock stopped, a site logs its
 * burst and then nothing until time is warped on. `vlog/disable-rate-limit`
 * (a module's honorRateLimits) lets every message of the module through.
 */

/** One message's worth of tokens (VLOG_MSG_TOKENS). */
export const VLOG_MSG_TOKENS = 60 * 1000;

/** A bucket as snapshots keep it (Vlog.save). */
export interface VlogRateLimitState {
  readonly rate: number;
  readonly burst: number;
  readonly tokens: number;
  /** ms of the last fill; null: never filled. */
  readonly lastFill: number | null;
  readonly nDropped: number;
  readonly firstDropped: number;
  readonly lastDropped: number;
}

export class VlogRateLimit {
  /** Tokens added per ms (messages a minute). */
  readonly rate: number;
  /** Most tokens held: BURST messages' worth. */
  readonly burst: number;
  private tokens = 0;
  private lastFill: number | null = null;
  private nDropped = 0;
  /** Seconds (time_now) of the first and the last message dropped since one got through. */
  private firstDropped = 0;
  private lastDropped = 0;

  /** `rate` messages a minute, bursts of `burst` messages (VLOG_RATE_LIMIT_INIT). */
  constructor(rate: number, burst: number) {
    this.rate = rate;
    this.burst = burst * VLOG_MSG_TOKENS;
  }

  /** token_bucket_withdraw of one message at `nowMs`. */
  private withdraw(nowMs: number): boolean {
    if (this.tokens < VLOG_MSG_TOKENS) {
      if (this.lastFill === null || nowMs > this.lastFill) {
        // OVS caps the elapsed time at UINT_MAX ms; a bucket never filled has waited forever.
        const elapsed = this.lastFill === null ? Number.MAX_SAFE_INTEGER : Math.min(0xffffffff, nowMs - this.lastFill);
        this.tokens = Math.min(this.tokens + this.rate * elapsed, this.burst);
        this.lastFill = nowMs;
      }
      if (this.tokens < VLOG_MSG_TOKENS) return false;
    }
    this.tokens -= VLOG_MSG_TOKENS;
    return true;
  }

  /**
   * vlog_should_drop's bucket part at `nowMs`: "drop" (counted), or "pass" with the text of the
   * `Dropped ...` message to log first when messages were dropped before it.
   */
  take(nowMs: number): { readonly pass: false } | { readonly pass: true; readonly dropped: string | null } {
    const nowS = Math.floor(nowMs / 1000);
    if (!this.withdraw(nowMs)) {
      if (this.nDropped === 0) this.firstDropped = nowS;
      this.lastDropped = nowS;
      this.nDropped++;
      return { pass: false };
    }
    if (this.nDropped === 0) return { pass: true, dropped: null };
    const text =
      `Dropped ${this.nDropped} log messages in last ${nowS - this.firstDropped} seconds ` +
      `(most recently, ${nowS - this.lastDropped} seconds ago) due to excessive rate`;
    this.nDropped = 0;
    return { pass: true, dropped: text };
  }

  save(): VlogRateLimitState {
    return {
      rate: this.rate,
      burst: this.burst / VLOG_MSG_TOKENS,
      tokens: this.tokens,
      lastFill: this.lastFill,
      nDropped: this.nDropped,
      firstDropped: this.firstDropped,
      lastDropped: this.lastDropped,
    };
  }

  static restore(s: VlogRateLimitState): VlogRateLimit {
    const rl = new VlogRateLimit(s.rate, s.burst);
    rl.tokens = s.tokens;
    rl.lastFill = s.lastFill;
    rl.nDropped = s.nDropped;
    rl.firstDropped = s.firstDropped;
    rl.lastDropped = s.lastDropped;
    return rl;
  }
}
