/**
 * NORMAL (the MAC learning switch) against real OVS 3.1: every script of
 * fixtures/normal (written by scenarios.mjs, recorded by record.sh through
 * ../shared/ovs-oracle/ovs-run) runs through `ovsim run`'s line runner and
 * every command must print what OVS printed — ofproto/trace of learned and
 * flooded frames with VLAN push/pop, netdev-dummy/receive and its errors,
 * fdb/show and fdb/stats-show after learning, moves, aging and flushes,
 * dump-flows counters and learned flows, dump-ports — modulo the values
 * switch-normalise.ts replaces on both sides. dump-flows prints in OVS's
 * hash order, so its flow lines are compared as sets.
 */
import { describe } from "vitest";
import { replayRecordedScripts } from "../support/replay.js";

describe("NORMAL against real OVS (fixtures/normal)", () => {
  replayRecordedScripts(new URL("../../fixtures/normal/", import.meta.url), 30);
});
