/**
 * CPython's `set` of small non-negative ints (Objects/setobject.c, 3.11), slot
 * for slot: what Neutron's iteration and pop order comes from.
 *
 * Why model it: the agent takes local VLANs with `available_local_vlans.pop()`
 * over `set(range(1, 4095))` and gives them back with `.add()`, and floods to
 * `lvm.tun_ofports` (a set of ofports) in set order. Which VLAN a network gets,
 * and the order of a flood flow's outputs, are those of a real CPython set:
 *
 * - an int hashes to itself, its home slot is `hash & mask`;
 * - a lookup or insert probes the home slot and up to LINEAR_PROBES (9) slots
 *   after it when they fit below `mask`, then jumps to
 *   `(i * 5 + 1 + (perturb >>= 5)) & mask`, until it meets an unused slot;
 * - a removed key leaves a dummy; an insert reuses the LAST dummy it passed
 *   (set_add_entry overwrites `freeslot` at every dummy), so that re-adding 1
 *   after popping 1 and 2 of range(1, 4095) lands in slot 2, not 1;
 * - an insert into an unused slot counts toward `fill`; when
 *   `fill * 5 >= mask * 3` the table is rebuilt (set_table_resize) at the
 *   smallest power of two above `used * 4` (`used * 2` past 50000), keys
 *   reinserted in old slot order without dummies;
 * - `pop()` scans from a finger that it leaves one past the slot it emptied,
 *   wrapping at the end: popped VLANs go 1, 2, 3...; a VLAN given back is
 *   not handed out again until the scan wraps round (fixtures/cloud
 *   unplug-reclaim: VLAN 1 is freed, the next networks get 3 and 4);
 * - iteration is slot order.
 *
 * Invariants: `used` = number of live keys; `fill` = live keys + dummies;
 * `slots[i]` is UNUSED, DUMMY or a key >= 0. Only ints in [0, 2^31) are
 * accepted (their hash is themselves; Neutron's VLANs and ofports are such).
 */

const UNUSED = -1;
const DUMMY = -2;
const LINEAR_PROBES = 9;
const PERTURB_SHIFT = 5;
const MIN_SIZE = 8;

export class PySet implements Iterable<number> {
  private slots: Int32Array = new Int32Array(MIN_SIZE).fill(UNUSED);
  private mask = MIN_SIZE - 1;
  private fill = 0;
  private used = 0;
  /** Where the next pop() starts scanning (setobject.c's `finger`). */
  private finger = 0;

  /** `set(iterable)`: each value added in turn, as set_update_internal does for a non-set iterable. */
  constructor(values: Iterable<number> = []) {
    for (const v of values) this.add(v);
  }

  /** `set(range(start, stop))`. */
  static range(start: number, stop: number): PySet {
    const s = new PySet();
    for (let v = start; v < stop; v++) s.add(v);
    return s;
  }

  get size(): number {
    return this.used;
  }

  has(key: number): boolean {
    return this.lookup(check(key)) >= 0;
  }

  /** set.add: a no-op when present. */
  add(key: number): void {
    check(key);
    const mask = this.mask;
    let i = key & mask;
    let perturb = key;
    let freeslot = -1;
    for (;;) {
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      let j = i;
      do {
        const s = this.slots[j]!;
        if (s === UNUSED) {
          if (freeslot >= 0) {
            this.slots[freeslot] = key;
            this.used++;
            return;
          }
          this.slots[j] = key;
          this.fill++;
          this.used++;
          if (this.fill * 5 >= mask * 3) this.resize(this.used > 50000 ? this.used * 2 : this.used * 4);
          return;
        }
        if (s === key) return;
        if (s === DUMMY) freeslot = j;
        j++;
      } while (probes-- > 0);
      perturb >>>= PERTURB_SHIFT;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }

  /** set.discard: true when the key was there. */
  discard(key: number): boolean {
    const at = this.lookup(check(key));
    if (at < 0) return false;
    this.slots[at] = DUMMY;
    this.used--;
    return true;
  }

  /** set.remove: a missing key is an error (KeyError). */
  remove(key: number): void {
    if (!this.discard(key)) throw new RangeError(`KeyError: ${key}`);
  }

  /** set.pop: the first live slot from the finger on; undefined when empty (KeyError in Python). */
  pop(): number | undefined {
    if (this.used === 0) return undefined;
    let j = this.finger & this.mask;
    for (;;) {
      const s = this.slots[j]!;
      if (s >= 0) {
        this.slots[j] = DUMMY;
        this.used--;
        this.finger = j + 1;
        return s;
      }
      j = j === this.mask ? 0 : j + 1;
    }
  }

  /** set.update: each value added in turn. */
  update(values: Iterable<number>): void {
    for (const v of values) this.add(v);
  }

  *[Symbol.iterator](): IterableIterator<number> {
    for (let j = 0; j <= this.mask; j++) {
      const s = this.slots[j]!;
      if (s >= 0) yield s;
    }
  }

  /** The live keys in iteration order. */
  toArray(): number[] {
    return [...this];
  }

  /** The slot holding `key`, or -1 (set_lookkey: dummies are passed over, an unused slot ends the search). */
  private lookup(key: number): number {
    const mask = this.mask;
    let i = key & mask;
    let perturb = key;
    for (;;) {
      let probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
      let j = i;
      do {
        const s = this.slots[j]!;
        if (s === UNUSED) return -1;
        if (s === key) return j;
        j++;
      } while (probes-- > 0);
      perturb >>>= PERTURB_SHIFT;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }

  /** set_table_resize: a table of the smallest power of two above `minUsed`, live keys reinserted in slot order. */
  private resize(minUsed: number): void {
    let size = MIN_SIZE;
    while (size <= minUsed) size *= 2;
    const old = this.slots;
    this.slots = new Int32Array(size).fill(UNUSED);
    this.mask = size - 1;
    this.fill = this.used;
    for (let j = 0; j < old.length; j++) {
      const s = old[j]!;
      if (s >= 0) this.insertClean(s);
    }
  }

  /** set_insert_clean: the first unused slot of the probe sequence (no dummies in a fresh table). */
  private insertClean(key: number): void {
    const mask = this.mask;
    let i = key & mask;
    let perturb = key;
    for (;;) {
      if (this.slots[i] === UNUSED) {
        this.slots[i] = key;
        return;
      }
      if (i + LINEAR_PROBES <= mask) {
        for (let j = i + 1; j <= i + LINEAR_PROBES; j++) {
          if (this.slots[j] === UNUSED) {
            this.slots[j] = key;
            return;
          }
        }
      }
      perturb >>>= PERTURB_SHIFT;
      i = (i * 5 + 1 + perturb) & mask;
    }
  }
}

function check(key: number): number {
  if (!Number.isInteger(key) || key < 0 || key > 0x7fffffff) throw new RangeError(`PySet holds ints in [0, 2^31): ${key}`);
  return key;
}
