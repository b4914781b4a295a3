/**
 * ARP, neighbour-advertisement and MAC anti-spoofing on br-int, which the
 * agent installs itself when the firewall does not provide it (the noop
 * driver; Neutron's `prevent_arp_spoofing = not
 * firewall.provides_arp_spoofing_protection`):
 * `OVSNeutronAgent.setup_arp_spoofing_protection`.
 *
 * For a port with port security and a non-`network:` owner:
 * - its MACs (its own and its allowed pairs') are the only sources it may
 *   use (tables 0 → 25);
 * - neighbour advertisements may only claim its IPv6 addresses (fixed,
 *   pairs, and the EUI-64 link-local of each allowed MAC) (tables 0 → 24);
 * - ARP may only claim its IPv4 addresses (tables 0 → 24).
 * A /0 pair allows any address: that protection is left out (for IPv4 the
 * ARP and NA redirects and all table-24 rules of the port are deleted again,
 * as Neutron's delete_arp_spoofing_protection does). A port without port
 * security, or owned by the network (DHCP, routers), loses all of it.
 */
import type { IntegrationBridge } from "./br-int.js";
import { DEVICE_OWNER_NETWORK_PREFIX } from "./constants.js";
import { ipVersion, linkLocalOfMac, prefixLength } from "./ip.js";
import type { VifPort } from "./ovs-lib.js";
import type { DeviceDetails } from "./rpc.js";

const hasZeroPrefix = (ips: Iterable<string>): boolean => [...ips].some((ip) => prefixLength(ip) === 0);

export function setupArpSpoofingProtection(bridge: IntegrationBridge, vif: VifPort, details: DeviceDetails): void {
  if (!details.portSecurityEnabled || details.deviceOwner.startsWith(DEVICE_OWNER_NETWORK_PREFIX)) {
    bridge.deleteArpSpoofingProtection(vif.ofport);
    bridge.setAllowedMacsForPort(vif.ofport, [], true);
    return;
  }
  bridge.deleteArpSpoofingAllowRules(vif.ofport);
  const addresses = new Set(details.fixedIps.map((f) => f.ipAddress));
  const macs = new Set([vif.vifMac]);
  for (const p of details.allowedAddressPairs) {
    addresses.add(p.ipAddress);
    if (p.macAddress !== "") macs.add(p.macAddress);
  }
  bridge.setAllowedMacsForPort(vif.ofport, macs);
  const v6 = new Set([...addresses].filter((ip) => ipVersion(ip) === 6));
  for (const mac of macs) v6.add(linkLocalOfMac(mac));
  if (!hasZeroPrefix(v6)) bridge.installIcmpv6NaSpoofingProtection(vif.ofport, v6);
  const v4 = [...addresses].filter((ip) => ipVersion(ip) === 4);
  if (!hasZeroPrefix(v4)) bridge.installArpSpoofingProtection(vif.ofport, v4);
  else bridge.deleteArpSpoofingProtection(vif.ofport);
}
