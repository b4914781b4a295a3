/**
 * ovs-ofctl's SWITCH argument (OVS's vconn names, ovs-ofctl(8) "Connection
 * Methods"): a bridge name, which ovs-ofctl turns into the bridge's management
 * socket `unix:RUNDIR/BRIDGE.mgmt`, or that socket named directly. A `unix:`
 * path is relative to the run directory (ovs_rundir), which for ovsim is
 * /var/run/openvswitch: `unix:br0.mgmt` and
 * `unix:/var/run/openvswitch/br0.mgmt` both reach br0.
 */

const RUNDIR = "/var/run/openvswitch/";

/** The bridge `target` names: its management socket's bridge, or `target` itself. */
export function bridgeOfTarget(target: string): string {
  const m = /^unix:(.*)\.mgmt$/.exec(target);
  if (m === null) return target;
  const path = m[1] ?? "";
  const rel = path.startsWith(RUNDIR) ? path.slice(RUNDIR.length) : path;
  return rel === "" || rel.includes("/") ? target : rel;
}
