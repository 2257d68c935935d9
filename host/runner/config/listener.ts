// static_resources.listeners[]: address, one filter chain holding one HttpConnectionManager,
// its route_config and its http_filters (wasm filters, then header_to_metadata filters, then the router).
import * as fs from "node:fs";
import * as path from "node:path";
import type { HeaderToMetadataConfig, WasmFilterConfig } from "../../contract.ts";
import { expectType, Fields } from "./reader.ts";
import { readRouteConfig } from "./route.ts";
import { HEADER_TO_METADATA, readHeaderToMetadata } from "./header-to-metadata.ts";
import { readAccessLogs, type AccessLogSpec } from "./access-log.ts";
import type { ListenerSpec, SocketAddressSpec } from "./types.ts";

const HCM = "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
const WASM = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";
const ROUTER = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
const STRING_VALUE = "type.googleapis.com/google.protobuf.StringValue";
const WASM_RUNTIMES = ["envoy.wasm.runtime.v8", "envoy.wasm.runtime.wamr", "envoy.wasm.runtime.wasmtime"];
const DEFAULT_BUFFER_LIMIT = 1024 * 1024;

export function readSocketAddress(f: Fields): SocketAddressSpec {
  const sa = f.message("socket_address");
  f.done();
  if (!sa) {
    f.problems.add(f.at("socket_address"), "required (pipe and envoy_internal_address are not supported)");
    return { address: "0.0.0.0", port: 0, ipv4Compat: false };
  }
  const address = sa.requiredStr("address");
  const port = sa.uint("port_value", 0, 65535);
  if (sa.has("protocol")) sa.enumOf("protocol", ["TCP"] as const, "TCP");
  const ipv4Compat = sa.bool("ipv4_compat");
  sa.done();
  return { address, port, ipv4Compat };
}

/** `baseDir`: where relative wasm paths resolve from (Envoy: its working directory). */
export function readListener(f: Fields, baseDir: string): ListenerSpec | null {
  const name = f.str("name");
  const addr = f.message("address");
  const address = addr ? readSocketAddress(addr) : null;
  if (!addr) f.problems.add(f.at("address"), "required");
  const bufferLimitBytes = f.uint("per_connection_buffer_limit_bytes", DEFAULT_BUFFER_LIMIT, 0xffffffff);

  const chains = f.messages("filter_chains");
  if (chains.length !== 1) f.problems.add(f.at("filter_chains"), "exactly one filter chain is supported");
  let hcm: ListenerSpec["hcm"] | null = null;
  let accessLogs: AccessLogSpec[] = [];
  if (chains.length > 0) {
    const chain = chains[0].f;
    chain.str("name");
    const filters = chain.messages("filters");
    if (filters.length !== 1) chain.problems.add(chain.at("filters"), "exactly one network filter (the http_connection_manager) is supported");
    if (filters.length > 0) {
      const nf = filters[0].f;
      nf.str("name");
      const tc = nf.message("typed_config");
      if (!tc) nf.problems.add(nf.at("typed_config"), "required");
      else if (expectType(tc, HCM)) ({ hcm, accessLogs } = readHcm(tc, bufferLimitBytes, baseDir));
      else tc.done();
      nf.done();
    }
    chain.done();
  }
  f.done();
  if (!address || !hcm) return null;
  return { name: name === "" ? `listener_${address.port}` : name, address, hcm, accessLogs };
}

function readHcm(f: Fields, bufferLimitBytes: number, baseDir: string): { hcm: ListenerSpec["hcm"]; accessLogs: AccessLogSpec[] } {
  const statPrefix = f.requiredStr("stat_prefix");
  // AUTO serves HTTP/1.1 here, which is what every HTTP/1 client gets from Envoy too.
  f.enumOf("codec_type", ["AUTO", "HTTP1"] as const, "AUTO");

  const filters: WasmFilterConfig[] = [];
  const filterNames = new Set<string>(); // http_filters[].name, what routes disable filters by
  const list = f.messages("http_filters");
  let routerSeen = false;
  const headerToMetadata: HeaderToMetadataConfig[] = [];
  for (const { f: hf, index } of list) {
    const name = hf.requiredStr("name");
    if (filterNames.has(name)) hf.problems.add(hf.at("name"), `duplicate http filter name ${name}`);
    filterNames.add(name);
    const tc = hf.message("typed_config");
    if (!tc) {
      hf.problems.add(hf.at("typed_config"), "required");
    } else {
      const type = tc.str("@type");
      if (type === ROUTER) {
        routerSeen = true;
        if (index !== list.length - 1) hf.problems.add(hf.path, "the router must be the last http filter");
        tc.done();
      } else if (type === WASM) {
        if (headerToMetadata.length > 0) hf.problems.add(hf.path, "a wasm filter after header_to_metadata: not supported by the local runner (header_to_metadata filters must come after every wasm filter, right before the router)");
        const wasm = readWasmFilter(tc, baseDir);
        if (wasm) filters.push({ ...wasm, filterName: name });
      } else if (type === HEADER_TO_METADATA) {
        headerToMetadata.push(readHeaderToMetadata(tc, name));
      } else {
        tc.problems.add(tc.at("@type"), `${type || "(missing)"}: not supported by the local runner (only wasm filters, header_to_metadata and the router)`);
        tc.done();
      }
    }
    hf.done();
  }
  if (!routerSeen) f.problems.add(f.at("http_filters"), "envoy.filters.http.router must be the last filter");

  const rc = f.message("route_config");
  if (!rc) f.problems.add(f.at("route_config"), "required (rds is not supported)");
  const routeConfig = rc ? readRouteConfig(rc, filterNames) : { name: "", virtualHosts: [] };
  const accessLogs = readAccessLogs(f);
  f.done();
  const hcm: ListenerSpec["hcm"] = { statPrefix, routeConfig, filters, bufferLimitBytes };
  if (headerToMetadata.length > 0) hcm.headerToMetadata = headerToMetadata;
  return { hcm, accessLogs };
}

/** envoy.extensions.filters.http.wasm.v3.Wasm -> WasmFilterConfig */
function readWasmFilter(tc: Fields, baseDir: string): WasmFilterConfig | null {
  const config = tc.message("config");
  tc.done();
  if (!config) {
    tc.problems.add(tc.at("config"), "required");
    return null;
  }
  const name = config.str("name");
  const rootId = config.str("root_id");
  const configuration = readStringValue(config, "configuration");
  let failOpen = config.bool("fail_open");
  // By name only: FAIL_RELOAD sits between these in the proto, so numbers would not map here.
  const policy = config.raw("failure_policy");
  if (policy === "FAIL_OPEN" || policy === "FAIL_CLOSED") failOpen = policy === "FAIL_OPEN";
  else if (policy !== undefined && policy !== "UNSPECIFIED")
    config.problems.add(config.at("failure_policy"), "expected FAIL_CLOSED or FAIL_OPEN (FAIL_RELOAD is not supported by the local runner)");
  const allowOnHeadersStopIteration = config.bool("allow_on_headers_stop_iteration");

  let vmId = "";
  let vmConfiguration = "";
  let wasmPath = "";
  const vm = config.message("vm_config");
  if (!vm) {
    config.problems.add(config.at("vm_config"), "required");
  } else {
    vmId = vm.str("vm_id");
    const runtime = vm.requiredStr("runtime");
    if (runtime !== "" && !WASM_RUNTIMES.includes(runtime))
      vm.problems.add(vm.at("runtime"), `${runtime}: expected one of ${WASM_RUNTIMES.join(", ")}`);
    vmConfiguration = readStringValue(vm, "configuration");
    vm.bool("allow_precompiled"); // the runner always compiles; harmless
    wasmPath = readCodePath(vm, baseDir);
    vm.done();
  }
  config.done();
  return {
    name,
    rootId,
    vmId,
    configuration,
    vmConfiguration,
    failOpen,
    allowOnHeadersStopIteration,
    wasmPath,
  };
}

function readCodePath(vm: Fields, baseDir: string): string {
  const code = vm.message("code");
  if (!code) {
    vm.problems.add(vm.at("code"), "required");
    return "";
  }
  const local = code.message("local");
  code.done();
  if (!local) {
    code.problems.add(code.at("local"), "required (remote code is not supported)");
    return "";
  }
  const filename = local.requiredStr("filename");
  local.done();
  if (filename === "") return "";
  const resolved = path.resolve(baseDir, filename);
  if (!fs.existsSync(resolved))
    local.problems.add(local.at("filename"), `${filename}: file not found (resolved to ${resolved}; build it with make build)`);
  return resolved;
}

/** An Any holding google.protobuf.StringValue; "" when absent. */
function readStringValue(f: Fields, name: string): string {
  const any = f.message(name);
  if (!any) return "";
  let value = "";
  if (expectType(any, STRING_VALUE)) value = any.str("value");
  any.done();
  return value;
}

