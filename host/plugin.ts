// Plugin lifecycle (cpp-host createWasm / WasmBase::start / configure, ContextBase::onStart /
// onConfigure):
// 1. the .wasm is compiled once (ModuleCode: ABI marker and link check);
// 2. a configuration canary VM is started and configured, then discarded: on_vm_start or
//    on_configure returning false rejects the plugin with a message saying which;
// 3. each worker gets its own VM per VM key (vm_id + vm configuration + code), shared by every
//    plugin with that key, each plugin with its root context (by root_id): on_context_create(root,
//    0), on_vm_start(root, vm_config_size), on_configure(root, plugin_config_size);
// 4. a VM that failed (trap) is replaced before the next stream: a fresh instance, started and
//    configured again for every plugin on it.

import { readFile } from "node:fs/promises";
import { LoadError, ModuleCode, WasmVm, type VmEnv } from "./vm.ts";
import type { RootContext } from "./context.ts";
import type { PluginInfo } from "./plugin-info.ts";
import { Dispatcher } from "./dispatcher.ts";

export { LoadError };

const codeCache = new Map<string, Promise<ModuleCode>>();

/** Compiles a module once per path (or per bytes label). */
export function loadCode(source: string | Uint8Array, label?: string): Promise<ModuleCode> {
  if (typeof source !== "string") return ModuleCode.compile(source, label ?? "module");
  let p = codeCache.get(source);
  if (!p) {
    p = readFile(source).then(
      (bytes) => ModuleCode.compile(bytes, label ?? source),
      (e) => {
        throw new LoadError(`${source}: cannot read the .wasm file: ${(e as Error).message}`);
      },
    );
    codeCache.set(source, p);
    p.catch(() => codeCache.delete(source));
  }
  return p;
}

export function vmKey(code: ModuleCode, info: PluginInfo, vmConfiguration: Uint8Array): string {
  return `${info.vmId}\u0000${Buffer.from(vmConfiguration).toString("latin1")}\u0000${code.hash}`;
}

function describe(info: PluginInfo): string {
  return `plugin "${info.name}" (root_id "${info.rootId}", vm_id "${info.vmId}")`;
}

/** Starts (or restarts) the plugin's root context on vm and configures it. Throws LoadError. */
export function startPlugin(vm: WasmVm, info: PluginInfo): RootContext {
  let root = vm.roots.get(info.rootId);
  let result: { ok: boolean; what: string } = { ok: true, what: "" };
  vm.env.dispatcher.runNow(() => {
    if (!root) root = vm.newRootContext(info);
    const r = root;
    // onStart
    if (vm.exports.proxy_on_context_create) {
      vm.call(r, vm.exports.proxy_on_context_create, r.id, 0);
      r.createdInVm = true;
    }
    if (vm.exports.proxy_on_vm_start && !vm.failed) {
      const ok = vm.call(r, vm.exports.proxy_on_vm_start, r.id, vm.vmConfiguration.length) !== 0;
      if (!ok && !vm.failed) {
        result = { ok: false, what: "proxy_on_vm_start returned false" };
        return;
      }
    }
    // onConfigure
    if (vm.failed) return;
    if (!r.createdInVm && vm.exports.proxy_on_context_create) vm.call(r, vm.exports.proxy_on_context_create, r.id, 0);
    r.createdInVm = true;
    if (vm.exports.proxy_on_configure) {
      r.configuring = info.configuration;
      try {
        const ok = vm.call(r, vm.exports.proxy_on_configure, r.id, info.configuration.length) !== 0;
        if (!ok && !vm.failed) result = { ok: false, what: "proxy_on_configure returned false: the plugin rejected its configuration" };
      } finally {
        r.configuring = null;
      }
    }
  });
  if (vm.failed) throw new LoadError(`${describe(info)}: the VM failed while starting: ${vm.failMessage}`);
  if (!result.ok) throw new LoadError(`${describe(info)}: ${result.what}`);
  return root!;
}

/** One worker's VM for a VM key, replaced when it fails. */
export class VmSlot {
  readonly holder: { current: WasmVm };
  private readonly plugins: PluginInfo[] = [];

  constructor(
    readonly code: ModuleCode,
    readonly vmId: string,
    readonly vmConfiguration: Uint8Array,
    readonly env: VmEnv,
  ) {
    const vm = WasmVm.create(code, vmId, vmConfiguration, env);
    this.holder = { current: vm };
    vm.slot = this.holder;
  }

  get vm(): WasmVm {
    return this.holder.current;
  }

  addPlugin(info: PluginInfo): RootContext {
    this.plugins.push(info);
    return startPlugin(this.vm, info);
  }

  /** The VM for a new stream: a failed one is replaced first (start + configure again). */
  healthy(): WasmVm {
    const old = this.holder.current;
    if (!old.failed) return old;
    const logger = this.env.services.logger;
    logger.log(3, "wasm", `vm_id "${this.vmId}": the VM failed (${old.failMessage}); starting a new one`);
    old.shutdown();
    let vm: WasmVm;
    try {
      vm = WasmVm.create(this.code, this.vmId, this.vmConfiguration, this.env);
    } catch (e) {
      logger.log(4, "wasm", `vm_id "${this.vmId}": cannot start a new VM: ${(e as Error).message}`);
      return old;
    }
    vm.slot = this.holder;
    this.holder.current = vm;
    for (const info of this.plugins) {
      try {
        startPlugin(vm, info);
      } catch (e) {
        logger.log(4, "wasm", `${(e as Error).message} (after VM replacement)`);
        if (!vm.failed) vm.fail(new Error((e as Error).message));
        break;
      }
    }
    return vm;
  }

  shutdown(): void {
    this.holder.current.shutdown();
  }
}

/**
 * Envoy's configuration canary: a throwaway VM started and configured once, so a bad
 * configuration is refused before any worker takes traffic.
 */
export function runCanary(code: ModuleCode, info: PluginInfo, vmConfiguration: Uint8Array, env: Omit<VmEnv, "dispatcher">): void {
  const vm = WasmVm.create(code, info.vmId, vmConfiguration, { ...env, dispatcher: new Dispatcher(-1) });
  try {
    startPlugin(vm, info);
  } finally {
    vm.shutdown();
  }
}
