// Turns a guest memory fault inside a host function into a return code (cpp-host returns
// InvalidMemoryAccess when getMemory/setWord fail; WASI functions return EFAULT instead).

import { MemoryFault } from "../memory.ts";
import { WasmResult } from "../enums.ts";

type HostFn = (...args: any[]) => any;

export function guard(fn: HostFn, faultCode: number = WasmResult.InvalidMemoryAccess): HostFn {
  const fault = (err: unknown): number => {
    if (err instanceof MemoryFault) return faultCode;
    throw err;
  };
  // A wrapper with exactly the handler's parameter count: the module calls it with that many
  // arguments, so V8 neither pads nor adapts them (measurable: every ABI call goes through here).
  switch (fn.length) {
    case 0:
      return function () { try { return fn(); } catch (err) { return fault(err); } };
    case 1:
      return function (a: any) { try { return fn(a); } catch (err) { return fault(err); } };
    case 2:
      return function (a: any, b: any) { try { return fn(a, b); } catch (err) { return fault(err); } };
    case 3:
      return function (a: any, b: any, c: any) { try { return fn(a, b, c); } catch (err) { return fault(err); } };
    case 4:
      return function (a: any, b: any, c: any, d: any) { try { return fn(a, b, c, d); } catch (err) { return fault(err); } };
    case 5:
      return function (a: any, b: any, c: any, d: any, e: any) { try { return fn(a, b, c, d, e); } catch (err) { return fault(err); } };
    case 6:
      return function (a: any, b: any, c: any, d: any, e: any, f: any) { try { return fn(a, b, c, d, e, f); } catch (err) { return fault(err); } };
  }
  // Fixed parameters (no rest array): ABI functions take at most 12 arguments.
  return function (a: any, b: any, c: any, d: any, e: any, f: any, g: any, h: any, i: any, j: any, k: any, l: any) {
    try {
      return fn(a, b, c, d, e, f, g, h, i, j, k, l);
    } catch (err) {
      return fault(err);
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
