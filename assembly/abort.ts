// Replacements for the two imports AssemblyScript would otherwise ask the host for:
//  - env.abort (Envoy refuses it): built with `--use abort=assembly/abort/onAbort`;
//  - env.seed (for Math.random): built with `--use seed=assembly/abort/seedFromClock`.
import { proxy_log, proxy_get_current_time_nanoseconds } from "./abi/imports";
import { LogLevel } from "./enums";

/** Called by AssemblyScript on a failed assertion, a throw or an out-of-bounds access.
 *  Logs at critical (the host shows it) and traps: the VM cannot continue safely. */
export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  let text = "wasm abort: ";
  text += message !== null ? message : "(no message)";
  if (fileName !== null) text += " at " + fileName + ":" + line.toString() + ":" + column.toString();
  const bytes = String.UTF8.encode(text);
  proxy_log(LogLevel.Critical, changetype<usize>(bytes), <usize>bytes.byteLength);
  unreachable();
}

const clockSlot: usize = memory.data(8);

/** Math.random seed: the host's wall clock in nanoseconds (never Date.now, which Envoy lacks). */
export function seedFromClock(): f64 {
  store<u64>(clockSlot, 0);
  proxy_get_current_time_nanoseconds(clockSlot);
  const nanos = load<u64>(clockSlot);
  // Mix so that two VMs started in the same microsecond still differ in the low bits.
  return <f64>(nanos ^ (nanos >> 29));
}
