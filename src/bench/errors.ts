/** The errors of `ovsim bench flows` inputs (flow files, packet lists, ClassBench filters). */

import { OvsimError } from "../flowtable/errors.js";

/** An input the flow benchmark cannot use; the message names the line when there is one. */
export class FlowBenchError extends OvsimError {
  readonly code = "FLOW_BENCH";
  /** 1-based line of the input at fault, when known. */
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}
