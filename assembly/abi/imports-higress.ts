// Host functions only Higress's Envoy provides. Plain Envoy refuses a module importing any of
// these, so only code reached from a plugin's higress.ts entry may call them.
// Signatures: higress-group/proxy-wasm-go-sdk proxywasm/internal/abi_hostcalls.go (see
// shared/reference/higress.md). proxy_get_upstream_hosts / proxy_set_upstream_override_host are
// not declared: no plugin needs them and their wire format is not in our references.

@external("env", "proxy_redis_init")
export declare function proxy_redis_init(clusterPtr: usize, clusterSize: usize, usernamePtr: usize, usernameSize: usize, passwordPtr: usize, passwordSize: usize, timeoutMs: u32): u32;
@external("env", "proxy_redis_call")
export declare function proxy_redis_call(clusterPtr: usize, clusterSize: usize, queryPtr: usize, querySize: usize, retTokenPtr: usize): u32;
