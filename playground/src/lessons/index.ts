/** Every lesson, in menu order. */
import { acl } from "./acl.js";
import { l2Normal } from "./l2-normal.js";
import { learn } from "./learn.js";
import type { Lesson } from "./lesson.js";
import { neutron } from "./neutron.js";
import { vlans } from "./vlans.js";
import { vxlanCloud } from "./vxlan-cloud.js";

export const LESSONS: readonly Lesson[] = [l2Normal, vlans, acl, learn, neutron, vxlanCloud];

export function lessonById(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
