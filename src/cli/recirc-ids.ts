/** One recirculation id allocator per switch (OVS's ids are global to ovs-vswitchd): ofproto/trace and the datapaths share it. */
import { RecircIds } from "../actions/xlate/xlate-context.js";
import type { World } from "./world.js";

const RECIRC_IDS = new WeakMap<World, RecircIds>();

export function recircIds(world: World): RecircIds {
  let r = RECIRC_IDS.get(world);
  if (r === undefined) {
    r = new RecircIds();
    RECIRC_IDS.set(world, r);
  }
  return r;
}
