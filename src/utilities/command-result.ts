/** What one command line printed, and whether it failed (non-zero exit). */
export interface CommandResult {
  readonly stdout: string[];
  readonly stderr: string[];
  /** True iff the exit status is 0. */
  readonly ok: boolean;
  /** The exit status when it is not simply 0 / 1 (ovs-vsctl br-exists exits 2); absent: ok ? 0 : 1. */
  readonly exitCode?: number;
  /** The last stdout line ends without a newline (ovs-dpctl normalize-actions prints so). */
  readonly noFinalNewline?: boolean;
}

export function output(lines: string[], stderr: string[] = []): CommandResult {
  return { stdout: lines, stderr, ok: true };
}

export function failure(message: string, stdout: string[] = []): CommandResult {
  return { stdout, stderr: [message], ok: false };
}

/** The exit status of a command. */
export function exitCodeOf(r: CommandResult): number {
  return r.exitCode ?? (r.ok ? 0 : 1);
}
