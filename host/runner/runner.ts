// Starts everything an envoy.yaml describes: clusters, the stats store, the Redis connector, one
// HTTP server per listener (its requests handled by the host's connection manager) and the admin
// listener. Port 0 in the file (or in portOverrides) picks a free port; the real ports are
// reported back.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ConnectionManagerConfig, HostServices } from "../contract.ts";
import { accessLogWriter } from "./access-log.ts";
import { adminHandler } from "./admin.ts";
import { loadBootstrapFile, parseBootstrap } from "./bootstrap.ts";
import { RunnerClusterManager } from "./cluster/cluster-manager.ts";
import type { BootstrapSpec, SocketAddressSpec } from "./config/types.ts";
import { RunnerLogger, systemClock } from "./logger.ts";
import { RunnerRedisConnector } from "./redis/redis-connector.ts";
import { RunnerStats } from "./stats/stats-store.ts";

/** What host/index.ts's createConnectionManager returns (a promise of it is accepted too). */
export interface ConnectionManagerLike {
  handle(req: http.IncomingMessage, res: http.ServerResponse): void;
  close?(): void | Promise<void>;
}

export type ConnectionManagerFactory = (
  cfg: ConnectionManagerConfig,
  services: HostServices,
) => ConnectionManagerLike | Promise<ConnectionManagerLike>;

export interface RunnerOptions {
  configPath?: string;
  configText?: string;
  /** worker count handed to the connection manager (Envoy's --concurrency); default: CPU count */
  concurrency?: number;
  /** listener name (or "admin") -> port, replacing the file's port; 0 = pick a free port */
  portOverrides?: Record<string, number>;
  /** where relative paths in the file resolve from; default: the working directory, as in Envoy */
  baseDir?: string;
  logger?: RunnerLogger;
  /** replaces host/index.ts's createConnectionManager (tests of the runner alone) */
  connectionManagerFactory?: ConnectionManagerFactory;
}

export interface RunningRunner {
  /** bound port of each listener, in file order */
  listenerPorts: number[];
  /** listener name -> bound port */
  listenersByName: Record<string, number>;
  /** bound admin port, or null when the file has no admin block */
  adminPort: number | null;
  spec: BootstrapSpec;
  stats: RunnerStats;
  clusters: RunnerClusterManager;
  redis: RunnerRedisConnector;
  close(): Promise<void>;
  /** resolves once the runner has shut down (close(), or POST /quitquitquit) */
  closed: Promise<void>;
}

export class BootstrapError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid envoy bootstrap:\n  ${errors.join("\n  ")}`);
  }
}

/** Loads host/index.ts's createConnectionManager (written alongside the runner). */
export async function loadHostFactory(): Promise<ConnectionManagerFactory> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const file = path.join(here, "..", "index.ts");
  if (!fs.existsSync(file)) throw new Error("host/index.ts does not exist yet: the wasm host (createConnectionManager) is required to serve requests");
  const mod = (await import(pathToFileURL(file).href)) as { createConnectionManager?: ConnectionManagerFactory };
  if (typeof mod.createConnectionManager !== "function") throw new Error("host/index.ts does not export createConnectionManager");
  return mod.createConnectionManager;
}

function listen(server: http.Server, addr: SocketAddressSpec, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    const v6 = addr.address.includes(":");
    server.listen({ host: addr.address, port, ipv6Only: v6 && !addr.ipv4Compat }, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export async function startRunner(opts: RunnerOptions): Promise<RunningRunner> {
  const baseDir = opts.baseDir ?? process.cwd();
  let parsed;
  if (opts.configText !== undefined) parsed = parseBootstrap(opts.configText, baseDir);
  else if (opts.configPath !== undefined) parsed = loadBootstrapFile(opts.configPath, baseDir);
  else throw new Error("startRunner: configPath or configText is required");
  if (!parsed.ok) throw new BootstrapError(parsed.errors);
  const spec = parsed.spec;

  const logger = opts.logger ?? new RunnerLogger();
  const stats = new RunnerStats(spec.stats);
  const concurrency = opts.concurrency ?? os.availableParallelism();
  stats.setGauge("server.concurrency", concurrency);
  stats.setGauge("server.live", 0);
  const clusters = new RunnerClusterManager(spec.clusters, { stats, logger });
  const redis = new RunnerRedisConnector(clusters, logger);
  const services: HostServices = { clusters, stats, logger, clock: systemClock, redis };
  const servers: http.Server[] = [];
  const managers: ConnectionManagerLike[] = [];
  const logWriters: Array<{ close(): void }> = [];
  let state = "PRE_INITIALIZING";

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      state = "DRAINING";
      await Promise.all(servers.map(closeServer));
      for (const m of managers) await m.close?.();
      for (const w of logWriters) w.close();
      clusters.close();
      redis.close();
    })();
    return closing;
  };
  let markClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  const closeAndMark = (): Promise<void> => close().then(markClosed);

  try {
    state = "INITIALIZING";
    await clusters.start();
    const factory = opts.connectionManagerFactory ?? (await loadHostFactory());
    const listenerPorts: number[] = [];
    const listenersByName: Record<string, number> = {};
    for (const l of spec.listeners) {
      const writer = accessLogWriter(l.accessLogs);
      if (writer) logWriters.push(writer);
      const manager = await factory({ ...l.hcm, concurrency }, writer ? { ...services, accessLog: writer.log } : services);
      managers.push(manager);
      const server = http.createServer(
        { requestTimeout: 0, keepAliveTimeout: 3_600_000, maxHeaderSize: 60 * 1024 }, // Envoy: no request timeout, 1 h idle, 60 KiB headers
        (req, res) => manager.handle(req, res),
      );
      servers.push(server);
      const port = await listen(server, l.address, opts.portOverrides?.[l.name] ?? l.address.port);
      listenerPorts.push(port);
      listenersByName[l.name] = port;
      logger.log(2, "runner", `listener ${l.name} on ${l.address.address}:${port}`);
    }
    let adminPort: number | null = null;
    if (spec.admin) {
      const admin = http.createServer(adminHandler({ stats, clusters, state: () => state, quit: () => void closeAndMark() }));
      servers.push(admin);
      adminPort = await listen(admin, spec.admin, opts.portOverrides?.admin ?? spec.admin.port);
      logger.log(2, "runner", `admin on ${spec.admin.address}:${adminPort}`);
    }
    state = "LIVE";
    stats.setGauge("server.live", 1);
    return { listenerPorts, listenersByName, adminPort, spec, stats, clusters, redis, close: closeAndMark, closed };
  } catch (e) {
    await close();
    throw e;
  }
}
