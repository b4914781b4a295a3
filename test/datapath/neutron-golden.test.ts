/**
 * The Neutron OVS agent's br-int / br-tun pipeline against real OVS 3.1:
 * fixtures/neutron/*.ovs (recorded by fixtures/neutron/record.sh) run through
 * `ovsim run`'s line runner and every command must print what OVS printed,
 * ofproto/trace output whole (bridges, tables, cookies, Megaflow, Datapath
 * actions). Then the recording is held to what the pipeline is for (a change of
 * the script that broke the path would otherwise re-record quietly), and the
 * benchmark's pipeline (bench/neutron-pipeline.ts, built from the same script)
 * is checked to take that path.
 */
import { describe, expect, it } from "vitest";
import { formatOdpActions } from "../../src/actions/xlate/odp-actions.js";
import { buildNeutronPipeline, vmToRemoteKeys } from "../../bench/neutron-pipeline.js";
import { replayRecordedScripts } from "../support/replay.js";
import { loadRecording } from "../support/recordings.js";

const DIR = new URL("../../fixtures/neutron/", import.meta.url);

/** VXLAN to the remote hypervisor, VNI 1001, out of br-phy's eth0 (datapath port 2). */
const TO_REMOTE =
  "tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=aa:55:aa:55:00:02,src=aa:55:aa:55:00:01,dl_type=0x0800)," +
  "ipv4(src=172.31.0.1,dst=172.31.0.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0)," +
  "vxlan(flags=0x8000000,vni=0x3e9)),out_port(1)),2";

describe("Neutron br-int/br-tun pipeline against real OVS (fixtures/neutron)", () => {
  replayRecordedScripts(DIR, 2);
});

describe("the recorded VM -> remote VM path", () => {
  const traces = loadRecording("vxlan-vm-to-remote", DIR)
    .filter((c) => c.command.startsWith("ovs-appctl ofproto/trace "))
    .map((c) => c.output.find((l) => l.startsWith("Datapath actions: "))?.slice("Datapath actions: ".length));

  it("has the traces the script announces", () => {
    expect(traces).toEqual([
      // 1. unicast, nothing learned: br-int floods VLAN 1 (its internal port 3, patch-tun), l2pop entry -> VXLAN
      `push_vlan(vid=1,pcp=0),3,pop_vlan,${TO_REMOTE}`,
      // 2. broadcast ARP through the anti-spoofing tables: br-int floods, br-tun table 22 floods to the tunnel
      `push_vlan(vid=1,pcp=0),3,pop_vlan,${TO_REMOTE}`,
      // 3. spoofed ARP sender address: table 24 drops; the VM's own neighbour advertisement passes (and floods)
      "drop",
      `push_vlan(vid=1,pcp=0),3,pop_vlan,${TO_REMOTE}`,
      // 4. the remote VM's frame: tnl_pop on br-phy, then br-tun 4 -> 10 -> br-int delivers (flooding) to the VM (5)
      "tnl_pop(4789)",
      "push_vlan(vid=1,pcp=0),3,pop_vlan,5",
      // 6. unicast once br-int has learned the remote MAC behind patch-tun
      TO_REMOTE,
    ]);
  });

  it("is what the benchmark's pipeline does with its keys", () => {
    for (const learned of [true, false]) {
      const { world, dpif, vmOdpPort } = buildNeutronPipeline(learned);
      dpif.purge(world.now);
      for (const k of vmToRemoteKeys(64, vmOdpPort)) {
        expect(formatOdpActions(dpif.receive(k, 100, world.now))).toBe(learned ? TO_REMOTE : `push_vlan(vid=1,pcp=0),3,pop_vlan,${TO_REMOTE}`);
      }
      // One VM pair, any ports: one megaflow.
      expect([dpif.cache.size, dpif.cache.nMasks]).toEqual([1, 1]);
    }
  });
});
