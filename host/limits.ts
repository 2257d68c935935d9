// Named limits and defaults, in one place (cpp-host keeps its own in include/proxy-wasm/limits.h).

/** cpp-host PROXY_WASM_HOST_PAIRS_MAX_BYTES: a larger pairs buffer decodes to an empty map. */
export const PAIRS_MAX_BYTES = 1024 * 1024;
/** cpp-host PROXY_WASM_HOST_PAIRS_MAX_COUNT: more pairs decode to an empty map. */
export const PAIRS_MAX_COUNT = 1024;
/** cpp-host PROXY_WASM_HOST_WASI_RANDOM_GET_MAX_SIZE_BYTES: larger random_get -> EINVAL. */
export const WASI_RANDOM_GET_MAX_BYTES = 64 * 1024;

/** Listener per_connection_buffer_limit_bytes default (HTTP/1 stream buffer limit). */
export const DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;
/** Router default route timeout (RouteAction.timeout unset). */
export const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
/** Worker VMs per plugin when ConnectionManagerConfig.concurrency is 0/absent. */
export const DEFAULT_CONCURRENCY = 2;

/** Envoy's default log level (info) when the Logger does not say. */
export const DEFAULT_LOG_LEVEL = 2;

/** WASM page size. */
export const WASM_PAGE_BYTES = 65536;
