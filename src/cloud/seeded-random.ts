/**
 * The one source of randomness of a cloud: a seeded generator, so that the
 * same cloud file with the same `seed` prints the same thing every time.
 *
 * Real Neutron draws what it needs at random: one 64-bit cookie per bridge
 * object (`generate_random_cookie`, uuid4 & 2^64-1), port ids (uuid4), MACs
 * (fa:16:3e plus three random bytes). ovsim draws the same things from
 * streams derived from the file's seed:
 * - each host's agent gets its own stream (`forHost`), derived from the seed
 *   and the host's place in the file, so that adding a step on one host
 *   never changes another host's cookies, and a restarted agent continues
 *   its host's stream (new cookies, as a restarted real agent);
 * - the cloud's own draws (ids and MACs of VMs it boots) use another stream.
 *
 * The generator is SplitMix64 (Steele, Lea, Flood 2014; the seeding
 * generator of xoshiro): a 64-bit state moved by the golden gamma and a
 * finalising mix, good statistical quality, trivially splittable. BigInt is
 * fine here: a cloud draws a few dozen numbers, never per packet.
 */

const MASK64 = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;

function mix64(z0: bigint): bigint {
  let z = z0 & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

export class SeededRandom {
  /** The SplitMix64 state. */
  private state: bigint;

  constructor(seed: number | bigint = 0) {
    this.state = BigInt.asUintN(64, BigInt(seed));
  }

  /** A generator for one stream of this seed (`stream` names it: a host's index, or a purpose). */
  static stream(seed: number | bigint, stream: number): SeededRandom {
    return new SeededRandom(mix64(BigInt.asUintN(64, BigInt(seed)) ^ mix64(BigInt(stream + 1) * GAMMA)));
  }

  /** Where the stream is: its state as 16 hex digits (a snapshot saves it; `SeededRandom.at` continues from it). */
  get position(): string {
    return this.state.toString(16).padStart(16, "0");
  }

  /** The stream at `position` (a `position` value); null for text that is not 16 hex digits. */
  static at(position: string): SeededRandom | null {
    if (!/^[0-9a-f]{16}$/.test(position)) return null;
    const r = new SeededRandom();
    r.state = BigInt(`0x${position}`);
    return r;
  }

  /** The next 64-bit unsigned integer. */
  uint64(): bigint {
    this.state = (this.state + GAMMA) & MASK64;
    return mix64(this.state);
  }

  /** The next 32-bit unsigned integer. */
  uint32(): number {
    return Number(this.uint64() >> 32n);
  }

  /** A float in [0, 1) with 53 random bits (what `Math.random` gives). */
  next(): number {
    return Number(this.uint64() >> 11n) / 2 ** 53;
  }

  /** A random (version 4) uuid, as `uuid.uuid4()`. */
  uuid4(): string {
    const hi = this.uint64();
    const lo = this.uint64();
    const h = ((hi & ~0xf000n) | 0x4000n).toString(16).padStart(16, "0");
    const l = ((lo & ~(0xc000n << 48n)) | (0x8000n << 48n)).toString(16).padStart(16, "0");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${l.slice(0, 4)}-${l.slice(4, 16)}`;
  }

  /** A MAC as Neutron's base_mac `fa:16:3e:00:00:00` gives them: the last three bytes random. */
  neutronMac(): string {
    const n = this.uint32() & 0xffffff;
    const b = [n >>> 16, (n >>> 8) & 0xff, n & 0xff].map((x) => x.toString(16).padStart(2, "0"));
    return `fa:16:3e:${b.join(":")}`;
  }
}
