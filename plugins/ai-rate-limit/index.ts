// ai-rate-limit for Envoy (dist/ai-rate-limit.wasm): request, token and concurrency limits with
// a circuit breaker, counted in Envoy shared data. The Higress build (higress.ts) adds Redis
// cluster mode. See README.md for the configuration and the guarantees.
import { RootContext, registerRootContext } from "../../assembly";
import { RateLimitRoot } from "./root";

registerRootContext("ai-rate-limit", (id: u32): RootContext => new RateLimitRoot(id));
