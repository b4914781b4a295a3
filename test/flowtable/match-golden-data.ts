/** The match golden recorded from real OVS (fixtures/flowtable/match-golden.json + mpls-golden.json), for tests. */
import { readFileSync } from "node:fs";
import { OFPP_LOCAL } from "../../src/flowtable/ports.js";
import type { PortNameMap } from "../../src/flowtable/ports.js";

export interface GoldenEntry {
  input: string;
  accepted: boolean;
  flows: string[];
  messages: string[];
}

const read = (file: string): GoldenEntry[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/flowtable/${file}`, import.meta.url), "utf8"));

/** match-golden.json, then mpls-golden.json (the MPLS fields, recorded from mpls-lines.txt). */
export const golden: GoldenEntry[] = [...read("match-golden.json"), ...read("mpls-golden.json")];

/** The bridge in the recording is br0; its name is the LOCAL port. */
export const goldenPortNames: PortNameMap = {
  numberOf: (n: string) => (n === "br0" ? OFPP_LOCAL : undefined),
  nameOf: () => undefined,
};
