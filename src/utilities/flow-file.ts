/**
 * Reading a flow file (`ovs-ofctl add-flows / replace-flows / diff-flows
 * SWITCH FILE`) with bounded work: ovs-ofctl reads whatever FILE is, but
 * ovsim runs inside the caller's process, so one line must not wait for ever
 * on a FIFO without a writer, nor read /dev/zero until memory runs out.
 *
 * - A regular file is read whole if it has at most MAX_FLOW_FILE_BYTES.
 * - A directory reads as empty, as in OVS (its reads fail and ovs-ofctl
 *   takes that for the end of the file).
 * - A FIFO or a socket is refused: ovsim cannot know whether a writer will
 *   come, and OVS would wait for it.
 * - Anything else (a character device: /dev/null, /dev/zero) is read without
 *   blocking until its end, at most MAX_FLOW_FILE_BYTES; a read that would
 *   block is refused.
 *
 * Errors are FlowParseErrors with ovs-ofctl's words where it has them
 * (`FILE: open failed (No such file or directory)`).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { FlowParseError } from "../flowtable/errors.js";
import { fileArgument } from "./standard-input.js";

/** Largest flow file ovsim reads: 64 MiB, a few hundred thousand flows (Neutron's largest tables have tens of thousands). */
export const MAX_FLOW_FILE_BYTES = 64 * 1024 * 1024;

/** strerror() of the errors opening a file can give, as ovs-ofctl prints them. */
const STRERROR: ReadonlyMap<string, string> = new Map([
  ["ENOENT", "No such file or directory"],
  ["EACCES", "Permission denied"],
  ["EPERM", "Operation not permitted"],
  ["ENOTDIR", "Not a directory"],
  ["ENAMETOOLONG", "File name too long"],
  ["ELOOP", "Too many levels of symbolic links"],
  ["EMFILE", "Too many open files"],
  ["ENXIO", "No such device or address"],
]);

function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function tooLarge(path: string): FlowParseError {
  return new FlowParseError(`${path}: file too large (ovsim reads flow files of at most ${MAX_FLOW_FILE_BYTES} bytes)`, path);
}

/** The text of flow file `path` (`-`: the line's standard input), or a FlowParseError (see the file comment). */
export function readFlowFile(path: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    fd = openSync(fileArgument(path), constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    // A name with a NUL byte is not an errno error: C would see a shorter name, most likely missing.
    const reason = STRERROR.get(errnoCode(e) ?? "ENOENT") ?? errnoCode(e) ?? "No such file or directory";
    throw new FlowParseError(`${path}: open failed (${reason})`, path);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) return "";
    if (st.isFIFO() || st.isSocket()) {
      throw new FlowParseError(`${path}: not a regular file (ovsim does not read flows from a FIFO or a socket, which could wait for ever)`, path);
    }
    if (st.isFile() && st.size > MAX_FLOW_FILE_BYTES) throw tooLarge(path);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(1 << 16, MAX_FLOW_FILE_BYTES + 1 - total));
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        const code = errnoCode(e);
        if (code === "EAGAIN" || code === "EWOULDBLOCK") {
          throw new FlowParseError(`${path}: reading would block (ovsim reads flows only from files that can be read at once)`, path);
        }
        if (code === "EISDIR") return "";
        throw new FlowParseError(`${path}: read failed (${code ?? "I/O error"})`, path);
      }
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > MAX_FLOW_FILE_BYTES) throw tooLarge(path);
    }
    return Buffer.concat(chunks, total).toString("utf8");
  } finally {
    closeSync(fd);
  }
}
