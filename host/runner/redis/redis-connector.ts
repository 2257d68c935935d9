// The Higress Redis ABI (proxy_redis_init / proxy_redis_call) served from a real Redis.
// - The cluster name is an envoy.yaml cluster, optionally with "?db=N"
//   ("outbound|6379||redis.static?db=1"); its load balancer picks the Redis host.
// - init connects, authenticates and selects the database within the timeout. A Redis that
//   rejects AUTH or SELECT fails init at once (Higress #3053: a wrong password must not slow
//   every request). A Redis that cannot be reached does not fail init: calls report it instead,
//   and reconnect later.
// - call sends the query bytes as given and resolves with exactly one RESP reply; while Redis is
//   unreachable, calls fail at once for a short back-off instead of each waiting for a timeout.
import type { RedisConnector } from "../../contract.ts";
import type { RunnerLogger } from "../logger.ts";
import { RedisConnection } from "./redis-connection.ts";

// WasmResult codes
const OK = 0;
const BAD_ARGUMENT = 2;
const INTERNAL_FAILURE = 10;
/** Status handed to proxy_on_redis_call_response when Redis could not answer (any non-zero fails). */
export const REDIS_CALL_FAILED = 1;
const RECONNECT_BACKOFF_MS = 1000;

export interface HostPicker {
  has(cluster: string): boolean;
  pickHost(cluster: string): { address: string; port: number } | null;
}

interface Target {
  cluster: string;
  db: number;
  username: string;
  password: string;
  timeoutMs: number;
  conn: RedisConnection | null;
  connecting: Promise<RedisConnection | string> | null;
  downUntil: number;
  retired: boolean; // replaced by an init with other credentials
}

function retire(t: Target): void {
  t.retired = true;
  t.conn?.close("re-initialised");
}

export function splitClusterName(name: string): { cluster: string; db: number } | null {
  const q = name.indexOf("?");
  if (q < 0) return { cluster: name, db: 0 };
  const params = new URLSearchParams(name.slice(q + 1));
  const db = params.get("db");
  if (db !== null && !/^\d+$/.test(db)) return null;
  return { cluster: name.slice(0, q), db: db === null ? 0 : Number(db) };
}

export class RunnerRedisConnector implements RedisConnector {
  private readonly targets = new Map<string, Target>();

  constructor(
    private readonly clusters: HostPicker,
    private readonly logger: RunnerLogger,
  ) {}

  async init(clusterName: string, username: string, password: string, timeoutMs: number): Promise<number> {
    const parsed = splitClusterName(clusterName);
    if (!parsed || !this.clusters.has(parsed.cluster)) {
      this.logger.log(4, "redis", `proxy_redis_init: unknown cluster ${clusterName}`);
      return BAD_ARGUMENT;
    }
    const timeout = timeoutMs > 0 ? timeoutMs : 1000;
    // Every worker's VM initialises the same cluster: with the same credentials they share one
    // connection (replies are matched in order, so it can be pipelined).
    let t = this.targets.get(clusterName);
    if (t && t.username === username && t.password === password) {
      t.timeoutMs = timeout;
    } else {
      if (t) retire(t);
      t = { ...parsed, username, password, timeoutMs: timeout, conn: null, connecting: null, downUntil: 0, retired: false };
      this.targets.set(clusterName, t);
    }
    const r = await this.connect(t);
    if (typeof r !== "string") return OK;
    if (r.startsWith("rejected:")) {
      this.logger.log(4, "redis", `proxy_redis_init ${clusterName}: ${r.slice(9).trim()}`);
      if (this.targets.get(clusterName) === t) this.targets.delete(clusterName); // calls are refused until an init succeeds
      return INTERNAL_FAILURE;
    }
    this.logger.log(3, "redis", `proxy_redis_init ${clusterName}: Redis not reachable yet (${r}); calls will retry`);
    return OK;
  }

  async call(clusterName: string, query: Uint8Array): Promise<{ status: number; reply: Uint8Array }> {
    const failed = { status: REDIS_CALL_FAILED, reply: new Uint8Array(0) };
    const t = this.targets.get(clusterName);
    if (!t) return failed;
    let conn = t.conn;
    if (!conn || !conn.open) {
      const r = await this.connect(t);
      if (typeof r === "string") return failed;
      conn = r;
    }
    const reply = await conn.send(query, t.timeoutMs);
    if (!reply.ok) {
      this.logger.log(3, "redis", `call on ${clusterName} failed: ${reply.reason}`);
      return failed;
    }
    return { status: OK, reply: reply.bytes };
  }

  /** Whether init succeeded for this cluster name (proxy_redis_call on others is a BadArgument). */
  initialized(clusterName: string): boolean {
    return this.targets.has(clusterName);
  }

  close(): void {
    for (const t of this.targets.values()) retire(t);
    this.targets.clear();
  }

  /** A live connection, or a reason ("rejected: ..." when Redis refused AUTH/SELECT). */
  private connect(t: Target): Promise<RedisConnection | string> {
    if (t.conn?.open) return Promise.resolve(t.conn);
    if (t.connecting) return t.connecting;
    if (Date.now() < t.downUntil) return Promise.resolve("unreachable (backing off)");
    const host = this.clusters.pickHost(t.cluster);
    if (!host) return Promise.resolve("no host in cluster");
    t.connecting = RedisConnection.connect({
      host: host.address,
      port: host.port,
      username: t.username,
      password: t.password,
      db: t.db,
      timeoutMs: t.timeoutMs,
    }).then((r) => {
      t.connecting = null;
      if (r.ok && t.retired) {
        r.conn.close("re-initialised");
        return "re-initialised";
      }
      if (!r.ok) {
        t.downUntil = Date.now() + RECONNECT_BACKOFF_MS;
        return r.kind === "rejected" ? `rejected: ${r.reason}` : r.reason;
      }
      t.conn = r.conn;
      r.conn.onClose = () => {
        if (t.conn === r.conn) t.conn = null;
      };
      return r.conn;
    });
    return t.connecting;
  }
}
