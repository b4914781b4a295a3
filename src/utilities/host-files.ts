/**
 * The files commands read besides flow files (flow-file.ts): pcap captures
 * (`ovs-ofctl parse-pcap`, `ovs-pcap`), OpenFlow message files (`ovs-ofctl
 * ofp-parse`) and a line's standard input. With flow-file.ts, the only
 * modules on a command's path that touch the file system: the playground
 * (a browser page, no files) builds with its stand-ins
 * (playground/src/*-browser.ts, playground/vite.config.ts). The writers
 * below are for ovstest's daemons (ovstest-daemon.ts: their log, pid and
 * standard output files); the playground's stand-ins write nothing.
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/** The bytes of file `path`; throws (as Node's fs does) when it cannot be read. */
export function readBinaryFile(path: string): Uint8Array {
  return readFileSync(path);
}

/** The text of file `path`, bytes as Latin-1 characters, or undefined when there is no such file. */
export function readTextFileIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "latin1") : undefined;
}

/** `path` made absolute against the working directory. */
export function resolveHostPath(path: string): string {
  return resolve(path);
}

/** Creates or truncates file `path` to `text` (bytes as Latin-1 characters). */
export function writeTextFile(path: string, text: string): void {
  writeFileSync(path, text, "latin1");
}

/** Appends `text` to file `path` (created when missing); a file that cannot be written is skipped, as a daemon's lost output. */
export function appendTextFile(path: string, text: string): void {
  try {
    appendFileSync(path, text, "latin1");
  } catch {
    // A daemon whose output file went away keeps running, printing nowhere.
  }
}
