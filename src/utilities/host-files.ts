/**
 * The files commands read besides flow files (flow-file.ts): pcap captures
 * (`ovs-ofctl parse-pcap`, `ovs-pcap`), OpenFlow message files (`ovs-ofctl
 * ofp-parse`) and a line's standard input. With flow-file.ts, the only
 * modules on a command's path that touch the file system: the playground
 * (a browser page, no files) builds with its stand-ins
 * (playground/src/*-browser.ts, playground/vite.config.ts).
 */
import { existsSync, readFileSync } from "node:fs";

/** The bytes of file `path`; throws (as Node's fs does) when it cannot be read. */
export function readBinaryFile(path: string): Uint8Array {
  return readFileSync(path);
}

/** The text of file `path`, bytes as Latin-1 characters, or undefined when there is no such file. */
export function readTextFileIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "latin1") : undefined;
}
