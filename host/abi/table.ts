// The host functions a module may import, per ABI version (cpp-host WasmBase::registerCallbacks,
// plus Higress's additions for 0_2_100), with their signatures for the link check.

import type { AbiVersion } from "../enums.ts";
import type { WasmVm } from "../vm.ts";
import type { HostGroup } from "./guard.ts";
import { sig } from "./guard.ts";
import { logGroup } from "./log.ts";
import { buffersGroup } from "./buffers.ts";
import { headersGroup } from "./headers.ts";
import { propertiesGroup } from "./properties.ts";
import { sharedDataGroup } from "./shared-data.ts";
import { queueGroup } from "./queue.ts";
import { metricsGroup } from "./metrics.ts";
import { timeGroup } from "./time.ts";
import { streamGroup } from "./stream.ts";
import { httpCallGroup } from "./http-call.ts";
import { grpcGroup } from "./grpc.ts";
import { redisGroup } from "./redis.ts";
import { envMiscGroup, wasiPreview1Group, wasiUnstableGroup } from "./wasi.ts";

const COMMON: HostGroup[] = [
  logGroup,
  buffersGroup,
  headersGroup,
  propertiesGroup,
  sharedDataGroup,
  queueGroup,
  metricsGroup,
  timeGroup,
  streamGroup,
  httpCallGroup,
  grpcGroup,
  envMiscGroup,
  wasiUnstableGroup,
  wasiPreview1Group,
];

/** Not registered for every ABI: get_log_level came with 0.2.1. */
const NOT_IN_0_2_0 = new Set(["proxy_get_log_level"]);

function groupsFor(abi: AbiVersion): HostGroup[] {
  return abi === "0_2_100" ? [...COMMON, redisGroup] : COMMON;
}

const signatureCache = new Map<AbiVersion, Map<string, string>>();

/** Signature of module.name for this ABI, or undefined when the host does not provide it. */
export function hostSignature(abi: AbiVersion, module: string, name: string): string | undefined {
  let m = signatureCache.get(abi);
  if (!m) {
    m = new Map();
    for (const g of groupsFor(abi)) {
      for (const [n, s] of Object.entries(g.signatures)) {
        if (abi === "0_2_0" && NOT_IN_0_2_0.has(n)) continue;
        m.set(`${g.module}.${n}`, s);
      }
    }
    signatureCache.set(abi, m);
  }
  return m.get(`${module}.${name}`);
}

/** The import object for one VM. */
export function buildImports(vm: WasmVm): WebAssembly.Imports {
  const imports: Record<string, Record<string, (...a: any[]) => any>> = {};
  for (const g of groupsFor(vm.abi)) {
    const fns = g.make(vm);
    const target = (imports[g.module] ??= {});
    for (const n of Object.keys(g.signatures)) target[n] = fns[n];
  }
  return imports as WebAssembly.Imports;
}

export { sig };
