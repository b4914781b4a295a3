/**
 * Hex packets through `ovsim run` against real OVS 3.1: fixtures/packets/*.ovs
 * (recorded by fixtures/packets/record.sh) use `ofproto/trace ... HEX` and
 * `netdev-dummy/receive PORT HEX`; every command must print what OVS printed
 * (modulo switch-normalise.ts; dump-flows lines compared as sets).
 */
import { describe } from "vitest";
import { replayRecordedScripts } from "../support/replay.js";

describe("hex packets against real OVS (fixtures/packets)", () => {
  replayRecordedScripts(new URL("../../fixtures/packets/", import.meta.url), 2);
});
