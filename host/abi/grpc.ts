// proxy_grpc_* are linked because Envoy links them, but this host has no gRPC client:
// - grpc_call / grpc_stream with a service that is not a known cluster: ParseFailure (as Envoy);
//   with a known cluster: Unimplemented;
// - grpc_cancel / grpc_close / grpc_send on any token: NotFound (no such call), or BadArgument
//   for grpc_send on a token that is not a stream id (stream ids are even in Envoy).

import { WasmResult } from "../enums.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const grpcGroup: HostGroup = {
  module: "env",
  signatures: {
    proxy_grpc_call: sig(12),
    proxy_grpc_stream: sig(9),
    proxy_grpc_cancel: sig(1),
    proxy_grpc_close: sig(1),
    proxy_grpc_send: sig(4),
  },
  make(vm) {
    const start = (sp: number, ss: number): WasmResult => {
      const service = vm.mem.readLatin1(sp, ss);
      return vm.env.services.clusters.has(service) ? WasmResult.Unimplemented : WasmResult.ParseFailure;
    };
    return {
      proxy_grpc_call: guard((sp: number, ss: number) => start(sp, ss)),
      proxy_grpc_stream: guard((sp: number, ss: number) => start(sp, ss)),
      proxy_grpc_cancel: guard(() => WasmResult.NotFound),
      proxy_grpc_close: guard(() => WasmResult.NotFound),
      proxy_grpc_send: guard((token: number) => (token >>> 0 !== 0 && (token & 1) === 0 ? WasmResult.NotFound : WasmResult.BadArgument)),
    };
  },
};
