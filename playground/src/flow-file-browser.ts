/**
 * The browser's stand-in for src/utilities/flow-file.ts (vite.config.ts
 * aliases it): a page has no file system, so `ovs-ofctl add-flows BR FILE`
 * is refused with a FlowParseError saying so, as a missing file would be.
 */
import { FlowParseError } from "../../src/flowtable/errors.js";

export const MAX_FLOW_FILE_BYTES = 64 * 1024 * 1024;

export function readFlowFile(path: string): string {
  throw new FlowParseError(`${path}: open failed (the playground has no files; write the flows in the editor)`, path);
}
