/**
 * The console pattern a program's `-v`/`--verbose` options set (OVS's
 * vlog_set_verbosity: `-vPATTERN:console:PATTERN`). The last such option
 * wins; other -v settings (levels, destinations) change nothing ovsim prints.
 */
const CONSOLE_PATTERN = /^(?:-v|--verbose=)PATTERN:console:(.*)$/i;

/** The console pattern `argv` sets, or undefined for the default. */
export function consolePatternOption(argv: readonly string[]): string | undefined {
  let out: string | undefined;
  for (const a of argv) {
    if (a === "--") break;
    const m = CONSOLE_PATTERN.exec(a);
    if (m !== null) out = m[1];
  }
  return out;
}
