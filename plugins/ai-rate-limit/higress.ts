// ai-rate-limit for Higress (dist/higress/ai-rate-limit.wasm): the Envoy plugin plus Redis
// cluster mode through Higress's proxy_redis_init / proxy_redis_call. Plain Envoy refuses a
// module importing those, hence this separate entry (scripts/build.mjs picks it for Higress).
import "./index";
import { setClusterProvider } from "./cluster-api";
import { RedisProvider } from "./redis-windows";

setClusterProvider(new RedisProvider());
