/**
 * A recording in `OVS_RUN_TRACE=1` form (`### COMMAND` then what it printed)
 * as [command, lines] blocks; the flow lines of each dump-flows are sorted
 * (OVS lists them in the order of its hash tables, which nothing specifies).
 */
export function goldenBlocks(text: string): Array<[string, string[]]> {
  const out: Array<[string, string[]]> = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("### ")) out.push([line.slice(4), []]);
    else if (line !== "" || out.length > 0) out[out.length - 1]?.[1].push(line);
  }
  for (const block of out) while (block[1].at(-1) === "") block[1].pop();
  return out.map(([cmd, lines]) => [cmd, / dump-flows /.test(cmd) ? [...lines].sort() : lines]);
}

/** The lines recorded for the `n`-th (0-based) command of a recording that contains `fragment`. */
export function goldenOutput(text: string, fragment: string, n = 0): string[] {
  const hits = goldenBlocks(text).filter(([cmd]) => cmd.includes(fragment));
  const hit = hits[n];
  if (hit === undefined) throw new Error(`no recorded command ${n} containing ${fragment}`);
  return hit[1];
}
