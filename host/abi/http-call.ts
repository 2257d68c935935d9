// proxy_http_call (cpp-host exports.cc http_call; behaviour in ../http-call.ts).

import { WasmResult } from "../enums.ts";
import { decodePairs } from "../memory.ts";
import { httpCall } from "../http-call.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const httpCallGroup: HostGroup = {
  module: "env",
  signatures: { proxy_http_call: sig(10) },
  make(vm) {
    return {
      proxy_http_call: guard(
        (up: number, us: number, hp: number, hs: number, bp: number, bs: number, tp: number, ts: number, timeout: number, tokenPtr: number) => {
          const root = vm.effective().root;
          const cluster = vm.mem.readLatin1(up, us);
          const body = vm.mem.readBytes(bp, bs);
          const headers = decodePairs(vm.mem.view(hp, hs));
          const trailers = decodePairs(vm.mem.view(tp, ts));
          // Write the token once first to check the pointer before starting anything.
          vm.mem.writeU32(tokenPtr, 0);
          const r = httpCall(root, cluster, headers, body, trailers, timeout | 0);
          vm.mem.writeU32(tokenPtr, r.token);
          return r.result;
        },
      ),
    };
  },
};
