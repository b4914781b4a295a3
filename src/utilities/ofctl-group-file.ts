/**
 * `ovs-ofctl add-groups SWITCH FILE`: one group_mod a line, as ovs-ofctl's
 * parse_ofp_group_mod_file reads them (ofctl-file-lines.ts: comments, blank
 * lines, a leading command word, add without one). Every line is parsed
 * before any is sent, so a bad line sends nothing (`FILE:LINE: message`);
 * then the group mods go one by one, each with its barrier (the k-th's xid is
 * 6 + 2k), and the first the switch refuses stops the rest.
 */
import type { GroupModCommand } from "../actions/group-types.js";
import type { Bridge } from "../datapath/bridge.js";
import { FlowParseError } from "../flowtable/errors.js";
import type { CommandResult } from "./command-result.js";
import { output } from "./command-result.js";
import { readFlowFile } from "./flow-file.js";
import { groupFileLineCommand, preprocessedLines } from "./ofctl-file-lines.js";
import { groupMod } from "./ofctl-group.js";
import type { OfctlOptions } from "./ofctl-options.js";
import { receiveGroupMod } from "../vswitchd/group-meter-mods.js";
import type { Switch } from "../vswitchd/switch.js";

/**
 * add-groups SWITCH FILE; with `fixed`, every line is that command's group
 * (insert-buckets SWITCH -, as ovs-ofctl's ofctl_group_mod_file: only adds
 * read command words).
 */
export function addGroups(sw: Switch, br: Bridge, path: string, o: OfctlOptions, fixed?: GroupModCommand): CommandResult {
  const mods: { readonly text: string; readonly command: GroupModCommand }[] = [];
  for (const { line, number } of preprocessedLines(readFlowFile(path))) {
    const { command, rest } = fixed === undefined ? groupFileLineCommand(line) : { command: fixed, rest: line };
    const text = rest.replace(/^[, \t\r\n]+/, "");
    try {
      receiveGroupMod(br, text, command, o.version);
    } catch (e) {
      if (e instanceof FlowParseError) throw new FlowParseError(`${path}:${number}: ${e.message}`, line);
      throw e;
    }
    mods.push({ text, command });
  }
  mods.forEach((m, k) => groupMod(sw, br, m.text, m.command, o, k));
  return output([]);
}
