/**
 * A playground state as a URL hash: the lesson, the host looked at, each
 * edited bridge's flow text, the packet and the cloud steps the student ran.
 * `#s=` then base64url of the JSON (UTF-8), so a link carries the whole
 * state and nothing is stored anywhere.
 */
export interface SharedState {
  readonly lesson: string;
  readonly host?: string;
  /** Edited flow text by "HOST/BRIDGE" ("/BRIDGE" for script lessons). */
  readonly flows?: Readonly<Record<string, string>>;
  readonly packet?: { readonly bridge: string; readonly flow: string };
  /** Cloud steps run by the student (boot, ping), in order. */
  readonly steps?: readonly Record<string, unknown>[];
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): Uint8Array {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function encodeState(s: SharedState): string {
  return `#s=${toBase64Url(new TextEncoder().encode(JSON.stringify(s)))}`;
}

/** The state in a hash, or null when the hash holds none (or a damaged one). */
export function decodeState(hash: string): SharedState | null {
  const m = /^#s=([A-Za-z0-9_-]+)$/.exec(hash);
  if (m === null) return null;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(fromBase64Url(m[1] ?? "")));
    if (typeof v !== "object" || v === null || typeof (v as { lesson?: unknown }).lesson !== "string") return null;
    return v as SharedState;
  } catch {
    return null;
  }
}
