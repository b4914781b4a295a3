/** The match golden recorded from real OVS (fixtures/flowtable/match-golden.json), for tests. */
import { readFileSync } from "node:fs";
import { OFPP_LOCAL } from "../../src/flowtable/ports.js";
import type { PortNameMap } from "../../src/flowtable/ports.js";

export interface GoldenEntry {
  input: string;
  accepted: boolean;
  flows: string[];
  messages: string[];
}

export const golden: GoldenEntry[] = JSON.parse(
  readFileSync(new URL("../../fixtures/flowtable/match-golden.json", import.meta.url), "utf8"),
);

/** The bridge in the recording is br0; its name is the LOCAL port. */
export const goldenPortNames: PortNameMap = {
  numberOf: (n: string) => (n === "br0" ? OFPP_LOCAL : undefined),
  nameOf: () => undefined,
};
