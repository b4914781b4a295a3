/**
 * The simulated host's UDP sockets: what a program on the host (an `ovstest test-netflow`
 * collector, ovs-vswitchd's NetFlow exporter) binds and sends to, with no real socket. A
 * datagram sent to ADDRESS:PORT reaches the socket bound to that address and port, or to the
 * wildcard address of its family (0.0.0.0, ::); nothing bound there: it is lost, as a datagram
 * to a closed port is. Binding port 0 picks a free ephemeral port, from the bottom of Linux's
 * default ip_local_port_range (32768-60999) up, so runs are deterministic.
 *
 * Addresses are compared as text after normalisation (IPv6 brackets dropped, lower case).
 */

/** What a bound socket does with a datagram: `from` is the sender's "ADDRESS:PORT". */
export type UdpReceiver = (bytes: Uint8Array, from: string) => void;

const EPHEMERAL_FIRST = 32768;
const EPHEMERAL_LAST = 60999;

/** An address as sockets compare it: IPv6 without brackets, lower case. */
export function normalizeUdpAddress(addr: string): string {
  const a = addr.startsWith("[") && addr.endsWith("]") ? addr.slice(1, -1) : addr;
  return a.toLowerCase();
}

export class HostUdp {
  /** "ADDRESS|PORT" -> receiver. */
  private readonly sockets = new Map<string, UdpReceiver>();

  /**
   * Binds `addr`:`port` (port 0: an ephemeral one); returns the port bound, or null when it is
   * in use (EADDRINUSE).
   */
  bind(addr: string, port: number, receiver: UdpReceiver): number | null {
    const a = normalizeUdpAddress(addr);
    let p = port;
    if (p === 0) {
      p = EPHEMERAL_FIRST;
      while (p <= EPHEMERAL_LAST && this.inUse(a, p)) p++;
      if (p > EPHEMERAL_LAST) return null;
    } else if (this.inUse(a, p)) {
      return null;
    }
    this.sockets.set(`${a}|${p}`, receiver);
    return p;
  }

  close(addr: string, port: number): void {
    this.sockets.delete(`${normalizeUdpAddress(addr)}|${port}`);
  }

  /** Sends a datagram; false when no socket receives it. */
  send(addr: string, port: number, bytes: Uint8Array, from = "0.0.0.0:0"): boolean {
    const a = normalizeUdpAddress(addr);
    const wildcard = a.includes(":") ? "::" : "0.0.0.0";
    const rx = this.sockets.get(`${a}|${port}`) ?? this.sockets.get(`${wildcard}|${port}`);
    if (rx === undefined) return false;
    rx(bytes.slice(), from);
    return true;
  }

  private inUse(a: string, p: number): boolean {
    return this.sockets.has(`${a}|${p}`);
  }
}
