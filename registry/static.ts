// Fixed endpoints (Higress `static` registry: `<name>.static`): "ip:port" or "[v6]:port" or "host:port".
import { staticClusterName } from "./names.ts";
import type { Instance, PollResult, Source } from "./types.ts";

export function parseHostPort(s: string): { host: string; port: number } | string {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:\s]+):(\d+)$/.exec(s);
  if (!m) return `${s}: expected host:port or [ipv6]:port`;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return `${s}: port out of range`;
  return { host: m[1], port };
}

export class StaticSource implements Source {
  readonly cluster: string;
  readonly intervalMs: number | undefined;
  readonly defaultIntervalMs = 60_000;
  readonly emptyGraceMs = 0;
  private instances: Instance[];

  constructor(name: string, endpoints: Array<{ host: string; port: number; weight?: number; metadata?: Record<string, string> }>, cluster?: string) {
    this.cluster = cluster ?? staticClusterName(name);
    this.intervalMs = undefined;
    this.instances = endpoints.map((e) => ({
      address: e.host,
      port: e.port,
      weight: Math.max(1, Math.round(e.weight ?? 1)),
      metadata: { ...(e.metadata ?? {}) },
      origin: { registry: "static", name },
    }));
  }

  async poll(): Promise<PollResult> {
    return { kind: "ok", instances: this.instances.map((i) => ({ ...i })) };
  }
}
