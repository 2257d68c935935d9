// Turns a guest memory fault inside a host function into a return code (cpp-host returns
// InvalidMemoryAccess when getMemory/setWord fail; WASI functions return EFAULT instead).

import { MemoryFault } from "../memory.ts";
import { WasmResult } from "../enums.ts";

type HostFn = (...args: any[]) => any;

export function guard(fn: HostFn, faultCode: number = WasmResult.InvalidMemoryAccess): HostFn {
  // Fixed parameters (no rest array): ABI functions take at most 12 arguments.
  return function (a: any, b: any, c: any, d: any, e: any, f: any, g: any, h: any, i: any, j: any, k: any, l: any) {
    try {
      return fn(a, b, c, d, e, f, g, h, i, j, k, l);
    } catch (err) {
      if (err instanceof MemoryFault) return faultCode;
      throw err;
    }
  };
}

/** A group of host functions: signatures (for the link check) and a factory per VM. */
export interface HostGroup {
  module: string;
  /** name -> "i32,i64->i32" */
  signatures: Record<string, string>;
  make(vm: import("../vm.ts").WasmVm): Record<string, HostFn>;
}

export const sig = (n: number, result = "i32"): string => `${Array(n).fill("i32").join(",")}->${result}`;
