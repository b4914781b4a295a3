/**
 * LLDP frames received on ports with `lldp:enable=true` (OVS's lib/ovs-lldp.c
 * lldp_process_packet, lib/lldp/lldpd.c lldpd_decode, lib/lldp/lldp.c
 * lldp_decode), as far as the log shows them.
 *
 * Translation's process_special hands a frame of type ETH_TYPE_LLDP (0x88cc)
 * received on a port whose LLDP is enabled to the port's lldpd instead of
 * the OpenFlow tables: the frame is consumed. lldpd drops a frame shorter
 * than an Ethernet header and 4 bytes, strips an 802.1Q tag, and decodes the
 * LLDPDU (a frame to another address than LLDP's is guessed to be no
 * protocol's and left undecoded): a malformed one is discarded with a message in the `lldp` module,
 * WARN or INFO, naming the port (`ISID_VLAN_ASGNS TLV too short received on
 * p1`). The checks and texts are lldp_decode's: the multicast destination,
 * the ethertype, each TLV's header and length, the order of the mandatory
 * TLVs (chassis ID, port ID, TTL), each TLV type's minimum size, the
 * Avaya (Auto Attach) organisational TLVs, and the mandatory ones present.
 * An Auto Attach element TLV that decodes logs its element and system MAC at
 * INFO as OVS's does.
 *
 * Not modelled: what a well-formed LLDPDU changes (lldpd's neighbours, Auto
 * Attach mappings), DBG lines, and sending LLDPDUs.
 */
import type { ConfigDb } from "../datapath/config-db.js";
import type { VlogModule } from "./vlog.js";

const ETH_TYPE_LLDP = 0x88cc;
const ETH_TYPE_VLAN = 0x8100;
const LLDP_MULTICAST = [0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e];

const TLV_END = 0;
const TLV_CHASSIS_ID = 1;
const TLV_PORT_ID = 2;
const TLV_TTL = 3;
const TLV_PORT_DESCR = 4;
const TLV_SYSTEM_NAME = 5;
const TLV_SYSTEM_DESCR = 6;
const TLV_SYSTEM_CAP = 7;
const TLV_MGMT_ADDR = 8;
const TLV_ORG = 127;

const ORG_DOT1 = "0080c2";
const ORG_DOT3 = "00120f";
const ORG_MED = "0012bb";
const ORG_AVAYA = "00040d";
const ORG_DCBX = "001b21";
const AA_ELEMENT = 0x0b;
const AA_ISID_VLAN_ASGNS = 0x0c;
const AA_DIGEST_LENGTH = 32;

/** A message lldp_decode logs (the `lldp` module). */
interface LldpMessage {
  readonly level: "warn" | "info";
  readonly text: string;
}

function hex2(b: number): string {
  return b.toString(16).padStart(2, "0");
}

/**
 * lldp_decode's verdict on `frame` received on `ifname`: the messages it logs, in order, and
 * whether the frame decoded. The frame is an Ethernet frame without an 802.1Q tag.
 */
export function lldpDecode(frame: Uint8Array, ifname: string): { readonly ok: boolean; readonly messages: readonly LldpMessage[] } {
  const messages: LldpMessage[] = [];
  const fail = (level: "warn" | "info", text: string): { ok: boolean; messages: LldpMessage[] } => {
    messages.push({ level, text });
    return { ok: false, messages };
  };
  const u16 = (at: number): number => ((frame[at] ?? 0) << 8) | (frame[at + 1] ?? 0);
  let pos = 0;
  let length = frame.length;
  if (length < 2 * 6 + 2) return fail("warn", `too short frame received on ${ifname}`);
  if (LLDP_MULTICAST.some((b, i) => frame[i] !== b)) return fail("info", `frame not targeted at LLDP multicast address received on ${ifname}`);
  pos = 12;
  length -= 12;
  if (u16(pos) !== ETH_TYPE_LLDP) return fail("info", `non LLDP frame received on ${ifname}`);
  pos += 2;
  length -= 2;
  let gotEnd = false;
  let ttlReceived = false;
  let chassisId = false;
  let portId = false;
  let count = 0;
  while (length > 0 && !gotEnd) {
    if (length < 2) return fail("warn", `tlv header too short received on ${ifname}`);
    const header = u16(pos);
    pos += 2;
    length -= 2;
    const type = header >> 9;
    const size = header & 0x1ff;
    const tlv = pos;
    if (length < size) return fail("warn", `frame too short for tlv received on ${ifname}`);
    count++;
    if (type === TLV_CHASSIS_ID && count !== 1) return fail("warn", `first TLV should be a chassis ID on ${ifname}, not ${type}`);
    if (type === TLV_PORT_ID && count !== 2) return fail("warn", `second TLV should be a port ID on ${ifname}, not ${type}`);
    if (type === TLV_TTL && count !== 3) return fail("warn", `third TLV should be a TTL on ${ifname}, not ${type}`);
    const tooShort = (min: number, name: string): boolean => {
      if (size >= min) return false;
      messages.push({ level: "warn", text: `${name} TLV too short received on ${ifname}` });
      return true;
    };
    switch (type) {
      case TLV_END:
        if (size !== 0) return fail("warn", `lldp end received with size not null on ${ifname}`);
        gotEnd = true;
        break;
      case TLV_CHASSIS_ID:
      case TLV_PORT_ID: {
        if (tooShort(2, "Port/Chassis Id")) return { ok: false, messages };
        if (size > 256) return fail("warn", `Port/Chassis Id TLV too large received on ${ifname}`);
        const subtype = frame[tlv] ?? 0;
        if (subtype === 0 || subtype > 7) return fail("warn", `unknown subtype for tlv id received on ${ifname}`);
        if (type === TLV_PORT_ID) {
          if (portId) return fail("warn", `Port ID TLV received twice on ${ifname}`);
          portId = true;
        } else {
          if (chassisId) return fail("warn", `Chassis ID TLV received twice on ${ifname}`);
          chassisId = true;
        }
        break;
      }
      case TLV_TTL:
        if (ttlReceived) return fail("warn", `TTL TLV received twice on ${ifname}`);
        if (tooShort(2, "TTL")) return { ok: false, messages };
        ttlReceived = true;
        break;
      case TLV_PORT_DESCR:
      case TLV_SYSTEM_NAME:
      case TLV_SYSTEM_DESCR:
        break;
      case TLV_SYSTEM_CAP:
        if (tooShort(4, "System capabilities")) return { ok: false, messages };
        break;
      case TLV_MGMT_ADDR: {
        if (tooShort(1, "Management address")) return { ok: false, messages };
        const addrLength = frame[tlv] ?? 0;
        if (addrLength > 32) return fail("warn", `too large management address on ${ifname}`);
        if (tooShort(1 + addrLength, "Management address")) return { ok: false, messages };
        if (tooShort(1 + addrLength + 5, "Management address")) return { ok: false, messages };
        break;
      }
      case TLV_ORG: {
        if (tooShort(1 + 3, "Organisational")) return { ok: false, messages };
        const orgBytes = [0, 1, 2].map((i) => frame[tlv + i] ?? 0);
        const org = orgBytes.map(hex2).join("");
        const subtype = frame[tlv + 3] ?? 0;
        if (org === ORG_DOT1 || org === ORG_DOT3 || org === ORG_MED || org === ORG_DCBX) break;
        if (org !== ORG_AVAYA) {
          // `%02x` of a (signed) char: a byte from 0x80 up prints sign-extended, `ffffffaa`.
          const shown = orgBytes.map((b) => (b >= 0x80 ? `ffffff${hex2(b)}` : hex2(b))).join(":");
          messages.push({ level: "info", text: `unknown org tlv [${shown}] received on ${ifname}` });
          break;
        }
        if (subtype === AA_ELEMENT) {
          if (tooShort(50, "ELEMENT")) return { ok: false, messages };
          const at = tlv + 4 + AA_DIGEST_LENGTH;
          const dword = ((u16(at) << 16) | u16(at + 2)) >>> 0;
          const state = (dword >>> 20) & 0x3f;
          const hex = (v: number): string => v.toString(16).toUpperCase();
          messages.push({
            level: "info",
            text: `Element type: ${hex(dword >>> 26)}, vlan tagging ${hex((state >> 5) & 1)}, auto prov mode ${((state >> 3) & 3).toString(16)}, Mgmt vlan: ${hex((dword >>> 8) & 0xfff)}`,
          });
          const mac = [0, 1, 2, 3, 4, 5].map((i) => hex2(frame[at + 4 + i] ?? 0)).join(":");
          messages.push({ level: "info", text: `System mac: ${mac}` });
        } else if (subtype === AA_ISID_VLAN_ASGNS) {
          if (tooShort(36, "ISID_VLAN_ASGNS")) return { ok: false, messages };
          if ((size - 4 - AA_DIGEST_LENGTH) % 5 !== 0) return fail("info", "malformed vlan-isid mappings tlv received");
        } else {
          messages.push({ level: "info", text: "Unrecogised tlv subtype received" });
        }
        break;
      }
      default:
        return fail("warn", `unknown tlv (${type}) received on ${ifname}`);
    }
    pos = tlv + size;
    length -= size;
  }
  if (!chassisId || !portId || !ttlReceived || !gotEnd) return fail("warn", `some mandatory tlv are missing for frame received on ${ifname}`);
  return { ok: true, messages };
}

/** Whether the interface named `port`, open in a bridge, has `lldp:enable=true`. */
function lldpEnabled(db: ConfigDb, port: string): boolean {
  for (const row of db.rows("Interface")) {
    if (String(row.cols.get("name")?.first() ?? "") !== port) continue;
    const ofport = row.cols.get("ofport")?.first();
    return typeof ofport === "number" && ofport > 0 && String(row.cols.get("lldp")?.get("enable") ?? "") === "true";
  }
  return false;
}

/**
 * process_special for LLDP: true when `frame`, received on `port`, is an LLDP frame for the
 * port's lldpd (then consumed), after logging what its decoding logs in `log` (`lldp`). Whether
 * the port's LLDP is enabled is read from `db`, the switch's configuration.
 */
export function lldpReceive(db: ConfigDb, port: string, frame: Uint8Array, log: VlogModule): boolean {
  if (frame.length < 14) return false;
  let type = ((frame[12] ?? 0) << 8) | (frame[13] ?? 0);
  // The flow's dl_type is the inner one behind a VLAN tag (lldp_should_process_flow reads the flow).
  if (type === ETH_TYPE_VLAN && frame.length >= 18) type = ((frame[16] ?? 0) << 8) | (frame[17] ?? 0);
  if (type !== ETH_TYPE_LLDP || !lldpEnabled(db, port)) return false;
  // lldpd_decode: too short frames go unread; an 802.1Q tag is taken out; the protocol is guessed
  // from the destination MAC (lldpd_guess_type): a frame not to LLDP's address is decoded by none.
  if (frame.length < 14 + 4) return true;
  let bytes = frame;
  if ((((bytes[12] ?? 0) << 8) | (bytes[13] ?? 0)) === ETH_TYPE_VLAN) bytes = new Uint8Array([...bytes.subarray(0, 12), ...bytes.subarray(16)]);
  if (LLDP_MULTICAST.some((b, i) => bytes[i] !== b)) return true;
  for (const m of lldpDecode(bytes, port).messages) {
    if (m.level === "warn") log.warn(m.text);
    else log.info(m.text);
  }
  return true;
}
