/**
 * ofproto-dpif's monitor thread (ofproto/ofproto-dpif-monitor.c): the
 * thread that sends the BFD, CFM and LLDP packets of the ports that have
 * them configured. ovs-vswitchd starts it when the first port gets one of
 * them and stops it when the last one goes, and the thread logs both in
 * `ofproto_dpif_monitor` at INFO, from itself:
 *
 *   |00001|ofproto_dpif_monitor(monitor6)|INFO|monitor thread created
 *   |00002|ofproto_dpif_monitor(monitor6)|INFO|monitor thread terminated
 *
 * A port is monitored (ofproto_dpif_monitor_port_update) when its
 * interface, open in a bridge, has `bfd:enable=true` (bfd_configure),
 * a `cfm_mpid` (iface_configure_cfm) or `lldp:enable=true`
 * (lldp_configure). ovsim sends none of these packets; it keeps the
 * thread's life and its log lines, which OVS's tests wait for.
 *
 * Each thread ovs-vswitchd creates is named after its kind and a serial
 * number every thread of the process shares (ovs-thread.c): the sandbox's
 * daemon has made five when it is ready (its revalidator is
 * `revalidator5`), so the first thread created later is number 6
 * (`monitor6`, or `hw_offload6`), the next 7, and so on: ThreadNames.
 */
import type { ConfigDb, Row } from "../datapath/config-db.js";
import type { VlogModule } from "./vlog.js";

/** The serial numbers of the threads ovs-vswitchd creates after start-up. */
export class ThreadNames {
  /** The serial of the next thread (the sandbox's daemon has created 5 when it is ready). */
  next = 6;

  /** A new thread's name: `kind` and the next serial (`monitor6`). */
  create(kind: string): string {
    return `${kind}${this.next++}`;
  }
}

function mapTrue(row: Row, column: string, key: string): boolean {
  return String(row.cols.get(column)?.get(key) ?? "") === "true";
}

/** Whether an interface's port is a monitoring port: open, with BFD, CFM or LLDP configured. */
function monitored(row: Row): boolean {
  const ofport = row.cols.get("ofport")?.first();
  if (typeof ofport !== "number" || ofport <= 0) return false;
  const cfm = row.cols.get("cfm_mpid")?.first();
  return mapTrue(row, "bfd", "enable") || cfm !== undefined || mapTrue(row, "lldp", "enable");
}

export class MonitorThread {
  /** The running thread's name, null when it is not running. */
  private running: string | null = null;

  /** Starts or stops the thread after a reconfiguration, logging as it does. */
  sync(db: ConfigDb, threads: ThreadNames, log: VlogModule): void {
    const wanted = db.rows("Interface").some(monitored);
    if (wanted && this.running === null) {
      this.running = threads.create("monitor");
      log.infoIn(this.running, "monitor thread created");
    } else if (!wanted && this.running !== null) {
      log.infoIn(this.running, "monitor thread terminated");
      this.running = null;
    }
  }
}
