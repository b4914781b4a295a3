/**
 * The trace tree prints with OVS's indentation. Expected texts are real OVS
 * `ovs-appctl ofproto/trace` outputs (recorded with ../shared/ovs-oracle/ovs-run);
 * the trees are the ones OVS builds for them: a resubmitted table's node is
 * appended to the list of the actions that resubmitted to it.
 */
import { describe, expect, it } from "vitest";
import { formatTraceNodes, TraceNode } from "../../src/actions/xlate/trace.js";

describe("trace tree printing", () => {
  it("prints a tail resubmit as a continuation", () => {
    const bridge = new TraceNode("bridge", 'bridge("br0")');
    const t0 = bridge.add("table", " 0. ip,in_port=1, priority 100");
    t0.add("action", "mod_vlan_vid:5");
    t0.add("action", "resubmit(,1)");
    t0.add("table", " 1. ip,nw_dst=10.0.0.2, priority 10").add("action", "output:2");
    expect(formatTraceNodes([bridge])).toBe(
      [
        "",
        'bridge("br0")',
        "-------------",
        " 0. ip,in_port=1, priority 100",
        "    mod_vlan_vid:5",
        "    resubmit(,1)",
        " 1. ip,nw_dst=10.0.0.2, priority 10",
        "    output:2",
        "",
      ].join("\n"),
    );
  });

  it("nests resubmits followed by more actions, with warnings", () => {
    const bridge = new TraceNode("bridge", 'bridge("br0")');
    const t0 = bridge.add("table", " 0. in_port=1, priority 32768");
    t0.add("action", "resubmit(,1)");
    const t1 = t0.add("table", " 1. priority 32768");
    t0.add("action", "output:2");
    t1.add("action", "resubmit(,2)");
    t1.add("table", " 2. priority 32768").add("action", "mod_dl_src:00:00:00:00:00:01");
    t1.add("action", "output:1");
    t1.add("warn", "skipping output to input port");
    expect(formatTraceNodes([bridge])).toBe(
      [
        "",
        'bridge("br0")',
        "-------------",
        " 0. in_port=1, priority 32768",
        "    resubmit(,1)",
        "     1. priority 32768",
        "            resubmit(,2)",
        "             2. priority 32768",
        "                    mod_dl_src:00:00:00:00:00:01",
        "            output:1",
        "             >> skipping output to input port",
        "    output:2",
        "",
      ].join("\n"),
    );
  });
});
