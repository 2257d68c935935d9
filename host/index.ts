// Public API of the host: a connection manager for one listener, usable as a Node request handler.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConnectionManagerConfig, HostServices } from "./contract.ts";
import { ConnectionManagerCore } from "./http/connection-manager.ts";
import { NodeAdapter } from "./http/node-adapter.ts";

export { LoadError } from "./vm.ts";

export interface ConnectionManager {
  /** A Node http request handler (pins each connection to one worker, round robin). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Runs proxy_on_done/on_delete on root contexts, stops ticks and outstanding calls. */
  close(): Promise<void>;
}

/**
 * Loads the listener's wasm filters (rejects with a LoadError naming the plugin and the cause:
 * missing ABI export, unknown import, on_configure returning false, ...) and returns the handler.
 */
export async function createConnectionManager(cfg: ConnectionManagerConfig, services: HostServices): Promise<ConnectionManager> {
  const core = await ConnectionManagerCore.create(cfg, services);
  const adapter = new NodeAdapter(core);
  return {
    handle: adapter.handle,
    close: async () => core.close(),
  };
}
