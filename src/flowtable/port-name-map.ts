/**
 * The port names ovs-ofctl knows a switch's ports by (OVS's ports_to_accept /
 * ports_to_show, filled from the switch's port descriptions into an
 * ofputil_port_map, lib/namemap.c):
 *
 * - a port description carries at most OFP_MAX_PORT_NAME_LEN - 1 = 15
 *   characters of the name, so `reallyverylongportname` is known as
 *   `reallyverylongp`, and only by that;
 * - a name two ports share (after that cut: `conflictinglongportname1` and
 *   `...2` are both `conflictinglong`) names neither, in either direction.
 *
 * Printing quotes a name that is not a letter followed by letters and digits
 * (ports.ts's formatPort).
 */
import type { PortNameMap } from "./ports.js";

/** OFP_MAX_PORT_NAME_LEN less the terminating NUL. */
const MAX_PORT_NAME_CHARS = 15;

/** The map of `ports` (name, OpenFlow port number) as an OpenFlow client learns it. */
export function openflowPortNameMap(ports: Iterable<readonly [string, number]>): PortNameMap {
  const byName = new Map<string, number | null>();
  const byNumber = new Map<number, string>();
  for (const [fullName, ofport] of ports) {
    const name = fullName.slice(0, MAX_PORT_NAME_CHARS);
    byNumber.set(ofport, name);
    byName.set(name, byName.has(name) && byName.get(name) !== ofport ? null : ofport);
  }
  return {
    numberOf: (name) => byName.get(name) ?? undefined,
    nameOf: (ofport) => {
      const name = byNumber.get(ofport);
      return name !== undefined && byName.get(name) === ofport ? name : undefined;
    },
  };
}
