// Test-side workaround for a host bug (reported to the host owner): host/memory.ts re-makes its
// memory views only after a call into the module returns, but a module's own allocations can
// grow memory DURING a call (memory.grow detaches the old ArrayBuffer), so host functions called
// later in that same call (proxy_log, proxy_send_local_response, ...) see a zero-length view and
// fail with InvalidMemoryAccess - silently dropping a local reply. cpp-host looks the memory up
// on every access. This wraps each GuestMemory accessor with sync() first; sync() is idempotent,
// so the shim is harmless once host/memory.ts does the same.
import { GuestMemory } from "../../host/memory.ts";

const ACCESSORS = [
  "check", "view", "readBytes", "readLatin1", "readUtf8", "readU32", "writeU32", "writeU64",
  "writeBytes", "returnBytes", "returnLatin1", "returnPairs", "readPairs",
] as const;

const proto = GuestMemory.prototype as unknown as Record<string, unknown> & { __airlShim?: boolean };
if (!proto.__airlShim) {
  proto.__airlShim = true;
  for (const name of ACCESSORS) {
    const orig = proto[name];
    if (typeof orig !== "function") continue;
    proto[name] = function (this: GuestMemory, ...args: unknown[]) {
      this.sync();
      return (orig as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
}
