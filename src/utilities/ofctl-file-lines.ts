/**
 * How ovs-ofctl reads a file of flows or groups (add-flows, add-groups,
 * replace-flows, diff-flows, parse-flows): ds_get_preprocessed_line cuts a
 * `#` comment to the end of its line and skips lines left blank, keeping
 * line numbers for `FILE:LINE: message`. add-flows and add-groups let a line
 * begin with its command: the first word (up to a comma or white space) is
 * compared with each command name over the word's length, as OVS's strncmp
 * does, so a prefix (`d`, `mod`) names the first command it begins; a word
 * that names none is no command word and the line adds.
 */
import type { GroupModCommand } from "../actions/group-types.js";
import type { FlowModCommand } from "../flowtable/flow-mod-parse.js";

/** One line with text left after comments, and its 1-based number in the file. */
export interface FileLine {
  readonly line: string;
  readonly number: number;
}

/** The lines of a flow or group file as ovs-ofctl reads them. */
export function preprocessedLines(text: string): FileLine[] {
  const out: FileLine[] = [];
  text.split("\n").forEach((raw, i) => {
    const hash = raw.indexOf("#");
    // A CR before the newline is white space to the flow parser: dropped here.
    const line = (hash >= 0 ? raw.slice(0, hash) : raw).replace(/\r$/, "");
    if (/[^ \t\r\n]/.test(line)) out.push({ line, number: i + 1 });
  });
  return out;
}

/** parse_ofp_flow_mod_str's command words, in the order it tries them. */
const FLOW_COMMANDS: readonly (readonly [string, FlowModCommand])[] = [
  ["add", "add"],
  ["delete", "delete"],
  ["delete_strict", "delete_strict"],
  ["modify", "modify"],
  ["modify_strict", "modify_strict"],
];

/** parse_ofp_group_mod_str's command words, in the order it tries them. */
const GROUP_COMMANDS: readonly (readonly [string, GroupModCommand])[] = [
  ["add", "add"],
  ["delete", "delete"],
  ["modify", "modify"],
  ["add_or_mod", "add_or_mod"],
  ["insert_bucket", "insert_bucket"],
  ["remove_bucket", "remove_bucket"],
];

function lineCommand<C>(line: string, commands: readonly (readonly [string, C])[], fallback: C): { readonly command: C; readonly rest: string } {
  const s = line.replace(/^[ \t\r\n]+/, "");
  const len = /^[^, \t\r\n]*/.exec(s)?.[0].length ?? 0;
  const word = s.slice(0, len);
  for (const [name, command] of commands) if (name.startsWith(word)) return { command, rest: s.slice(len) };
  return { command: fallback, rest: s };
}

/** A flow file line's command (add when it names none) and the flow text after it. */
export function flowFileLineCommand(line: string): { readonly command: FlowModCommand; readonly rest: string } {
  return lineCommand(line, FLOW_COMMANDS, "add");
}

/** A group file line's command (add when it names none) and the group text after it. */
export function groupFileLineCommand(line: string): { readonly command: GroupModCommand; readonly rest: string } {
  return lineCommand(line, GROUP_COMMANDS, "add");
}
