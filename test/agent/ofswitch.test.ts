/**
 * The agent's OpenFlow side of a bridge (src/agent/ofswitch.ts): cookies,
 * cookie-masked deletes, cleanup of other cookies' flows, ovs_lib's text
 * flows and deferred batches, and that the native driver's OpenFlow 1.3
 * flow_mods dump over OpenFlow 1.0 as real OVS prints them.
 */
import { describe, expect, it } from "vitest";
import { IntegrationBridge } from "../../src/agent/br-int.js";
import { TunnelBridge } from "../../src/agent/br-tun.js";
import { cookieText, randomCookie } from "../../src/agent/ofswitch.js";
import { Switch } from "../../src/vswitchd/switch.js";
import { seededRandom } from "./oracle-harness.js";

function bridge(): { sw: Switch; br: IntegrationBridge } {
  const sw = new Switch();
  const br = new IntegrationBridge(sw, "br-int", seededRandom(7));
  br.create(true);
  return { sw, br };
}
const texts = (sw: Switch, name = "br-int"): string[] => sw.dumpFlows(name).map((f) => f.text);

describe("cookies", () => {
  it("one 64-bit cookie per bridge object, from the random source (never 2^64 - 1)", () => {
    const a = randomCookie(seededRandom(1));
    expect(a).toBe(randomCookie(seededRandom(1)));
    expect(a).not.toBe(randomCookie(seededRandom(2)));
    expect(randomCookie(() => 0.9999999999)).not.toBe((1n << 64n) - 1n);
    expect(a >= 0n && a < 1n << 64n).toBe(true);
  });

  it("installs with the bridge's cookie, deletes only its own flows, and cleanupFlows removes foreign cookies", () => {
    const { sw, br } = bridge();
    br.installDrop({ table: 24 });
    sw.addFlow("br-int", "cookie=0x1234,table=24,priority=5,in_port=9,actions=drop");
    br.uninstallFlows({ table: 24 });
    expect(texts(sw)).toEqual(["cookie=0x1234, table=24, priority=5,in_port=9 actions=drop"]);
    br.installDrop({ table: 24 });
    br.cleanupFlows();
    expect(texts(sw)).toEqual([`cookie=${cookieText(br.defaultCookie)}, table=24, priority=0 actions=drop`]);
  });

  it("keeps reserved cookies through cleanup", () => {
    const { sw, br } = bridge();
    const extra = br.requestCookie(seededRandom(3));
    sw.addFlow("br-int", `cookie=${cookieText(extra)},table=60,priority=1,actions=NORMAL`);
    br.cleanupFlows();
    expect(texts(sw).length).toBe(1);
  });
});

describe("OpenFlow 1.3 flow_mods as dump-flows prints them", () => {
  it("goto_table, push_vlan + set_field vlan_vid, the learn action with br-tun's cookie", () => {
    const sw = new Switch();
    const tun = new TunnelBridge(sw, "br-tun", seededRandom(5));
    tun.create(true);
    tun.setupDefaultTable(1, true);
    tun.provisionLocalVlan("vxlan", 1, 1001);
    const c = `cookie=${cookieText(tun.defaultCookie)}`;
    expect(texts(sw, "br-tun")).toContain(`${c}, table=4, priority=1,tun_id=0x3e9 actions=mod_vlan_vid:1,resubmit(,10)`);
    expect(texts(sw, "br-tun")).toContain(
      `${c}, table=10, priority=1 actions=learn(table=20,hard_timeout=300,priority=1,${c},NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:0->NXM_OF_VLAN_TCI[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:OXM_OF_IN_PORT[]),output:1`,
    );
    expect(texts(sw, "br-tun")).toContain(`${c}, table=2, priority=0,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00 actions=resubmit(,20)`);
  });

  it("a flat network's untagged match and push_vlan", () => {
    const { sw, br } = bridge();
    br.provisionLocalVlan(1, 3, null);
    expect(texts(sw)).toEqual([`cookie=${cookieText(br.defaultCookie)}, priority=3,in_port=1,vlan_tci=0x0000/0x1fff actions=mod_vlan_vid:3,resubmit(,59)`]);
  });
});

describe("ovs_lib text flows and deferred batches", () => {
  it("adds before deletes in a batch unless full-ordered", () => {
    const { sw, br } = bridge();
    br.ofctlAddFlow({ table: 61, priority: 12, reg6: 1, dl_dst: "fa:16:3e:00:00:01", actions: "output:3" });
    br.deferred(() => {
      br.ofctlDeleteFlows({ table: 61, reg6: 1, dl_dst: "fa:16:3e:00:00:01" });
      br.ofctlAddFlow({ table: 61, priority: 12, reg6: 1, dl_dst: "fa:16:3e:00:00:01", actions: "output:4" });
    });
    expect(texts(sw)).toEqual([]); // sorted: the add went first, the delete took it
    br.deferred(
      () => {
        br.ofctlDeleteFlows({ table: 61, reg6: 1, dl_dst: "fa:16:3e:00:00:01" });
        br.ofctlAddFlow({ table: 61, priority: 12, reg6: 1, dl_dst: "fa:16:3e:00:00:01", actions: "set_field:1->reg6,output:4" });
      },
      { fullOrdered: true },
    );
    expect(texts(sw)).toEqual([`cookie=${cookieText(br.defaultCookie)}, table=61, priority=12,reg6=0x1,dl_dst=fa:16:3e:00:00:01 actions=load:0x1->NXM_NX_REG6[],output:4`]);
  });
});
