/**
 * A lesson of the playground: a short text and a prepared state. The
 * definitions are plain data (no DOM), so the page and the Node tests
 * (test/playground) load the same files: a test runs each lesson's script
 * with `ovsim run` and compares the datapath actions with the page's.
 *
 * A script lesson is a script of ovs-vsctl / ovs-ofctl lines (what
 * `ovsim run` reads); a cloud lesson is a cloud file (docs/cloud.md) whose
 * steps ran before the student arrives. A packet's flow may name a cloud
 * VM's tap, MAC and IPv4 address as `{port:VM}`, `{mac:VM}`, `{ip:VM}`.
 */
export interface LessonPacket {
  /** The host (cloud lessons; default the first) and bridge the packet enters. */
  readonly host?: string;
  readonly bridge: string;
  /** An ofproto/trace flow: `in_port=1,ip,dl_src=...` (every field exact). */
  readonly flow: string;
}

export interface Lesson {
  readonly id: string;
  readonly title: string;
  /** Paragraphs of the lesson's text. */
  readonly text: readonly string[];
  /** A script of ovs-vsctl / ovs-ofctl lines (script lessons). */
  readonly script?: string;
  /** A cloud file's JSON (cloud lessons). */
  readonly cloud?: unknown;
  /** The bridges shown with a flow editor, in order. */
  readonly bridges: readonly string[];
  /** The packet the lesson suggests first. */
  readonly packet: LessonPacket;
  /** Further packets worth trying (shown as buttons). */
  readonly more?: readonly LessonPacket[];
  /** Cloud lessons: the student may boot VMs and ping. */
  readonly interactive?: boolean;
}
