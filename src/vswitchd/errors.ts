/**
 * The switch API's own typed errors (the engine's are in
 * src/flowtable/errors.ts). Messages are OVS's words for the same failure.
 */
import { OvsimError } from "../flowtable/errors.js";

/** A name the request gives does not exist (bridge, port, datapath...), or exists where it must not. */
export class SwitchError extends OvsimError {
  readonly code = "SWITCH";
}

/** `ofproto/trace` could not start: a bad flow or packet, an unknown bridge or datapath (ofproto-dpif-trace.c's words). */
export class TraceError extends OvsimError {
  readonly code = "TRACE";
}

/** A config DB request OVSDB or ovs-vsctl would refuse (ovs-vsctl's words). */
export class OvsdbError extends OvsimError {
  readonly code = "OVSDB";
}
