// Higress-only imports (linked for modules exporting proxy_abi_version_0_2_100):
// proxy_redis_init, proxy_redis_call (../redis.ts), proxy_get_upstream_hosts and
// proxy_set_upstream_override_host (this host's cluster contract cannot list or pin endpoints:
// they answer Unimplemented).

import { WasmResult } from "../enums.ts";
import { redisCall, redisInit } from "../redis.ts";
import { guard, sig, type HostGroup } from "./guard.ts";

export const redisGroup: HostGroup = {
  module: "env",
  signatures: {
    proxy_redis_init: sig(7),
    proxy_redis_call: sig(5),
    proxy_get_upstream_hosts: sig(4),
    proxy_set_upstream_override_host: sig(2),
  },
  make(vm) {
    return {
      proxy_redis_init: guard((cp: number, cs: number, up: number, us: number, pp: number, ps: number, timeout: number) => {
        const cluster = vm.mem.readLatin1(cp, cs);
        const user = vm.mem.readLatin1(up, us);
        const pass = vm.mem.readLatin1(pp, ps);
        return redisInit(vm, cluster, user, pass, timeout >>> 0);
      }),
      proxy_redis_call: guard((cp: number, cs: number, qp: number, qs: number, tokenPtr: number) => {
        const root = vm.effective().root;
        const cluster = vm.mem.readLatin1(cp, cs);
        const query = vm.mem.readBytes(qp, qs);
        vm.mem.writeU32(tokenPtr, 0);
        const r = redisCall(root, cluster, query);
        vm.mem.writeU32(tokenPtr, r.token);
        return r.result;
      }),
      proxy_get_upstream_hosts: guard((cp: number, cs: number) => {
        vm.mem.check(cp, cs);
        return WasmResult.Unimplemented;
      }),
      proxy_set_upstream_override_host: guard((hp: number, hs: number) => {
        vm.mem.check(hp, hs);
        return WasmResult.Unimplemented;
      }),
    };
  },
};
