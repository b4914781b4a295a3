/**
 * The state a script runs against: the bridges of one simulated switch and its
 * virtual clock (milliseconds).
 */
import { Bridge } from "../datapath/bridge.js";

export class World {
  readonly bridges = new Map<string, Bridge>();
  /** Virtual time, ms. */
  now = 0;

  bridge(name: string): Bridge | undefined {
    return this.bridges.get(name);
  }
}
