/**
 * The openvswitch firewall driver (Neutron's agent/linux/openvswitch_firewall):
 * what the agent needs of src/agent/firewall. docs/agent-firewall.md maps it
 * onto firewall.py and rules.py.
 */
export { OvsFirewallDriver } from "./driver.js";
export type { OvsFirewallDriverOptions } from "./driver.js";
export { FIREWALL_TABLES, OVS_FIREWALL_TABLES } from "./constants.js";
