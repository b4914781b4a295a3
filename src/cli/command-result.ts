/** What one command line printed, and whether it failed (non-zero exit). */
export interface CommandResult {
  readonly stdout: string[];
  readonly stderr: string[];
  readonly ok: boolean;
}

export function output(lines: string[], stderr: string[] = []): CommandResult {
  return { stdout: lines, stderr, ok: true };
}

export function failure(message: string, stdout: string[] = []): CommandResult {
  return { stdout, stderr: [message], ok: false };
}
