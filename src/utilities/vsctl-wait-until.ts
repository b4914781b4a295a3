/**
 * `ovs-vsctl wait-until TABLE RECORD [COLUMN[:KEY]=VALUE]...` (OVS's
 * cmd_wait_until in lib/db-ctl-base.c): succeeds, printing nothing, once the
 * record exists and satisfies every condition (the conditions of `find`).
 * OVS otherwise waits for the database to change and tries again, for ever
 * (or until `--timeout` kills it). ovsim's database is synchronous: it changes
 * only through the commands of the script, so a condition that does not hold
 * now never will while this command runs, and the command fails at once
 * instead of hanging (the message is ovsim's: OVS prints nothing).
 */
import { checkCondition, getRow, getTable } from "./vsctl-db-commands.js";
import type { CommandInvocation, VsctlContext } from "./vsctl-context.js";
import { VsctlError } from "./vsctl-context.js";

export function cmdWaitUntil(ctx: VsctlContext, inv: CommandInvocation): void {
  const [tableName = "", recordId = "", ...conditions] = inv.args;
  const t = getTable(tableName);
  const row = getRow(ctx, t, recordId, false);
  // Every condition is parsed (and its errors reported) before the record is looked at, as OVS's pre_cmd_wait_until.
  const satisfied = row !== undefined && conditions.map((c) => checkCondition(ctx, t, row, c)).every((ok) => ok);
  if (!satisfied) {
    throw new VsctlError(`wait-until ${tableName} ${recordId}: the condition does not hold and nothing can change it (OVS would wait for ever)`);
  }
}
