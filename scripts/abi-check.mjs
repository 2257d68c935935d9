#!/usr/bin/env node
// Checks that a .wasm links on Envoy (proxy-wasm ABI 0.2.1) or, with --higress, on Higress:
//  - the ABI marker export (proxy_abi_version_0_2_1; Higress builds: proxy_abi_version_0_2_100);
//  - every import is a function from module "env" in the host's set, with the host's signature
//    (no WASI, no env.abort / env.seed / env.Date.now; Higress extras only with --higress);
//  - the callbacks the host calls are exported with their ABI signatures, plus memory and malloc.
// Facts: shared/reference/proxy-wasm-envoy.md (Envoy's import table, cpp-host exports.cc).
// Usage: node scripts/abi-check.mjs [--higress] file.wasm...
//        node scripts/abi-check.mjs            (checks dist/*.wasm and dist/higress/*.wasm)
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const i32 = 'i32', i64 = 'i64';
const sig = (params, results = [i32]) => ({ params, results });
const n = (count) => Array(count).fill(i32);

/** Host functions Envoy provides in module env (ABI 0.2.1), all returning a WasmResult (i32). */
export const ENVOY_IMPORTS = {
  proxy_log: sig(n(3)), proxy_get_log_level: sig(n(1)),
  proxy_get_current_time_nanoseconds: sig(n(1)), proxy_set_tick_period_milliseconds: sig(n(1)),
  proxy_get_buffer_bytes: sig(n(5)), proxy_set_buffer_bytes: sig(n(5)), proxy_get_buffer_status: sig(n(3)),
  proxy_get_header_map_pairs: sig(n(3)), proxy_set_header_map_pairs: sig(n(3)),
  proxy_get_header_map_value: sig(n(5)), proxy_add_header_map_value: sig(n(5)),
  proxy_replace_header_map_value: sig(n(5)), proxy_remove_header_map_value: sig(n(3)),
  proxy_get_header_map_size: sig(n(2)),
  proxy_continue_stream: sig(n(1)), proxy_close_stream: sig(n(1)), proxy_send_local_response: sig(n(8)),
  proxy_http_call: sig(n(10)), proxy_get_status: sig(n(3)),
  proxy_grpc_call: sig(n(12)), proxy_grpc_stream: sig(n(9)), proxy_grpc_send: sig(n(4)),
  proxy_grpc_cancel: sig(n(1)), proxy_grpc_close: sig(n(1)),
  proxy_get_shared_data: sig(n(5)), proxy_set_shared_data: sig(n(5)),
  proxy_register_shared_queue: sig(n(3)), proxy_resolve_shared_queue: sig(n(5)),
  proxy_enqueue_shared_queue: sig(n(3)), proxy_dequeue_shared_queue: sig(n(3)),
  proxy_define_metric: sig(n(4)), proxy_increment_metric: sig([i32, i64]), proxy_record_metric: sig([i32, i64]),
  proxy_get_metric: sig(n(2)),
  proxy_get_property: sig(n(4)), proxy_set_property: sig(n(4)),
  proxy_set_effective_context: sig(n(1)), proxy_done: sig([]), proxy_call_foreign_function: sig(n(6)),
};

/** Extra host functions of Higress's Envoy (higress-group/proxy-wasm-go-sdk abi_hostcalls.go). */
export const HIGRESS_IMPORTS = {
  proxy_redis_init: sig(n(7)), proxy_redis_call: sig(n(5)),
};

/** Callbacks: signature when exported; `required` ones must be exported for an HTTP filter. */
const CALLBACKS = {
  malloc: { ...sig(n(1)), required: true },
  proxy_on_context_create: { ...sig(n(2), []), required: true },
  proxy_on_vm_start: { ...sig(n(2)), required: true },
  proxy_on_configure: { ...sig(n(2)), required: true },
  proxy_validate_configuration: sig(n(2)),
  proxy_on_tick: sig(n(1), []),
  proxy_on_request_headers: { ...sig(n(3)), required: true },
  proxy_on_request_body: { ...sig(n(3)), required: true },
  proxy_on_request_trailers: sig(n(2)),
  proxy_on_response_headers: { ...sig(n(3)), required: true },
  proxy_on_response_body: { ...sig(n(3)), required: true },
  proxy_on_response_trailers: sig(n(2)),
  proxy_on_http_call_response: sig(n(5), []),
  proxy_on_queue_ready: sig(n(2), []),
  proxy_on_foreign_function: sig(n(3), []),
  proxy_on_log: { ...sig(n(1), []), required: true },
  proxy_on_done: { ...sig(n(1)), required: true },
  proxy_on_delete: { ...sig(n(1), []), required: true },
  proxy_on_redis_call_response: sig(n(4), []),
};

const VALTYPE = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'funcref', 0x6f: 'externref' };
const KIND = ['func', 'table', 'memory', 'global', 'tag'];

/** Reads the type, import, function and export sections of a module. Throws on a malformed one. */
export function parseModule(bytes) {
  const buf = Buffer.from(bytes);
  if (buf.length < 8 || buf.readUInt32LE(0) !== 0x6d736100 || buf.readUInt32LE(4) !== 1) {
    throw new Error('not a wasm module (bad magic or version)');
  }
  let pos = 8;
  const byte = () => {
    if (pos >= buf.length) throw new Error('truncated module');
    return buf[pos++];
  };
  const uleb = () => {
    let result = 0, shift = 0, b;
    do { b = byte(); result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    return result;
  };
  const str = () => { const len = uleb(); const s = buf.toString('utf8', pos, pos + len); pos += len; return s; };
  const limits = () => { const flags = uleb(); uleb(); if (flags & 1) uleb(); };
  const types = [], imports = [], funcTypes = [], exports = [];
  while (pos < buf.length) {
    const id = byte(); const size = uleb(); const end = pos + size;
    if (id === 1) {
      for (let count = uleb(); count > 0; count--) {
        if (byte() !== 0x60) throw new Error('unsupported type form');
        const params = []; for (let k = uleb(); k > 0; k--) params.push(VALTYPE[byte()] ?? '?');
        const results = []; for (let k = uleb(); k > 0; k--) results.push(VALTYPE[byte()] ?? '?');
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let count = uleb(); count > 0; count--) {
        const module = str(), name = str(), kind = byte();
        let type = null;
        if (kind === 0) type = uleb();
        else if (kind === 1) { byte(); limits(); }
        else if (kind === 2) limits();
        else if (kind === 3) { byte(); byte(); }
        else if (kind === 4) { byte(); uleb(); }
        imports.push({ module, name, kind: KIND[kind] ?? String(kind), type });
      }
    } else if (id === 3) {
      for (let count = uleb(); count > 0; count--) funcTypes.push(uleb());
    } else if (id === 7) {
      for (let count = uleb(); count > 0; count--) {
        const name = str(), kind = byte(), index = uleb();
        exports.push({ name, kind: KIND[kind] ?? String(kind), index });
      }
    }
    pos = end;
  }
  const importedFuncs = imports.filter((i) => i.kind === 'func');
  const funcSig = (index) => index < importedFuncs.length
    ? types[importedFuncs[index].type] : types[funcTypes[index - importedFuncs.length]];
  return {
    imports: imports.map((i) => ({ ...i, sig: i.kind === 'func' ? types[i.type] : null })),
    exports: exports.map((e) => ({ ...e, sig: e.kind === 'func' ? funcSig(e.index) : null })),
  };
}

const show = (s) => `(${s.params.join(', ')}) -> (${s.results.join(', ')})`;
const same = (a, b) => a.params.join() === b.params.join() && a.results.join() === b.results.join();

/** Returns the list of problems (empty = links) and the parsed module. */
export function checkModule(bytes, { higress = false } = {}) {
  const problems = [];
  let mod;
  try { mod = parseModule(bytes); } catch (e) { return { problems: [String(e.message)], module: null }; }
  const allowed = higress ? { ...ENVOY_IMPORTS, ...HIGRESS_IMPORTS } : ENVOY_IMPORTS;
  for (const im of mod.imports) {
    const name = `${im.module}.${im.name}`;
    if (im.kind !== 'func') { problems.push(`import ${name} is a ${im.kind}; only host functions may be imported`); continue; }
    if (im.module !== 'env') { problems.push(`import ${name}: only module "env" is allowed (no WASI)`); continue; }
    const want = allowed[im.name];
    if (!want) {
      const why = HIGRESS_IMPORTS[im.name] ? 'only Higress provides it (build it from higress.ts)' : `not in ${higress ? 'Higress' : 'Envoy'}'s proxy-wasm 0.2.1 set`;
      problems.push(`import ${name}: ${why}`);
      continue;
    }
    if (!same(im.sig, want)) problems.push(`import ${name} is ${show(im.sig)}, the host has ${show(want)}`);
  }
  const exported = new Map(mod.exports.map((e) => [e.name, e]));
  const marker = higress ? 'proxy_abi_version_0_2_100' : 'proxy_abi_version_0_2_1';
  const other = higress ? 'proxy_abi_version_0_2_1' : 'proxy_abi_version_0_2_100';
  if (!exported.has(marker)) problems.push(`missing ABI marker export ${marker}`);
  if (exported.has(other)) problems.push(`unexpected ABI marker ${other} in a ${higress ? 'Higress' : 'Envoy'} build`);
  if (exported.get('memory')?.kind !== 'memory') problems.push('missing export memory');
  for (const [name, want] of Object.entries(CALLBACKS)) {
    const e = exported.get(name);
    if (!e) { if (want.required) problems.push(`missing export ${name}`); continue; }
    if (e.kind !== 'func') { problems.push(`export ${name} is a ${e.kind}, expected a function`); continue; }
    if (!same(e.sig, want)) problems.push(`export ${name} is ${show(e.sig)}, the host calls it as ${show(want)}`);
  }
  if (higress && mod.imports.some((i) => i.name === 'proxy_redis_call') && !exported.has('proxy_on_redis_call_response')) {
    problems.push('imports proxy_redis_call but does not export proxy_on_redis_call_response');
  }
  return { problems, module: mod };
}

/** Checks one file; prints one line; returns true when it links. */
export function checkFile(file, options = {}) {
  const bytes = readFileSync(file);
  const { problems, module } = checkModule(bytes, options);
  const target = options.higress ? 'higress' : 'envoy';
  if (problems.length) {
    console.error(`${relative(process.cwd(), file) || file}: FAILS ABI check (${target}):\n  - ${problems.join('\n  - ')}`);
    return false;
  }
  const count = module.imports.length;
  console.log(`${relative(process.cwd(), file) || file}: ok (${target}), ${count} imports, ${bytes.length} bytes`);
  return true;
}

function main(argv) {
  const higress = argv.includes('--higress');
  let files = argv.filter((a) => !a.startsWith('--')).map((f) => ({ file: f, higress }));
  if (files.length === 0) {
    const list = (dir) => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.wasm')).sort().map((f) => join(dir, f)) : []);
    files = [...list('dist').map((f) => ({ file: f, higress: false })), ...list(join('dist', 'higress')).map((f) => ({ file: f, higress: true }))];
    if (files.length === 0) { console.log('abi-check: no dist/*.wasm to check'); return 0; }
  }
  let ok = true;
  for (const f of files) ok = checkFile(f.file, { higress: f.higress }) && ok;
  return ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(main(process.argv.slice(2)));
