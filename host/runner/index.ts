// Programmatic API of the local runner (see README.md): start it on free ports from a test.
export { BootstrapError, loadHostFactory, startRunner } from "./runner.ts";
export type { ConnectionManagerFactory, ConnectionManagerLike, RunnerOptions, RunningRunner } from "./runner.ts";
export { parseBootstrap, loadBootstrapFile } from "./bootstrap.ts";
export { RunnerStats } from "./stats/stats-store.ts";
export { renderPrometheus } from "./stats/prometheus.ts";
export { RunnerClusterManager } from "./cluster/cluster-manager.ts";
export { RunnerRedisConnector } from "./redis/redis-connector.ts";
export { RunnerLogger, systemClock } from "./logger.ts";
