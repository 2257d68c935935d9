// Logging through proxy_log. Check `log.enabled(level)` before building an expensive message:
// the level comes from the host (proxy_get_log_level, ABI 0.2.1) and can change at run time.
import { proxy_log, proxy_get_log_level } from "./abi/imports";
import { LogLevel } from "./enums";
import { RET_EXTRA, textBlock, releaseText, textLen1 } from "./memory";

// The host's level, asked once per callback: plugins check it several times per request and
// each check is a host call. A level change shows from the next callback on.
let cachedLevel: i32 = -1;

/** @internal Called at the start of every callback (context.ts setCurrentContextId). */
export function forgetLogLevel(): void {
  cachedLevel = -1;
}

function hostLevel(): u32 {
  if (cachedLevel >= 0) return <u32>cachedLevel;
  store<u32>(RET_EXTRA, <u32>LogLevel.Trace);
  let level = <u32>LogLevel.Trace; // unknown: log everything
  if (proxy_get_log_level(RET_EXTRA) == 0) level = load<u32>(RET_EXTRA);
  cachedLevel = <i32>level;
  return level;
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
