/** How the flow tables see actions: equality and the out_port / out_group filters. */
import type { ActionSemantics } from "../flowtable/flow-tables.js";
import { OFPP_CONTROLLER } from "../flowtable/ports.js";
import type { Action, ActionList } from "./action-types.js";
import { formatActions } from "./action-text.js";

/** The port an action outputs to, if any (OVS's `ofpact_outputs_to_port`). */
function outputPort(a: Action): number | undefined {
  switch (a.type) {
    case "output":
    case "output_trunc":
    case "enqueue":
      return a.port;
    case "controller":
      return OFPP_CONTROLLER;
    default:
      return undefined;
  }
}

/** Every action, nested ones included (OVS's OFPACT_FOR_EACH_FLATTENED). */
function some(list: ActionList, pred: (a: Action) => boolean): boolean {
  return list.some((a) => pred(a) || ((a.type === "clone" || a.type === "write_actions" || a.type === "ct") && some(a.actions, pred)));
}

export const actionSemantics: ActionSemantics<ActionList> = {
  equal: (a, b) => formatActions(a) === formatActions(b),
  outputsToPort: (list, port) => some(list, (a) => outputPort(a) === port),
  outputsToGroup: (list, group) => some(list, (a) => a.type === "group" && a.groupId === group),
  learnedCookies: (list) => list.flatMap((a) => (a.type === "learn" && a.deleteLearned ? [[a.table, a.cookie] as const] : [])),
  // xlate-conj.ts's conjunctionsOf(list) !== null: conjunctions and notes only, at least one conjunction.
  isSoft: (list) => list.some((a) => a.type === "conjunction") && list.every((a) => a.type === "conjunction" || a.type === "note"),
};
