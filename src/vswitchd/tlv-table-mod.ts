/**
 * NXT_TLV_TABLE_MOD on a bridge, as OVS's handle_tlv_table_mod
 * (ofproto/ofproto.c): the switch decodes the mappings (each option length a
 * multiple of 4 up to 124, each index below 64: else NXTTMFC_BAD_OPT_LEN /
 * NXTTMFC_BAD_FIELD_IDX), builds the new tunnel metadata table
 * (src/flowtable/tun-metadata-table.ts), refuses to delete or clear a mapping
 * that a flow still uses (NXTTMFC_INVALID_TLV_DEL, OVS's vl_mff_map reference
 * counts), and only then installs the new table.
 */
import { namesTunMetadata } from "../actions/tun-metadata-actions.js";
import type { Bridge } from "../datapath/bridge.js";
import { tunMdPresent } from "../flowtable/tun-metadata-match.js";
import type { TlvMapping, TlvTableCommand } from "../flowtable/tun-metadata-table.js";
import { TLV_MAX_OPT_SIZE, TUN_METADATA_NUM_OPTS } from "../flowtable/tun-metadata-table.js";

/** Why the switch cannot decode the mappings (ofputil_decode_tlv_table_mod), or null. */
export function tlvMappingsDecodeError(mappings: readonly TlvMapping[]): string | null {
  for (const m of mappings) {
    if (m.optionLen % 4 !== 0 || m.optionLen > TLV_MAX_OPT_SIZE) return "NXTTMFC_BAD_OPT_LEN";
    if (m.index >= TUN_METADATA_NUM_OPTS) return "NXTTMFC_BAD_FIELD_IDX";
  }
  return null;
}

/**
 * Whether some flow of `br` uses tun_metadata<index> (OVS counts references
 * from matches and actions).
 */
function fieldInUse(br: Bridge, index: number): boolean {
  return br.tables.entries().some((f) => tunMdPresent(f.match.mask, index) || namesTunMetadata(f.actions, index));
}

/** Applies a table mod to `br`; returns the OpenFlow error the switch answers, or null. */
export function tlvTableMod(br: Bridge, command: TlvTableCommand, mappings: readonly TlvMapping[]): string | null {
  const inUse = (index: number): boolean => fieldInUse(br, index);
  const decodeError = tlvMappingsDecodeError(mappings);
  if (decodeError !== null) return decodeError;
  const result = br.tunMetadata.mod(command, mappings);
  if (!result.ok) return result.ofperr;
  if (command === "clear" && br.tunMetadata.mappings().some((e) => inUse(e.index))) return "NXTTMFC_INVALID_TLV_DEL";
  if (command === "delete" && mappings.some((m) => br.tunMetadata.entry(m.index) !== undefined && inUse(m.index))) return "NXTTMFC_INVALID_TLV_DEL";
  br.tunMetadata = result.table;
  return null;
}
