/**
 * The small parts: netaddr's texts (cidr, link-local of a MAC, IPv6 as
 * RFC 5952) and conj_id allocation (ConjIdMap: 16 on a fresh bridge, +8 per
 * tuple, freed blocks first, past the highest id on the bridge).
 */
import { describe, expect, it } from "vitest";
import { ConjIdMap } from "../../../src/agent/firewall/conj-id-map.js";
import { cidrText, ipVersion, networkText } from "../../../src/agent/firewall/ip-address.js";
import { linkLocalOfMac } from "../../../src/agent/ip.js";
import { interfaceName } from "../../../src/agent/names.js";

describe("addresses as netaddr writes them", () => {
  it("gives cidr and network texts", () => {
    expect(cidrText("10.10.1.11")).toBe("10.10.1.11/32");
    expect(cidrText("172.16.1.130/28")).toBe("172.16.1.128/28");
    expect(networkText("172.16.1.130/28")).toBe("172.16.1.130/28");
    expect(cidrText("2001:DB8:10:0:0:0:0:22")).toBe("2001:db8:10::22/128");
    expect(cidrText("2001:db8:100::1/64")).toBe("2001:db8:100::/64");
    expect(networkText("0::0/0")).toBe("::/0");
    expect(cidrText("::ffff:10.0.0.1")).toBe("::ffff:a00:1/128");
    expect(cidrText("1:0:0:2:0:0:0:3")).toBe("1:0:0:2::3/128");
    expect(cidrText("1:0:2:3:4:5:6:7")).toBe("1:0:2:3:4:5:6:7/128");
    expect([ipVersion("10.0.0.1"), ipVersion("fe80::1"), ipVersion("10.0.0.0/8")]).toEqual([4, 6, 4]);
    expect(() => cidrText("10.0.0.256")).toThrow();
    expect(() => cidrText("10.0.0.0/33")).toThrow();
  });

  it("derives the EUI-64 link-local address of a MAC", () => {
    expect(linkLocalOfMac("fa:16:3e:56:9a:3e")).toBe("fe80::f816:3eff:fe56:9a3e");
    expect(linkLocalOfMac("00:00:00:00:00:01")).toBe("fe80::200:ff:fe00:1");
  });

  it("names a mapped bridge's patch as neutron_lib does", () => {
    expect(interfaceName("br-phys", "int-")).toBe("int-br-phys");
    expect(interfaceName("br-provider-ext", "int-")).toMatch(/^int-br-pr[0-9a-f]{6}$/);
  });
});

describe("ConjIdMap", () => {
  const key = (sgId: string, remoteId: string, direction: "ingress" | "egress" = "ingress", ethertype: "IPv4" | "IPv6" = "IPv4") => ({ sgId, remoteId, direction, ethertype });

  it("hands out 16, 24, ... on a fresh bridge, one block per tuple", () => {
    const m = new ConjIdMap(0);
    expect(m.getConjId(key("a", "a"))).toBe(16);
    expect(m.getConjId(key("b", "a"))).toBe(24);
    expect(m.getConjId(key("a", "a"))).toBe(16);
    expect(m.getConjId(key("a", "a", "egress"))).toBe(32);
    expect(m.getConjId(key("a", "a", "ingress", "IPv6"))).toBe(40);
  });

  it("starts past the highest conj_id on the bridge", () => {
    expect(new ConjIdMap(45).getConjId(key("a", "a"))).toBe(56);
    expect(new ConjIdMap(40).getConjId(key("a", "a"))).toBe(56);
    expect(new ConjIdMap(39).getConjId(key("a", "a"))).toBe(48);
  });

  it("frees a group's blocks (as group or remote) and reuses them first", () => {
    const m = new ConjIdMap(0);
    m.getConjId(key("a", "b"));
    m.getConjId(key("c", "c"));
    m.getConjId(key("b", "c"));
    m.noteGroupId(key("a", "b"), 22);
    expect(m.deleteSg("b").sort()).toEqual([["b", 16], ["b", 22], ["c", 32]]);
    expect(m.getConjId(key("x", "y"))).toBe(16);
    expect(m.getConjId(key("y", "y"))).toBe(32);
    expect(m.getConjId(key("z", "z"))).toBe(40);
  });
});
