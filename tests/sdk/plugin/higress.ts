// Higress entry of the SDK test plugin: everything in index.ts plus a root ("sdk-test-redis")
// that uses the Higress-only Redis calls. The Envoy build never sees this file.
import "./index";
import { RootContext, registerRootContext, log, WasmResult, BufferType, getBuffer } from "../../../assembly";
import { RedisCallHandler, redisInit, redisCall } from "../../../assembly/redis";

class PingReply extends RedisCallHandler {
  onResponse(status: u32, responseSize: u32): void {
    if (status != 0) {
      log.warn("sdk-test-redis: redis unreachable, status " + status.toString());
      return;
    }
    log.info("sdk-test-redis: reply " + String.UTF8.decode(getBuffer(BufferType.RedisCallResponse, 0, responseSize)));
  }
}

class RedisRoot extends RootContext {
  onConfigure(configuration: string): bool {
    const cluster = "outbound|6379||redis.static";
    if (redisInit(cluster, "", "", 1000) != WasmResult.Ok) return true; // fail open
    redisCall(cluster, String.UTF8.encode("*1\r\n$4\r\nPING\r\n"), new PingReply());
    return true;
  }
}

registerRootContext("sdk-test-redis", (id: u32): RootContext => new RedisRoot(id));
