/**
 * Userspace conntrack end to end: every script of fixtures/conntrack
 * (recorded through real OVS 3.1, fixtures/conntrack/record.sh) runs through
 * `ovsim run`'s line runner — packets through the switch's datapath with its
 * connection tracker, ct recirculations resumed at their table, the dpctl
 * conntrack commands — and every command prints what OVS printed
 * (dump-flows and dump-conntrack compared as sets, durations blurred).
 */
import { describe } from "vitest";
import { replayRecordedScripts } from "../support/replay.js";

describe("conntrack scripts against real OVS", () => {
  // fixtures/conntrack/record.sh keeps standard output only.
  replayRecordedScripts(new URL("../../fixtures/conntrack/", import.meta.url), 40, {
    stdoutOnly: true,
  });
});
