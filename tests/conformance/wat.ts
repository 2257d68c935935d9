// Hand-written WAT test modules, compiled with the wabt npm package (no SDK involved).
//
// module({ imports, body }) wraps `body` with: the requested env imports (signatures taken from
// the host's link table), an exported 1-page memory, a bump `malloc` that grows memory when it
// runs past the end (so every ABI call that allocates can move the memory), and the ABI marker.
// Conventions used by the tests: strings as data segments below 0x1000, result slots from
// R = 0x1000 (i32 each), out-pointer pairs from P = 0x2000, heap from 0x8000.

import wabtInit from "wabt";
import { hostSignature } from "../../host/abi/table.ts";
import type { WasmVm } from "../../host/vm.ts";

export const R = 0x1000;
export const P = 0x2000;

type Wabt = Awaited<ReturnType<typeof wabtInit>>;
let wabt: Promise<Wabt> | null = null;

export interface ModuleSpec {
  /** ABI marker: default "0_2_1"; null = none */
  abi?: "0_2_0" | "0_2_1" | "0_2_100" | "0_1_0" | null;
  /** env function names to import (as $name) */
  imports?: string[];
  /** raw extra import lines */
  rawImports?: string;
  /** module fields: funcs, data, exports */
  body: string;
  /** leave out malloc */
  noMalloc?: boolean;
}

function watSig(sig: string): string {
  const [p, r] = sig.split("->");
  const params = p ? `(param ${p.split(",").join(" ")})` : "";
  const result = r ? `(result ${r})` : "";
  return `${params} ${result}`;
}

export function moduleText(spec: ModuleSpec): string {
  const abi = spec.abi === undefined ? "0_2_1" : spec.abi;
  const lookupAbi = abi === null || abi === "0_1_0" ? "0_2_1" : abi;
  const imports = (spec.imports ?? [])
    .map((n) => {
      const sig = hostSignature(lookupAbi, "env", n);
      if (!sig) throw new Error(`no host signature for env.${n} (ABI ${lookupAbi})`);
      return `  (import "env" "${n}" (func $${n} ${watSig(sig)}))`;
    })
    .join("\n");
  const malloc = spec.noMalloc
    ? ""
    : `
  (global $heap (mut i32) (i32.const 0x8000))
  (func $malloc (export "malloc") (param $n i32) (result i32)
    (local $p i32) (local $need i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $n)) (i32.const 7)) (i32.const -8)))
    (local.set $need (i32.sub (global.get $heap) (i32.mul (memory.size) (i32.const 65536))))
    (if (i32.gt_s (local.get $need) (i32.const 0))
      (then (drop (memory.grow (i32.add (i32.div_u (local.get $need) (i32.const 65536)) (i32.const 1))))))
    (local.get $p))`;
  const marker = abi === null ? "" : `  (func (export "proxy_abi_version_${abi}"))`;
  return `(module
${imports}
${spec.rawImports ?? ""}
  (memory (export "memory") 1)
${malloc}
${marker}
${spec.body}
)`;
}

export async function wat(spec: ModuleSpec | string): Promise<Uint8Array> {
  wabt ??= wabtInit();
  const w = await wabt;
  const text = typeof spec === "string" ? spec : moduleText(spec);
  const m = w.parseWat("test.wat", text, { mutable_globals: true, sign_extension: true, bulk_memory: true });
  try {
    m.resolveNames();
    m.validate();
    return new Uint8Array(m.toBinary({}).buffer);
  } finally {
    m.destroy();
  }
}

/** WAT string literal of bytes or text (for data segments). */
export function str(s: string | Uint8Array): string {
  const b = typeof s === "string" ? Buffer.from(s, "latin1") : Buffer.from(s);
  let out = '"';
  for (const c of b) out += "\\" + c.toString(16).padStart(2, "0");
  return out + '"';
}

// ---- reading results out of a VM's memory ----

export function u32(vm: WasmVm, addr: number): number {
  return vm.mem.dv.getUint32(addr, true);
}
export function u64(vm: WasmVm, addr: number): bigint {
  return vm.mem.dv.getBigUint64(addr, true);
}
/** the i-th result slot (R + 4 i) */
export function slot(vm: WasmVm, i: number): number {
  return u32(vm, R + 4 * i);
}
/** bytes returned through a (ptr, size) pair stored at addr, addr + 4 */
export function returned(vm: WasmVm, addr: number): Uint8Array {
  const p = u32(vm, addr);
  const n = u32(vm, addr + 4);
  return vm.mem.u8.slice(p, p + n);
}
export function returnedText(vm: WasmVm, addr: number): string {
  return Buffer.from(returned(vm, addr)).toString("latin1");
}

// ---- a call trace kept in module memory ----

export const TRACE_AT = 0x3000;

/** WAT: (call $trace code a b) appends [code, a, b] at TRACE_AT. */
export const TRACE = `
  (global $tn (mut i32) (i32.const 0))
  (func $trace (param $code i32) (param $a i32) (param $b i32)
    (local $p i32)
    (local.set $p (i32.add (i32.const ${TRACE_AT}) (i32.mul (global.get $tn) (i32.const 12))))
    (i32.store (local.get $p) (local.get $code))
    (i32.store offset=4 (local.get $p) (local.get $a))
    (i32.store offset=8 (local.get $p) (local.get $b))
    (global.set $tn (i32.add (global.get $tn) (i32.const 1))))
  (func (export "trace_count") (result i32) (global.get $tn))`;

export function trace(vm: WasmVm): [number, number, number][] {
  const n = traceCount(vm);
  const out: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const p = TRACE_AT + i * 12;
    out.push([u32(vm, p), u32(vm, p + 4), u32(vm, p + 8)]);
  }
  return out;
}

function traceCount(vm: WasmVm): number {
  const f = vm.instanceExports.trace_count as (() => number) | undefined;
  if (!f) throw new Error("module has no trace_count export");
  return f();
}

// ---- small WAT builders ----

/** (call $fn args...): numbers become i32 constants, strings are inserted as WAT. */
export function call(fn: string, ...args: (number | string)[]): string {
  return `(call $${fn} ${args.map((a) => (typeof a === "number" ? `(i32.const ${a})` : a)).join(" ")})`;
}
/** stores expr (an i32) into result slot i */
export function st(i: number, expr: string): string {
  return `(i32.store (i32.const ${R + 4 * i}) ${expr})`;
}

/** Data segments for named strings from 0x100 up; at[name] = [ptr, len]. */
export function strings(map: Record<string, string | Uint8Array>): { wat: string; at: Record<string, [number, number]> } {
  let p = 0x100;
  const at: Record<string, [number, number]> = {};
  let text = "";
  for (const [k, v] of Object.entries(map)) {
    const len = typeof v === "string" ? Buffer.byteLength(v, "latin1") : v.length;
    at[k] = [p, len];
    text += `  (data (i32.const ${p}) ${str(v)})\n`;
    p += len + 8 - (len % 8);
    if (p >= R) throw new Error("strings overflow into the result slots");
  }
  return { wat: text, at };
}
