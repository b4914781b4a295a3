/**
 * Local VLANs: which VLAN id on br-int stands for which network segment
 * (Neutron's vlanmanager.py `LocalVlanManager` / `LocalVLANMapping`, and the
 * agent's `available_local_vlans` pool with its restart hints).
 *
 * An lvm (local VLAN mapping) exists per (network, segmentation id) from the
 * binding of its first port on this host until the unbinding of its last:
 * `vifPorts` are the bound ports, `tunOfports` the tunnel ports l2pop told
 * the agent to flood to (a CPython set: the flood flow lists its outputs in
 * set order).
 *
 * The pool (`LocalVlanPool`) is `set(range(1, 4095))` as CPython keeps it
 * (py-set.ts): `take` pops (1, 2, 3... and a VLAN given back is handed out
 * again only when the scan wraps round), `give` adds it back. A restarted
 * agent first reserves the VLANs its ports already carry (`restore`, from
 * each port's `tag` and `other_config` net_uuid/segmentation_id), so that a
 * network keeps its VLAN; hints not claimed during the first loop iteration
 * go back to the pool (`disposeHints`).
 */
import type { VifPort } from "./ovs-lib.js";
import { MAX_VLAN_TAG, MIN_VLAN_TAG } from "./constants.js";
import { PySet } from "./py-set.js";

export class LocalVlanMapping {
  /** The bound ports of the segment on this host, by Neutron port id (insertion order). */
  readonly vifPorts = new Map<string, VifPort>();
  /** The tunnel ofports to flood to (l2pop flooding entries). */
  readonly tunOfports = new PySet();

  constructor(
    readonly vlan: number,
    readonly networkType: string,
    readonly physicalNetwork: string | null,
    public segmentationId: number | null,
  ) {}

  toString(): string {
    return `lv-id = ${this.vlan} type = ${this.networkType} phys-net = ${this.physicalNetwork} phys-id = ${this.segmentationId}`;
  }
}

export class LocalVlanManager implements Iterable<ReadonlyMap<number | null, LocalVlanMapping>> {
  /** network id → segmentation id → lvm, in insertion order (a Python dict of dicts). */
  private readonly mapping = new Map<string, Map<number | null, LocalVlanMapping>>();

  has(netId: string): boolean {
    return this.mapping.has(netId);
  }

  /** add: a new mapping (an existing one for the same segment is an error). */
  add(netId: string, vlan: number, networkType: string, physicalNetwork: string | null, segmentationId: number | null): LocalVlanMapping {
    if (this.get(netId, segmentationId) !== undefined) throw new Error(`VLAN mapping for network with id ${netId} and segmentation id ${segmentationId} already exists`);
    let segs = this.mapping.get(netId);
    if (segs === undefined) {
      segs = new Map();
      this.mapping.set(netId, segs);
    }
    const lvm = new LocalVlanMapping(vlan, networkType, physicalNetwork, segmentationId);
    segs.set(segmentationId, lvm);
    return lvm;
  }

  get(netId: string, segmentationId: number | null): LocalVlanMapping | undefined {
    return this.mapping.get(netId)?.get(segmentationId);
  }

  /** get_net_and_segmentation_id: the segment a port is bound to. */
  getNetAndSegmentationId(vifId: string): { netId: string; segmentationId: number | null } | undefined {
    for (const [netId, segs] of this.mapping) {
      for (const [seg, lvm] of segs) if (lvm.vifPorts.has(vifId)) return { netId, segmentationId: seg };
    }
    return undefined;
  }

  getSegments(netId: string): ReadonlyMap<number | null, LocalVlanMapping> | undefined {
    return this.mapping.get(netId);
  }

  /** pop: the mapping goes (and the network's entry with its last segment). */
  pop(netId: string, segmentationId: number | null): LocalVlanMapping | undefined {
    const segs = this.mapping.get(netId);
    const lvm = segs?.get(segmentationId);
    if (segs === undefined || lvm === undefined) return undefined;
    segs.delete(segmentationId);
    if (segs.size === 0) this.mapping.delete(netId);
    return lvm;
  }

  /** update_segmentation_id: a one-segment network's segment changes (the old id, or null when unchanged). */
  updateSegmentationId(netId: string, segmentationId: number): { old: number | null; lvm: LocalVlanMapping } | null {
    const segs = this.mapping.get(netId);
    if (segs === undefined || segs.size !== 1) throw new Error(`Mapping VLAN for network ${netId} should be unique.`);
    const [old, lvm] = [...segs.entries()][0]!;
    if (old === segmentationId) return null;
    segs.delete(old);
    lvm.segmentationId = segmentationId;
    segs.set(segmentationId, lvm);
    return { old, lvm };
  }

  /** Every lvm, network by network, segment by segment. */
  *mappings(): IterableIterator<LocalVlanMapping> {
    for (const segs of [...this.mapping.values()]) yield* [...segs.values()];
  }

  *[Symbol.iterator](): IterableIterator<ReadonlyMap<number | null, LocalVlanMapping>> {
    yield* [...this.mapping.values()];
  }
}

/** The key of a restart hint: `"<net_uuid>/<segmentation_id>"` as Python's "%s/%s" prints it (None for a flat or local network). */
export function hintKey(netId: string, segmentationId: number | string | null): string {
  return `${netId}/${segmentationId === null ? "None" : String(segmentationId)}`;
}

export class LocalVlanPool {
  /** available_local_vlans. */
  readonly available: PySet = PySet.range(MIN_VLAN_TAG, MAX_VLAN_TAG + 1);
  /** _local_vlan_hints: VLANs a restarted agent found on its ports, by hint key. */
  private hints = new Map<string, number>();

  /** _restore_local_vlan_map's step: a VLAN in use by a segment is reserved for it. */
  restore(key: string, vlan: number): void {
    if (this.hints.has(key)) return;
    this.available.discard(vlan);
    this.hints.set(key, vlan);
  }

  /** _add_local_vlan's choice: the segment's hint, else the next free VLAN; undefined when none is left. */
  take(key: string): number | undefined {
    const hint = this.hints.get(key);
    if (hint !== undefined) {
      this.hints.delete(key);
      return hint;
    }
    return this.available.pop();
  }

  /** reclaim_local_vlan's last step: the VLAN returns to the pool. */
  give(vlan: number): void {
    this.available.add(vlan);
  }

  /** _dispose_local_vlan_hints: hints no segment claimed return to the pool. */
  disposeHints(): void {
    this.available.update(this.hints.values());
    this.hints = new Map();
  }
}
