/** How the flow tables see actions: equality and the out_port / out_group filters. */
import type { ActionSemantics } from "../flowtable/flow-tables.js";
import type { ActionList } from "./action-types.js";
import { formatActions } from "./action-text.js";

export const actionSemantics: ActionSemantics<ActionList> = {
  equal: (a, b) => formatActions(a) === formatActions(b),
  outputsToPort: (list, port) => list.some((a) => a.type === "output" && a.port === port),
  outputsToGroup: () => false,
};
