// Shared set-up for the host-driven SDK tests: the SDK test plugin (tests/sdk/plugin) loaded into
// the Node host (host/testing.ts), plus a loader that keeps the logs when configuration fails.
import { createTestStack, CollectingLogger, FakeClock, MemoryStats, RecordingClusters, type TestStackOptions, type TestStack } from "../../host/testing.ts";
import { loadCode } from "../../host/plugin.ts";
import { ConnectionManagerCore } from "../../host/http/connection-manager.ts";
import { SharedState } from "../../host/shared-data.ts";
import { DEFAULT_ROUTES } from "../../host/testing.ts";
import { testPlugin } from "./helpers.ts";

export const GET = { ":method": "GET", ":path": "/", ":authority": "a.test", ":scheme": "http" };

/** A stack running the SDK test plugin with `configuration`. */
export function sdkStack(configuration: string, extra: Partial<TestStackOptions> = {}): Promise<TestStack> {
  return createTestStack({
    filters: [{ wasm: testPlugin("envoy"), configuration, rootId: "sdk-test" }],
    clusters: ["upstream", "auth"],
    ...extra,
  });
}

/** Loads the plugin with `configuration` through the connection manager directly, so the
 *  module's logs survive a rejected configuration. */
export async function configureOnly(configuration: string): Promise<{ error: string; logs: string[] }> {
  const logger = new CollectingLogger(0);
  const code = await loadCode(testPlugin("envoy"), "sdk-test");
  const cfg = {
    statPrefix: "ingress", routeConfig: DEFAULT_ROUTES, bufferLimitBytes: 1 << 20, concurrency: 1,
    filters: [{ name: "sdk", rootId: "sdk-test", vmId: "vm", configuration, vmConfiguration: "", failOpen: false, allowOnHeadersStopIteration: false, wasmPath: "" }],
  };
  const services = { clusters: new RecordingClusters(["upstream"]), stats: new MemoryStats(), logger, clock: new FakeClock() };
  let error = "";
  try {
    const core = ConnectionManagerCore.fromCode(cfg, services, new SharedState(), [code]);
    core.close();
  } catch (e) {
    error = (e as Error).message;
  }
  return { error, logs: logger.messages };
}
