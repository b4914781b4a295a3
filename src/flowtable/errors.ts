/**
 * Typed errors at the public boundary, each with a stable `code`. Messages are
 * OVS's own texts (without the `ovs-ofctl: ` prefix the CLI adds), so a user
 * who knows OVS recognises them.
 */

export abstract class OvsimError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Flow, match or value text that OVS would refuse to parse. */
export class FlowParseError extends OvsimError {
  readonly code = "FLOW_PARSE";
  /** The whole text being parsed, and the token at fault when known. */
  readonly text: string;
  readonly token: string | undefined;
  constructor(message: string, text: string, token?: string) {
    super(message);
    this.text = text;
    this.token = token;
  }
}

/**
 * An OpenFlow error the switch answers a request with (OVS's `enum ofperr`),
 * e.g. `OFPBMC_BAD_PREREQ` or `OFPFMFC_OVERLAP`.
 */
export class OpenFlowError extends OvsimError {
  readonly code = "OPENFLOW";
  readonly ofperr: string;
  constructor(ofperr: string, message?: string) {
    super(message ?? ofperr);
    this.ofperr = ofperr;
  }
}

/**
 * A request past one of ovsim's resource limits where OVS has none that
 * ovsim could copy (a warp of more steps than ovsim runs at once, a packet or
 * a flow file larger than it reads): refused whole, nothing changed.
 * docs/reliability.md lists every limit.
 */
export class LimitError extends OvsimError {
  readonly code = "LIMIT";
  /** The limit's name, e.g. `MAX_WARP_STEPS`. */
  readonly limit: string;
  constructor(limit: string, message: string) {
    super(message);
    this.limit = limit;
  }
}
