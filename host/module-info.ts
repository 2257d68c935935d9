// Reads what the link check needs from a .wasm binary: each import with its function signature.
// (Node 20's WebAssembly.Module.imports() gives names and kinds but no signatures, and a JavaScript
// import would accept any signature, so V8-in-Envoy's "import type mismatch" needs this.)
// Binary format: https://webassembly.github.io/spec/core/binary/modules.html

export interface ImportInfo {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global" | "tag";
  /** "i32,i64->i32" for functions */
  signature?: string;
}

const VALTYPES: Record<number, string> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128", 0x70: "funcref", 0x6f: "externref" };

class Reader {
  pos = 0;
  constructor(private b: Uint8Array) {}
  byte(): number {
    if (this.pos >= this.b.length) throw new Error("unexpected end of module");
    return this.b[this.pos++];
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.byte();
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
      shift += 7;
      if (shift > 35) throw new Error("bad LEB128");
    }
  }
  name(): string {
    const n = this.u32();
    const s = new TextDecoder().decode(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
  skipLimits(): void {
    const flags = this.u32();
    this.u32();
    if (flags & 1) this.u32();
  }
}

function valtype(r: Reader): string {
  const t = r.byte();
  return VALTYPES[t] ?? `0x${t.toString(16)}`;
}

/** Imports of a module, in order, with function signatures. Throws on a malformed binary. */
export function readImports(bytes: Uint8Array): ImportInfo[] {
  const r = new Reader(bytes);
  if (bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) {
    throw new Error("not a WebAssembly binary (bad magic)");
  }
  r.pos = 8;
  const types: string[] = [];
  const imports: ImportInfo[] = [];
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const form = r.byte();
        if (form !== 0x60) throw new Error("unsupported type form");
        const params: string[] = [];
        const results: string[] = [];
        for (let p = r.u32(); p > 0; p--) params.push(valtype(r));
        for (let q = r.u32(); q > 0; q--) results.push(valtype(r));
        types.push(`${params.join(",")}->${results.join(",")}`);
      }
    } else if (id === 2) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const module = r.name();
        const name = r.name();
        const kind = r.byte();
        if (kind === 0) {
          const t = r.u32();
          imports.push({ module, name, kind: "function", signature: types[t] ?? "?" });
        } else if (kind === 1) {
          r.byte();
          r.skipLimits();
          imports.push({ module, name, kind: "table" });
        } else if (kind === 2) {
          r.skipLimits();
          imports.push({ module, name, kind: "memory" });
        } else if (kind === 3) {
          r.byte();
          r.byte();
          imports.push({ module, name, kind: "global" });
        } else if (kind === 4) {
          r.byte();
          r.u32();
          imports.push({ module, name, kind: "tag" });
        } else {
          throw new Error(`unknown import kind ${kind}`);
        }
      }
      return imports;
    } else if (id !== 0 && id > 2) {
      // Sections are ordered; past the import section there are no more imports.
      return imports;
    }
    r.pos = end;
  }
  return imports;
}
