/**
 * Native tunnels with local_ip, and the host's addresses as OVS reads them from
 * the kernel (route_table.c -> ovs_router_insert with local=true for the
 * host's own addresses). The sandbox that records fixtures runs with
 * --disable-system-route, so it cannot show these routes: what is checked here
 * follows lib/ovs-router.c (ovs_router_lookup accepts a source address only on
 * a local route; ovs/route/show prints kernel routes as `Cached:`, local ones
 * with ` local`) and, for the tnl_push itself, the recording of the same port
 * without local_ip (fixtures/neutron/vxlan-port-options.ovs: vxlan-nolocal).
 */
import { describe, expect, it } from "vitest";
import { runLine } from "../../src/utilities/run-script.js";
import { Switch } from "../../src/vswitchd/switch.js";

function run(sw: Switch, line: string): string[] {
  const r = runLine(sw, line);
  return [...r.stdout, ...r.stderr];
}

function neutronHost(): Switch {
  const sw = new Switch();
  for (const line of [
    "ovs-vsctl add-br br-phy -- set bridge br-phy datapath_type=dummy other_config:hwaddr=aa:55:aa:55:00:01",
    "ovs-vsctl add-port br-phy eth0 -- set interface eth0 type=dummy",
    "ovs-appctl tnl/arp/set br-phy 172.31.0.2 aa:55:aa:55:00:02",
    "ovs-vsctl add-br br-tun -- set bridge br-tun datapath_type=dummy fail-mode=secure",
    "ovs-vsctl add-port br-tun p1 -- set interface p1 type=dummy ofport_request=1",
    "ovs-vsctl add-port br-tun vxlan-agent -- set interface vxlan-agent type=vxlan ofport_request=2 options:df_default=true options:remote_ip=172.31.0.2 options:local_ip=172.31.0.1 options:in_key=flow options:out_key=flow options:egress_pkt_mark=0",
    "ovs-vsctl add-port br-tun vxlan-other -- set interface vxlan-other type=vxlan ofport_request=3 options:remote_ip=172.31.0.2 options:local_ip=172.31.0.9 options:key=flow options:dst_port=4790",
    "ovs-vsctl add-port br-tun vxlan-mark7 -- set interface vxlan-mark7 type=vxlan ofport_request=4 options:remote_ip=172.31.0.2 options:local_ip=172.31.0.1 options:key=flow options:egress_pkt_mark=7 options:dst_port=4791",
    "ovs-ofctl add-flow br-tun 'in_port=1,dl_vlan=2,actions=strip_vlan,set_field:0x3e9->tun_id,output:2'",
    "ovs-ofctl add-flow br-tun 'in_port=1,dl_vlan=3,actions=strip_vlan,set_field:0x3e9->tun_id,output:3'",
    "ovs-ofctl add-flow br-tun 'in_port=1,dl_vlan=4,actions=strip_vlan,set_field:0x3e9->tun_id,output:4'",
  ]) {
    const r = runLine(sw, line);
    expect(r.ok, `${line}: ${r.stderr.join(" ")}`).toBe(true);
  }
  return sw;
}

const trace = (sw: Switch, vlan: number): string[] =>
  run(sw, `ovs-appctl ofproto/trace br-tun in_port=1,dl_vlan=${vlan},dl_src=fa:16:3e:00:00:01,dl_dst=fa:16:3e:00:00:02,ip,nw_src=10.0.0.1,nw_dst=10.0.0.2`);

describe("the host's addresses and native tunnels with local_ip", () => {
  it("without a local route for it, local_ip does not route (as the sandbox's OVS)", () => {
    const sw = neutronHost();
    run(sw, "ovs-appctl netdev-dummy/ip4addr br-phy 172.31.0.1/24");
    run(sw, "ovs-appctl ovs/route/add 172.31.0.0/24 br-phy");
    expect(trace(sw, 2)).toContain("     >> native tunnel routing failed");
  });

  it("addHostAddress gives the kernel's routes: Cached, local for the address itself", () => {
    const sw = neutronHost();
    sw.addHostAddress("br-phy", "172.31.0.1/24");
    sw.addHostRoute("0.0.0.0/0", "br-phy", "172.31.0.254");
    run(sw, "ovs-appctl ovs/route/add 10.9.0.0/16 br-phy 172.31.0.253");
    expect(run(sw, "ovs-appctl ovs/route/show")).toEqual([
      "Route Table:",
      "Cached: 172.31.0.1/32 dev br-phy SRC 172.31.0.1 local",
      "User: 10.9.0.0/16 dev br-phy GW 172.31.0.253 SRC 172.31.0.1",
      "Cached: 172.31.0.0/24 dev br-phy SRC 172.31.0.1",
      "Cached: 0.0.0.0/0 dev br-phy GW 172.31.0.254 SRC 172.31.0.1",
    ]);
    // ovs/route/del removes user routes only.
    expect(run(sw, "ovs-appctl ovs/route/del 172.31.0.0/24")).toEqual(["Not found", "ovs-appctl: ovs-vswitchd: server returned an error"]);
  });

  it("a tunnel whose local_ip is the host's address routes, tnl_push from that address", () => {
    const sw = neutronHost();
    sw.addHostAddress("br-phy", "172.31.0.1/24");
    const t = trace(sw, 2);
    expect(t).toContain("     -> tunneling to 172.31.0.2 via br-phy");
    expect(t).toContain("     -> tunneling from aa:55:aa:55:00:01 172.31.0.1 to aa:55:aa:55:00:02 172.31.0.2");
    expect(t.at(-1)).toBe(
      "Datapath actions: pop_vlan,tnl_push(tnl_port(4789),header(size=50,type=4,eth(dst=aa:55:aa:55:00:02,src=aa:55:aa:55:00:01,dl_type=0x0800),ipv4(src=172.31.0.1,dst=172.31.0.2,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x3e9)),out_port(1)),2",
    );
  });

  it("a local_ip that is not the host's, or a marked packet (no route has the mark), still fails", () => {
    const sw = neutronHost();
    sw.addHostAddress("br-phy", "172.31.0.1/24");
    expect(trace(sw, 3)).toContain("     >> native tunnel routing failed");
    expect(trace(sw, 4)).toContain("     >> native tunnel routing failed");
  });

  it("removeHostAddress takes the routes away again", () => {
    const sw = neutronHost();
    sw.addHostAddress("br-phy", "172.31.0.1/24");
    sw.removeHostAddress("br-phy", "172.31.0.1/24");
    expect(run(sw, "ovs-appctl ovs/route/show")).toEqual(["Route Table:"]);
    expect(trace(sw, 2)).toContain("     >> native tunnel routing failed");
  });
});
