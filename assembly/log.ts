// Logging through proxy_log. Check `log.enabled(level)` before building an expensive message:
// the level comes from the host (proxy_get_log_level, ABI 0.2.1) and can change at run time.
import { proxy_log, proxy_get_log_level } from "./abi/imports";
import { LogLevel } from "./enums";
import { RET_EXTRA, textBlock, releaseText, textLen1 } from "./memory";

function hostLevel(): u32 {
  store<u32>(RET_EXTRA, <u32>LogLevel.Trace);
  if (proxy_get_log_level(RET_EXTRA) != 0) return <u32>LogLevel.Trace; // unknown: log everything
  return load<u32>(RET_EXTRA);
}

function write(level: LogLevel, message: string): void {
  if (<u32>level < hostLevel()) return;
  const p = textBlock(message);
  proxy_log(<u32>level, p, textLen1);
  releaseText(p);
}

export namespace log {
  /** True when a message at `level` would be written. */
  export function enabled(level: LogLevel): bool {
    return <u32>level >= hostLevel();
  }
  export function trace(message: string): void { write(LogLevel.Trace, message); }
  export function debug(message: string): void { write(LogLevel.Debug, message); }
  export function info(message: string): void { write(LogLevel.Info, message); }
  export function warn(message: string): void { write(LogLevel.Warn, message); }
  export function error(message: string): void { write(LogLevel.Error, message); }
  export function critical(message: string): void { write(LogLevel.Critical, message); }
}
