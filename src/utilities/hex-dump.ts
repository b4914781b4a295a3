/**
 * OVS's `ovs_hex_dump` / `ds_put_hex_dump`: 16 bytes a line, the offset in 8
 * hex digits, a `-` before the ninth byte, and with `ascii` the printable
 * bytes between bars (others as `.`), the last line padded to full width.
 */
export function hexDump(b: Uint8Array, ascii = false): string[] {
  const lines: string[] = [];
  for (let ofs = 0; ofs < b.length; ofs += 16) {
    const n = Math.min(16, b.length - ofs);
    let line = `${ofs.toString(16).padStart(8, "0")} `;
    let text = "";
    for (let i = 0; i < n; i++) {
      const c = b[ofs + i] ?? 0;
      line += `${i === 8 ? "-" : " "}${c.toString(16).padStart(2, "0")}`;
      text += c >= 32 && c < 127 ? String.fromCharCode(c) : ".";
    }
    if (ascii) line += ` ${"   ".repeat(16 - n)}|${text.padEnd(16)}|`;
    lines.push(line);
  }
  return lines;
}
