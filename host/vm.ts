// Compiling and instantiating modules, and calling into them (cpp-host src/wasm.cc, src/v8/v8.cc).
//
// - ModuleCode: compiled once per distinct .wasm. Refused when it has no (known) ABI marker or when
//   it imports anything the host does not provide for that ABI (name or signature), with a message
//   naming the import, like Envoy's V8 link step.
// - WasmVm: one instance (one per worker per VM key). Calls go through call(), which sets the
//   current context, resets the effective context, turns a trap into a failed VM, and re-makes
//   the memory views afterwards.

import { createHash } from "node:crypto";
import type { Clock, HostServices } from "./contract.ts";
import { type AbiVersion } from "./enums.ts";
import { readImports, type ImportInfo } from "./module-info.ts";
import { GuestMemory } from "./memory.ts";
import { Context, RootContext } from "./context.ts";
import { VmMetrics } from "./metrics.ts";
import type { SharedState } from "./shared-data.ts";
import type { Dispatcher } from "./dispatcher.ts";
import type { PluginInfo } from "./plugin-info.ts";
import { buildImports, hostSignature } from "./abi/table.ts";
import { DEFAULT_LOG_LEVEL } from "./limits.ts";

export class LoadError extends Error {}

const ABI_MARKERS: Record<string, AbiVersion | "0_1_0"> = {
  proxy_abi_version_0_1_0: "0_1_0",
  proxy_abi_version_0_2_0: "0_2_0",
  proxy_abi_version_0_2_1: "0_2_1",
  proxy_abi_version_0_2_100: "0_2_100",
};

export class ModuleCode {
  readonly module: WebAssembly.Module;
  readonly abi: AbiVersion;
  readonly imports: ImportInfo[];
  readonly exportNames: Set<string>;
  /** sha256 of the bytes: part of the VM key (vm_id + vm configuration + code) */
  readonly hash: string;
  readonly label: string;

  private constructor(module: WebAssembly.Module, abi: AbiVersion, imports: ImportInfo[], hash: string, label: string) {
    this.module = module;
    this.abi = abi;
    this.imports = imports;
    this.exportNames = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    this.hash = hash;
    this.label = label;
  }

  static async compile(bytes: Uint8Array, label: string): Promise<ModuleCode> {
    let module: WebAssembly.Module;
    try {
      module = await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new LoadError(`${label}: not a valid WebAssembly module: ${(e as Error).message}`);
    }
    let abi: AbiVersion | "0_1_0" | undefined;
    for (const e of WebAssembly.Module.exports(module)) {
      abi = ABI_MARKERS[e.name];
      if (abi) break;
    }
    if (!abi) throw new LoadError(`${label}: Missing or unknown Proxy-Wasm ABI version (no proxy_abi_version_0_2_x export)`);
    if (abi === "0_1_0") throw new LoadError(`${label}: Proxy-Wasm ABI 0.1.0 is not supported by this host (0.2.x only)`);
    const imports = readImports(bytes);
    for (const imp of imports) {
      const full = `${imp.module}.${imp.name}`;
      const want = imp.kind === "function" ? hostSignature(abi, imp.module, imp.name) : undefined;
      if (want === undefined) {
        throw new LoadError(`${label}: Failed to load Wasm module due to a missing import: ${full}`);
      }
      if (want !== imp.signature) {
        throw new LoadError(
          `${label}: Failed to load Wasm module due to an import type mismatch for ${full}, want: ${imp.signature}, but host exports: ${want}`,
        );
      }
    }
    const hash = createHash("sha256").update(bytes).digest("hex");
    return new ModuleCode(module, abi, imports, hash, label);
  }
}

type Fn = (...args: any[]) => any;

/** The module's callbacks (cpp-host WasmBase::getFunctions). */
export interface ProxyExports {
  malloc?: Fn;
  proxy_on_context_create?: Fn;
  proxy_on_vm_start?: Fn;
  proxy_on_configure?: Fn;
  proxy_validate_configuration?: Fn;
  proxy_on_tick?: Fn;
  proxy_on_request_headers?: Fn;
  proxy_on_request_body?: Fn;
  proxy_on_request_trailers?: Fn;
  proxy_on_response_headers?: Fn;
  proxy_on_response_body?: Fn;
  proxy_on_response_trailers?: Fn;
  proxy_on_http_call_response?: Fn;
  proxy_on_queue_ready?: Fn;
  proxy_on_foreign_function?: Fn;
  proxy_on_done?: Fn;
  proxy_on_log?: Fn;
  proxy_on_delete?: Fn;
  proxy_on_redis_call_response?: Fn;
}

const CALLBACKS: (keyof ProxyExports)[] = [
  "proxy_on_context_create",
  "proxy_on_vm_start",
  "proxy_on_configure",
  "proxy_validate_configuration",
  "proxy_on_tick",
  "proxy_on_request_headers",
  "proxy_on_request_body",
  "proxy_on_request_trailers",
  "proxy_on_response_headers",
  "proxy_on_response_body",
  "proxy_on_response_trailers",
  "proxy_on_http_call_response",
  "proxy_on_queue_ready",
  "proxy_on_foreign_function",
  "proxy_on_done",
  "proxy_on_log",
  "proxy_on_delete",
];

export interface VmEnv {
  services: HostServices;
  shared: SharedState;
  dispatcher: Dispatcher;
}

export class WasmVm {
  readonly code: ModuleCode;
  readonly vmId: string;
  readonly vmConfiguration: Uint8Array;
  readonly env: VmEnv;
  readonly clock: Clock;
  readonly metrics: VmMetrics;
  mem!: GuestMemory;
  exports: ProxyExports = {};
  /** every export of the instance (tests read their own helpers from here) */
  instanceExports: Record<string, unknown> = {};
  failed = false;
  failMessage = "";
  readonly contexts = new Map<number, Context>();
  readonly roots = new Map<string, RootContext>();
  /** The VM context (id 0): start functions run in it. */
  readonly vmContext: RootContext;
  /** Context of the callback in progress (cpp-host current_context_). */
  current: Context;
  /** proxy_set_effective_context (reset to 0 at the start of every callback). */
  effectiveId = 0;
  /** Set by send_local_response: the current callback's status becomes Stop. */
  stopNext = false;
  nextHttpCallId = 1;
  nextRedisCallId = 1;
  /** The slot this VM serves; after a VM replacement slot.current is the new VM. */
  slot: { current: WasmVm } = { current: this };
  /** Root contexts that returned false from on_done at shutdown, until proxy_done. */
  readonly pendingDone = new Set<RootContext>();
  private nextContextId = 1;
  private inCall = 0;

  private constructor(code: ModuleCode, vmId: string, vmConfiguration: Uint8Array, env: VmEnv) {
    this.code = code;
    this.vmId = vmId;
    this.vmConfiguration = vmConfiguration;
    this.env = env;
    this.clock = env.services.clock;
    this.metrics = new VmMetrics(env.services.stats);
    this.vmContext = new RootContext(this, 0, null);
    this.contexts.set(0, this.vmContext);
    this.current = this.vmContext;
  }

  get abi(): AbiVersion {
    return this.code.abi;
  }

  /** Instantiates the module (start section runs), then _initialize / _start. Synchronous, so a
   * failed VM can be replaced between two streams. */
  static create(code: ModuleCode, vmId: string, vmConfiguration: Uint8Array, env: VmEnv): WasmVm {
    const vm = new WasmVm(code, vmId, vmConfiguration, env);
    // Host calls made by the start section see no memory yet (InvalidMemoryAccess), as in Envoy,
    // where the memory is looked up after instantiation.
    vm.mem = new GuestMemory(new WebAssembly.Memory({ initial: 0 }));
    const imports = buildImports(vm);
    let instance: WebAssembly.Instance;
    vm.inCall++;
    try {
      instance = new WebAssembly.Instance(code.module, imports);
    } catch (e) {
      throw new LoadError(`${code.label}: instantiation failed: ${(e as Error).message}`);
    } finally {
      vm.inCall--;
    }
    const ex = instance.exports as Record<string, unknown>;
    vm.instanceExports = ex;
    const memory = ex.memory;
    if (!(memory instanceof WebAssembly.Memory)) throw new LoadError(`${code.label}: Wasm module does not export its memory as "memory"`);
    vm.mem = new GuestMemory(memory);
    const malloc = (ex.malloc ?? ex.proxy_on_memory_allocate) as Fn | undefined;
    if (typeof malloc !== "function") throw new LoadError(`${code.label}: Wasm module is missing malloc function.`);
    vm.exports.malloc = malloc;
    vm.mem.malloc = (size: number) => vm.callMalloc(size);
    for (const name of CALLBACKS) if (typeof ex[name] === "function") vm.exports[name] = ex[name] as Fn;
    if (code.abi === "0_2_100" && typeof ex.proxy_on_redis_call_response === "function") {
      vm.exports.proxy_on_redis_call_response = ex.proxy_on_redis_call_response as Fn;
    }
    const start = (ex._initialize ?? ex._start ?? ex.__wasm_call_ctors) as Fn | undefined;
    if (typeof start === "function") vm.call(vm.vmContext, start);
    if (vm.failed) throw new LoadError(`${code.label}: start function failed: ${vm.failMessage}`);
    return vm;
  }

  allocContextId(): number {
    while (this.contexts.has(this.nextContextId)) this.nextContextId++;
    return this.nextContextId++;
  }

  newRootContext(info: PluginInfo): RootContext {
    const root = new RootContext(this, this.allocContextId(), info);
    this.contexts.set(root.id, root);
    this.roots.set(info.rootId, root);
    return root;
  }

  /** The context host calls act on (cpp-host contextOrEffectiveContext). */
  effective(): Context {
    if (this.effectiveId === 0) return this.current;
    return this.contexts.get(this.effectiveId) ?? this.current;
  }

  get busy(): boolean {
    return this.inCall > 0;
  }

  /**
   * Calls a module callback in ctx. A trap (or any exception) marks the VM failed and returns 0;
   * the caller checks vm.failed afterwards, as cpp-host's CHECK_FAIL does.
   */
  call(ctx: Context, fn: Fn | undefined, a?: number, b?: number, c?: number, d?: number, e?: number): number {
    if (fn === undefined || this.failed) return 0;
    const savedCtx = this.current;
    const savedEff = this.effectiveId;
    this.current = ctx;
    this.effectiveId = 0;
    this.stopNext = false;
    this.inCall++;
    let r = 0;
    try {
      r = fn(a, b, c, d, e);
    } catch (err) {
      this.fail(err);
      r = 0;
    } finally {
      this.inCall--;
      this.current = savedCtx;
      this.effectiveId = savedEff;
      this.mem.sync();
    }
    return typeof r === "number" ? r >>> 0 : 0;
  }

  private callMalloc(size: number): number {
    if (this.failed) return 0;
    this.inCall++;
    try {
      return this.exports.malloc!(size) >>> 0;
    } catch (err) {
      this.fail(err);
      return 0;
    } finally {
      this.inCall--;
      this.mem.sync();
    }
  }

  fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    const msg = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    this.failMessage = msg;
    const hostBug = !(err instanceof WebAssembly.RuntimeError) && !(err instanceof RangeError);
    this.env.services.logger.log(
      4,
      "wasm",
      `${this.code.label} (vm_id "${this.vmId}"): ${hostBug ? "host error during a call into the module" : "wasm trap"}: ${msg}` +
        (hostBug && err instanceof Error && err.stack ? `\n${err.stack}` : ""),
    );
  }

  logLevel(): number {
    return this.env.services.logger.level?.() ?? DEFAULT_LOG_LEVEL;
  }

  /** Stops every root context's timers and calls (VM replaced or host closing). */
  shutdown(): void {
    for (const r of this.roots.values()) r.shutdown();
  }
}
