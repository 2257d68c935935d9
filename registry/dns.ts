// A DNS name as a cluster (Higress `dns` registry: `<name>.dns`): every A/AAAA address becomes an
// endpoint, re-resolved each poll through the system resolver (so /etc/hosts applies).
import * as dns from "node:dns/promises";
import { dnsClusterName } from "./names.ts";
import type { PollResult, Source } from "./types.ts";

export class DnsSource implements Source {
  readonly cluster: string;
  readonly intervalMs: number | undefined;
  readonly defaultIntervalMs = 30_000;
  readonly emptyGraceMs: number;

  constructor(private name: string, private host: string, private port: number, opts: { cluster?: string; intervalMs?: number; emptyGraceMs: number; family?: 0 | 4 | 6 }) {
    this.cluster = opts.cluster ?? dnsClusterName(name);
    this.intervalMs = opts.intervalMs;
    this.emptyGraceMs = opts.emptyGraceMs;
    this.family = opts.family ?? 0;
  }
  private family: 0 | 4 | 6;

  async poll(): Promise<PollResult> {
    try {
      const addrs = await dns.lookup(this.host, { all: true, family: this.family });
      const seen = new Set<string>();
      return {
        kind: "ok",
        instances: addrs
          .filter((a) => !seen.has(a.address) && seen.add(a.address))
          .map((a) => ({ address: a.address, port: this.port, weight: 1, metadata: {}, origin: { registry: "dns", name: this.name, host: this.host } })),
      };
    } catch (e) {
      return { kind: "error", error: `resolve ${this.host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
  }
}
