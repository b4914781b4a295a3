/** Reading a Ryu test case's JSON: objects, packet string lists, and the error for a case the runner cannot read. */
import type { Json } from "./openflow-json.js";

export class RyuCaseError extends Error {
  readonly code = "RYU_CASE";
}

export function isObj(v: Json | undefined): v is { readonly [k: string]: Json } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A list of packet strings (one per layer, as the corpus writes packets). */
export function strings(v: Json | undefined, what: string): string[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw new RyuCaseError(`${what}: expected a list of packet strings`);
  return v as string[];
}
