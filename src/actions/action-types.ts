/**
 * The action AST (OVS's `struct ofpact` family). This first cut covers output
 * (to numbered and reserved ports), resubmit and drop (an empty list); the
 * rest of OVS's actions join this union, each with its parse and format, as
 * the actions and translation work lands.
 */

export interface OutputAction {
  readonly type: "output";
  /** OpenFlow port number (reserved ports: NORMAL, FLOOD, LOCAL, ...). */
  readonly port: number;
  /** Bytes of the packet sent to the controller (CONTROLLER only). */
  readonly maxLen: number;
}

export interface ResubmitAction {
  readonly type: "resubmit";
  /** Port to look up as in_port; OFPP_IN_PORT keeps the packet's. */
  readonly inPort: number;
  /** Table to look up; 255 means the current table. */
  readonly table: number;
}

export type Action = OutputAction | ResubmitAction;

/** A flow's actions; empty means drop. */
export type ActionList = readonly Action[];
