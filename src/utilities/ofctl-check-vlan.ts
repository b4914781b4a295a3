/**
 * `ovs-ofctl check-vlan VLAN_TCI MASK` (utilities/ovs-ofctl.c
 * `ofctl_check_vlan`): a match on that TCI and mask, converted to each form
 * OVS has for it and back, one line each: the flow text (parsed again), NXM,
 * OXM (OpenFlow 1.2), OpenFlow 1.0's dl_vlan/dl_vlan_pcp and OpenFlow 1.1's,
 * showing what each form keeps of the TCI match.
 */
import { FlowParseError } from "../flowtable/errors.js";
import { parseFlow } from "../flowtable/flow-mod-parse.js";
import { M } from "../flowtable/flow-layout.js";
import { Match } from "../flowtable/match.js";
import { formatMatch } from "../flowtable/match-format.js";
import { nxPullMatch, oxmPullMatch } from "../flowtable/nxm-pull.js";
import { nxPutMatch, oxmPutMatch } from "../flowtable/nxm-put.js";
import { nxMatchToString, oxmMatchToString } from "../flowtable/nxm-text.js";
import { matchFromOfp10, matchToOfp10 } from "../flowtable/ofp10-match-wire.js";
import { matchFromOfp11, matchToOfp11 } from "../flowtable/ofp11-match-wire.js";
import type { CommandResult } from "./command-result.js";

const hex4 = (v: bigint): string => v.toString(16).padStart(4, "0");
const hex2 = (v: number): string => v.toString(16).padStart(2, "0");

function tciOf(m: Match): string {
  return `${hex4(m.memberValue(M.vlanTci))}/${hex4(m.memberMask(M.vlanTci))}`;
}

/** strtoul(s, NULL, 16) cut to 16 bits: the leading hex digits, 0 without any. */
function strtoul16(s: string): bigint {
  const m = /^\s*[+]?(?:0[xX])?([0-9a-fA-F]+)/.exec(s);
  return m === null ? 0n : BigInt(`0x${m[1] ?? "0"}`) & 0xffffn;
}

export function checkVlanCommand(tciText: string, maskText: string): CommandResult {
  const match = new Match();
  const mask = strtoul16(maskText);
  match.setMemberBits(M.vlanTci, 0xffffn, strtoul16(tciText), mask);
  const out: string[] = [];

  const text = formatMatch(match);
  let parsed: Match;
  try {
    parsed = parseFlow(text, "stats").match;
  } catch (e) {
    if (e instanceof FlowParseError) return { stdout: [`${text} -> `], stderr: [`ovs-ofctl: ${e.message}`], ok: false };
    throw e;
  }
  out.push(`${text} -> ${tciOf(parsed)}`);

  const nxm = nxPutMatch(match);
  const nx = nxPullMatch(nxm.bytes, nxm.matchLen, true);
  out.push(`NXM: ${nxMatchToString(nxm.bytes, 0, nxm.matchLen)} -> ${nx.ok ? tciOf(nx.match) : nx.error}`);

  const oxm = oxmPutMatch(match, 12);
  const ox = oxmPullMatch(oxm.bytes, true);
  let oxText: string = ox.ok ? "" : ox.error;
  if (ox.ok) {
    const tci = ox.match.memberValue(M.vlanTci);
    const tciMask = ox.match.memberMask(M.vlanTci);
    const vid = tci & 0x1fffn;
    const pcp = (tciMask >> 13n) !== 0n && vid !== 0n ? String(tci >> 13n).padStart(2, "0") : "--";
    oxText = `${hex4(vid)}/${hex4(tciMask & 0x1fffn)},${pcp}`;
  }
  out.push(`OXM: ${oxmMatchToString(oxm.bytes, oxm.matchLen)} -> ${oxText}`);

  const of10 = matchToOfp10(match);
  const fw10 = ((of10[3] ?? 0) | ((of10[2] ?? 0) << 8) | ((of10[1] ?? 0) << 16)) >>> 0;
  const vlan10 = ((of10[18] ?? 0) << 8) | (of10[19] ?? 0);
  out.push(`OF1.0: ${hex4(BigInt(vlan10))}/${(fw10 >> 1) & 1},${hex2(of10[20] ?? 0)}/${(fw10 >> 20) & 1} -> ${tciOf(matchFromOfp10(of10))}`);

  const of11 = matchToOfp11(match);
  const fw11 = of11[11] ?? 0;
  const vlan11 = ((of11[36] ?? 0) << 8) | (of11[37] ?? 0);
  const back11 = matchFromOfp11(of11);
  const tci11 = back11.ok ? tciOf(back11.match) : "0000/0000";
  out.push(`OF1.1: ${hex4(BigInt(vlan11))}/${(fw11 >> 1) & 1},${hex2(of11[38] ?? 0)}/${(fw11 >> 2) & 1} -> ${tci11}`);
  return { stdout: out, stderr: [], ok: true };
}
