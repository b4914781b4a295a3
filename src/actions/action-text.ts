/**
 * ovs-ofctl action text: parse (OVS's `ofpacts_parse`) and print
 * (`ofpacts_format`) with OVS's spelling and error texts.
 */
import { FlowParseError } from "../flowtable/errors.js";
import { keyValuePairs } from "../flowtable/flow-mod-parse.js";
import type { PortNameMap } from "../flowtable/ports.js";
import { OFPP_CONTROLLER, OFPP_IN_PORT, OFPP_MAX, formatPort, parsePort } from "../flowtable/ports.js";
import type { Action, ActionList } from "./action-types.js";

const TABLE_CURRENT = 255;

function parseResubmit(arg: string, text: string, names?: PortNameMap): Action {
  const [portText = "", tableText] = arg.split(",");
  let inPort = OFPP_IN_PORT;
  if (portText !== "") {
    const p = parsePort(portText, names);
    if (p === undefined) throw new FlowParseError(`${portText}: resubmit to unknown port`, text, portText);
    inPort = p;
  }
  let table = TABLE_CURRENT;
  if (tableText !== undefined && tableText !== "") {
    const t = /^\d+$/.test(tableText) ? Number(tableText) : NaN;
    if (!(t <= 255)) throw new FlowParseError(`${tableText}: resubmit to unknown table`, text, tableText);
    table = t;
  }
  if (inPort === OFPP_IN_PORT && table === TABLE_CURRENT) {
    throw new FlowParseError("at least one \"in_port\" or \"table\" must be specified on resubmit", text, arg);
  }
  return { type: "resubmit", inPort, table };
}

function output(port: number): Action {
  return { type: "output", port, maxLen: port === OFPP_CONTROLLER ? 0xffff : 0 };
}

/** Parses action text. Throws FlowParseError with OVS's message. */
export function parseActions(text: string, names?: PortNameMap): ActionList {
  const out: Action[] = [];
  let drop = false;
  for (const [key, value] of keyValuePairs(text)) {
    const k = key.toLowerCase();
    if (k === "output") {
      const port = parsePort(value, names);
      if (port === undefined) throw new FlowParseError(`${value}: output to unknown port`, text, value);
      out.push(output(port));
    } else if (k === "resubmit") {
      out.push(parseResubmit(value, text, names));
    } else if (k === "drop") {
      drop = true;
    } else {
      const port = parsePort(key, names);
      if (port === undefined) throw new FlowParseError(`unknown action ${key}`, text, key);
      out.push(output(port));
    }
  }
  if (drop && out.length > 0) {
    throw new FlowParseError('"drop" must not be accompanied by any other action or instruction', text);
  }
  return out;
}

function formatAction(a: Action, names?: PortNameMap): string {
  switch (a.type) {
    case "output": {
      const prefix = a.port < OFPP_MAX ? "output:" : "";
      const suffix = a.port === OFPP_CONTROLLER ? `:${a.maxLen}` : "";
      return `${prefix}${formatPort(a.port, names)}${suffix}`;
    }
    case "resubmit": {
      const port = a.inPort === OFPP_IN_PORT ? "" : formatPort(a.inPort, names);
      if (a.inPort !== OFPP_IN_PORT && a.table === TABLE_CURRENT) return `resubmit:${port}`;
      return `resubmit(${port},${a.table === TABLE_CURRENT ? "" : a.table})`;
    }
  }
}

/** Prints actions as ovs-ofctl does; an empty list is `drop`. */
export function formatActions(list: ActionList, names?: PortNameMap): string {
  return list.length === 0 ? "drop" : list.map((a) => formatAction(a, names)).join(",");
}
