/**
 * Port names as Neutron makes them, checked against what fixtures/cloud's
 * `list Interface` shows (real Neutron 21 names), and the hash primitives
 * against their standard test vectors.
 */
import { describe, expect, it } from "vitest";
import { base32, interfaceName, sha1, tunnelPortName } from "../../src/agent/names.js";
import { cidrForMatch, ipVersion, linkLocalOfMac, normalizeMac, prefixLength } from "../../src/agent/ip.js";

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe("tunnel port names (get_tunnel_name)", () => {
  it("IPv4: TYPE- and the address as 8 hex digits (vxlan-l2pop, vxlan-gre-no-l2pop)", () => {
    expect(tunnelPortName("vxlan", "192.0.2.12")).toBe("vxlan-c000020c");
    expect(tunnelPortName("vxlan", "192.0.2.13")).toBe("vxlan-c000020d");
    expect(tunnelPortName("gre", "192.0.2.14")).toBe("gre-c000020e");
    expect(tunnelPortName("geneve", "10.0.0.1")).toBe("geneve-0a000001");
  });

  it("IPv6: lower-case base32 of SHA-1 of the address text, cut to 15 characters (ipv6-underlay)", () => {
    expect(tunnelPortName("vxlan", "2001:db8:ffff::12")).toBe("vxlan-b3pxqq6m7");
    expect(tunnelPortName("gre", "2001:db8:ffff::12")).toBe("gre-b3pxqq6m7cx");
  });

  it("an invalid address has no name", () => {
    expect(tunnelPortName("vxlan", "not-an-ip")).toBeNull();
  });
});

describe("patch port names (get_interface_name)", () => {
  it("prefix + bridge when it fits in 15 characters", () => {
    expect(interfaceName("br-phys", "int-")).toBe("int-br-phys");
    expect(interfaceName("br-ex", "phy-")).toBe("phy-br-ex");
  });

  it("a longer one keeps the bridge's first characters and 6 hex digits of its SHA-1 (custom-names)", () => {
    expect(interfaceName("br-provider-long", "int-")).toBe("int-br-pr8034db");
    expect(interfaceName("br-provider-long", "phy-")).toBe("phy-br-pr8034db");
  });
});

describe("hash primitives", () => {
  it("SHA-1 (FIPS 180-4 vectors)", () => {
    expect(hex(sha1(utf8("")))).toBe("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect(hex(sha1(utf8("abc")))).toBe("a9993e364706816aba3e25717850c26c9cd0d89d");
    expect(hex(sha1(utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe("84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    expect(hex(sha1(utf8("a".repeat(1000))))).toBe("291e9a6c66994949b57ba5e650361e98fc36b1ba");
  });

  it("base32 (RFC 4648 vectors)", () => {
    expect(base32(utf8(""))).toBe("");
    expect(base32(utf8("f"))).toBe("MY======");
    expect(base32(utf8("foob"))).toBe("MZXW6YQ=");
    expect(base32(utf8("foobar"))).toBe("MZXW6YTBOI======");
  });
});

describe("addresses", () => {
  it("EUI-64 link-local addresses of MACs (the nd_target of allowed neighbour advertisements)", () => {
    expect(linkLocalOfMac("fa:16:3e:3f:19:d0")).toBe("fe80::f816:3eff:fe3f:19d0");
    expect(linkLocalOfMac("00:00:00:00:00:01")).toBe("fe80::200:ff:fe00:1");
  });

  it("versions, prefix lengths, os-ken's masked form, MAC spelling", () => {
    expect([ipVersion("10.0.0.1"), ipVersion("10.0.0.0/8"), ipVersion("2001:db8::1"), ipVersion("::/0"), ipVersion("x")]).toEqual([4, 4, 6, 6, null]);
    expect([prefixLength("10.1.2.3"), prefixLength("0.0.0.0/0"), prefixLength("2001:db8::1")]).toEqual([32, 0, 128]);
    expect([cidrForMatch("10.10.1.128/28"), cidrForMatch("10.10.1.11/32"), cidrForMatch("10.10.1.11")]).toEqual(["10.10.1.128/28", "10.10.1.11", "10.10.1.11"]);
    expect(normalizeMac("FA:16:3E:0A:0B:0C")).toBe("fa:16:3e:0a:0b:0c");
  });
});
