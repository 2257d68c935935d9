// Eureka over its REST API: `GET <base>/apps/<APP>` with Accept: application/json (Eureka answers
// XML otherwise). A 404 means "no instances" and is reported as an empty list.
import { Failover, joinPath, type HttpReply } from "./http-get.ts";
import { eurekaClusterName } from "./names.ts";
import { parseEurekaAppBody } from "./eureka-parse.ts";
import type { PollResult, Source } from "./types.ts";

export interface EurekaAppOptions {
  app: string;
  cluster?: string;
  intervalMs?: number;
  emptyGraceMs: number;
  /** Metadata key read as the instance weight ("" = none). */
  weightKey: string;
  timeoutMs: number;
}

export class EurekaAppSource implements Source {
  readonly cluster: string;
  readonly intervalMs: number | undefined;
  readonly defaultIntervalMs = 30_000;
  readonly emptyGraceMs: number;

  constructor(private failover: Failover, private opts: EurekaAppOptions) {
    this.cluster = opts.cluster ?? eurekaClusterName(opts.app);
    this.intervalMs = opts.intervalMs;
    this.emptyGraceMs = opts.emptyGraceMs;
  }

  async poll(): Promise<PollResult> {
    let reply: HttpReply;
    try {
      reply = await this.failover.request((base) => ({
        url: joinPath(base, `/apps/${encodeURIComponent(this.opts.app.toUpperCase())}`),
        headers: { accept: "application/json" },
        timeoutMs: this.opts.timeoutMs,
      }));
    } catch (e) {
      return { kind: "error", error: (e as Error).message };
    }
    if (reply.status === 404) return { kind: "ok", instances: [] };
    if (reply.status !== 200) return { kind: "error", error: `HTTP ${reply.status} from /apps/${this.opts.app}` };
    const parsed = parseEurekaAppBody(reply.body, this.opts.weightKey);
    if (parsed.kind === "error") return { kind: "error", error: `bad application: ${parsed.error}` };
    return { kind: "ok", instances: parsed.instances };
  }
}
