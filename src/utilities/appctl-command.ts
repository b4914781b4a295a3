/** One `ovs-appctl` command, as OVS's unixctl_command_register() registers it. */
import type { CommandResult } from "./command-result.js";
import type { Switch } from "../vswitchd/switch.js";

export interface AppctlCommand {
  /** The argument synopsis `list-commands` prints (OVS's `usage` argument, verbatim). */
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly run: (sw: Switch, args: string[]) => CommandResult;
}
