// What a context knows about the plugin (one envoy.filters.http.wasm entry) it belongs to.

import type { WasmFilterConfig } from "./contract.ts";

const utf8 = new TextEncoder();

export interface PluginInfo {
  name: string;
  rootId: string;
  vmId: string;
  /** http_filters[].name, for Route.disabledFilters */
  filterName: string;
  /** plugin configuration bytes (what on_configure's size counts) */
  configuration: Uint8Array;
  failOpen: boolean;
  allowOnHeadersStopIteration: boolean;
}

export function pluginInfo(c: WasmFilterConfig): PluginInfo {
  return {
    name: c.name,
    rootId: c.rootId,
    vmId: c.vmId,
    filterName: c.filterName ?? c.name,
    configuration: utf8.encode(c.configuration),
    failOpen: c.failOpen,
    allowOnHeadersStopIteration: c.allowOnHeadersStopIteration,
  };
}
