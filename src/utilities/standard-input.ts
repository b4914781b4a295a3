/**
 * A command's standard input, for the OVS programs' `-` file argument
 * (`ovs-ofctl add-flows br0 - < flows.txt`, `del-flows br0 -`,
 * `insert-buckets br0 -`): ovsim runs commands inside its caller's process,
 * so whoever runs a line may give it a file that holds what the line's
 * standard input would be (runLine's `stdin`). While the line runs,
 * `fileArgument("-")` names that file; without one, `-` stays `-` (and
 * opening it fails as a missing file does).
 */

let current: string | undefined;

/** Runs `run` with `stdinPath` as the standard input of the commands it runs. */
export function withStandardInput<T>(stdinPath: string | undefined, run: () => T): T {
  const saved = current;
  current = stdinPath;
  try {
    return run();
  } finally {
    current = saved;
  }
}

/** The file to read for a file argument: `-` is the standard input when the line has one. */
export function fileArgument(name: string): string {
  return name === "-" && current !== undefined ? current : name;
}
