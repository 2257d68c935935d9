// The WASI subset Envoy provides under both "wasi_unstable" and "wasi_snapshot_preview1"
// (cpp-host exports.cc wasi_unstable_*), plus env.pthread_equal and
// env.emscripten_notify_memory_growth. stdout/stderr become info/error log lines (trailing newline
// removed); no files, no arguments, no environment variables; proc_exit only logs. Memory faults
// return EFAULT (21).

import { randomFillSync } from "node:crypto";
import { WASI_RANDOM_GET_MAX_BYTES } from "../limits.ts";
import { guard, sig, type HostGroup } from "./guard.ts";
import { logSource } from "./log.ts";
import type { WasmVm } from "../vm.ts";

const EBADF = 8;
const EFAULT = 21;
const EINVAL = 28;
const ENOENT = 44;
const ENOSYS = 52;
const ENOTSUP = 58;

const WASI_SIGNATURES: Record<string, string> = {
  fd_write: sig(4),
  fd_read: sig(4),
  fd_seek: "i32,i64,i32,i32->i32",
  fd_close: sig(1),
  fd_fdstat_get: sig(2),
  fd_prestat_get: sig(2),
  fd_prestat_dir_name: sig(3),
  path_open: "i32,i32,i32,i32,i32,i64,i64,i32,i32->i32",
  environ_get: sig(2),
  environ_sizes_get: sig(2),
  args_get: sig(2),
  args_sizes_get: sig(2),
  clock_time_get: "i32,i64,i32->i32",
  random_get: sig(2),
  proc_exit: "i32->",
};

function makeWasi(vm: WasmVm): Record<string, (...a: any[]) => any> {
  const mem = () => vm.mem;
  const logger = vm.env.services.logger;
  const g = (fn: (...a: any[]) => any) => guard(fn, EFAULT);
  return {
    fd_write: g((fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) => {
      const level = fd === 1 ? 2 : fd === 2 ? 4 : -1;
      if (level < 0) return EBADF;
      const m = mem();
      let s = "";
      for (let i = 0; i < iovsLen >>> 0; i++) {
        const buf = m.readU32(iovs + i * 8);
        const len = m.readU32(iovs + i * 8 + 4);
        if (len) s += m.readUtf8(buf, len);
      }
      const written = Buffer.byteLength(s);
      if (written) {
        if (s.endsWith("\n")) s = s.slice(0, -1);
        if (level >= vm.logLevel()) logger.log(level, logSource(vm.effective().logPrefix()), s);
      }
      m.writeU32(nwrittenPtr, written);
      return 0;
    }),
    fd_read: g(() => ENOSYS),
    fd_seek: g(() => {
      logger.log(0, "wasm", "wasi_unstable fd_seek");
      return 0;
    }),
    fd_close: g(() => {
      logger.log(0, "wasm", "wasi_unstable fd_close");
      return 0;
    }),
    fd_fdstat_get: g((fd: number, statPtr: number) => {
      if (fd !== 1 && fd !== 2) return EBADF;
      const m = mem();
      m.check(statPtr, 24);
      m.writeU64(statPtr, 0n);
      m.writeU64(statPtr + 8, 64n); // fs_rights_base = FD_WRITE
      m.writeU64(statPtr + 16, 0n);
      return 0;
    }),
    fd_prestat_get: g(() => EBADF),
    fd_prestat_dir_name: g(() => ENOSYS),
    path_open: g(() => ENOENT),
    environ_get: g(() => 0),
    environ_sizes_get: g((countPtr: number, sizePtr: number) => {
      mem().writeU32(countPtr, 0);
      mem().writeU32(sizePtr, 0);
      return 0;
    }),
    args_get: g(() => 0),
    args_sizes_get: g((argcPtr: number, sizePtr: number) => {
      mem().writeU32(argcPtr, 0);
      mem().writeU32(sizePtr, 0);
      return 0;
    }),
    clock_time_get: g((clockId: number, _precision: bigint, resultPtr: number) => {
      let t: bigint;
      if (clockId === 0) t = vm.clock.nowNanos();
      else if (clockId === 1) t = process.hrtime.bigint();
      else return ENOTSUP;
      mem().writeU64(resultPtr, t);
      return 0;
    }),
    random_get: g((ptr: number, len: number) => {
      len >>>= 0;
      if (len > WASI_RANDOM_GET_MAX_BYTES) return EINVAL;
      if (len === 0) return 0;
      randomFillSync(mem().view(ptr, len));
      return 0;
    }),
    proc_exit: g(() => {
      logger.log(0, "wasm", "wasi_unstable proc_exit");
    }),
  };
}

function makeGroup(module: string): HostGroup {
  return { module, signatures: WASI_SIGNATURES, make: makeWasi };
}

export const wasiUnstableGroup = makeGroup("wasi_unstable");
export const wasiPreview1Group = makeGroup("wasi_snapshot_preview1");

export const envMiscGroup: HostGroup = {
  module: "env",
  signatures: { pthread_equal: sig(2), emscripten_notify_memory_growth: "i32->" },
  make() {
    return {
      pthread_equal: (a: number, b: number) => (a === b ? 1 : 0),
      emscripten_notify_memory_growth: () => {},
    };
  },
};
