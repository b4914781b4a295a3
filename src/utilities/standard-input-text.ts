/**
 * The whole standard input of the running line as text, for the commands that
 * read it without a `-` argument (`ovs-ofctl parse-nx-match < nx-match.txt`):
 * the file runLine was given for it (standard-input.ts), or nothing (an empty
 * input, as a terminal at end of file gives).
 */
import { fileArgument } from "./standard-input.js";
import { readTextFileIfPresent } from "./host-files.js";

export function standardInputText(): string {
  const path = fileArgument("-");
  return path === "-" ? "" : (readTextFileIfPresent(path) ?? "");
}
