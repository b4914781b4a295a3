/**
 * A port range as OpenFlow value/mask matches (neutron/common/utils.py
 * port_rule_masking, used by rules.py for tcp/udp/sctp ranges).
 *
 * [min, max] becomes the fewest `port/mask` pairs whose union is exactly the
 * range: one when the range is 2^k ports aligned on 2^k; otherwise it is cut
 * at T, the first port whose bit k (the highest bit where min and max differ)
 * is set, and [min, T) is covered from min upwards (each 0 bit of min below
 * k, from the top, adds the block that sets it), [T, max] from max downwards
 * (each 1 bit of max below k adds the block that clears it). 8000-8080 is
 * 0x1f40/0xffc0 (8000-8063), 0x1f80/0xfff0 (8064-8079), 0x1f90 (8080).
 *
 * Text as Neutron writes it: `0x%04x` values and masks (`0x1f40/0xffc0`);
 * OVS prints an exact one as decimal (`tp_dst=8080`).
 */

function hex(n: number): string {
  return `0x${n.toString(16).padStart(4, "0")}`;
}

/** A value with the `wild` bits ignored: `0x1f40/0xffc0` (or `0x1f90` when nothing is ignored). */
function portMatch(port: number, wild = 0): string {
  return wild > 0 ? `${hex(port)}/${hex(0xffff & ~wild)}` : hex(port);
}

/** [portMin, port_min | (topBit - 1)] from the bottom up (_gen_rules_port_min). */
function fromMin(portMin: number, topBit: number): string[] {
  const out: string[] = [];
  let mask = topBit - 1;
  for (;;) {
    if ((portMin & mask) === 0) {
      out.push(portMatch(portMin, mask));
      return out;
    }
    topBit >>= 1;
    mask >>= 1;
    if ((portMin & topBit) === 0) out.push(portMatch((portMin & ~mask) | topBit, mask));
  }
}

/** [portMax & ~(topBit - 1), portMax] from the top down (_gen_rules_port_max). */
function fromMax(portMax: number, topBit: number): string[] {
  const out: string[] = [];
  let mask = topBit - 1;
  for (;;) {
    if ((portMax & mask) === mask) {
      out.push(portMatch(portMax & ~mask, mask));
      return out;
    }
    topBit >>= 1;
    mask >>= 1;
    if ((portMax & topBit) === topBit) out.push(portMatch(portMax & ~mask & ~topBit, mask));
  }
}

/** The matches covering [portMin, portMax] exactly (both within 0..65535); throws when max < min, as Neutron. */
export function portRuleMasking(portMin: number, portMax: number): string[] {
  if (portMax < portMin) throw new Error("'port_max' is smaller than 'port_min'");
  const bitdiff = portMin ^ portMax;
  if (bitdiff === 0) return [portMatch(portMin)];
  let topBit = 1;
  while (topBit <= bitdiff) topBit <<= 1;
  if ((portMin & (topBit - 1)) === 0 && (portMax & (topBit - 1)) === topBit - 1) return [portMatch(portMin, topBit - 1)];
  topBit >>= 1;
  return [...fromMin(portMin, topBit), ...fromMax(portMax, topBit)];
}
