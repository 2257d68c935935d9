// Health checks that bring failed keys back (Higress failover): every healthCheckInterval, the one
// VM holding a provider's lease sends each unavailable key a tiny chat request for
// healthCheckModel, built like real traffic (the provider's own path, auth and protocol: Azure
// deployments with `api-key`, Anthropic with `x-api-key`, Gemini with the model in the path).
// successThreshold passing checks in a row restore the key.
//   lease  ai-proxy.lease.<provider id>   u64 vm id | u64 expiry (ms)
// The lease lasts 3 intervals (at least 15 s), so another VM takes over when its holder stops.
import {
  HttpCallHandler, httpCall, httpCallResponseHeaders, CasUpdate, casUpdateSharedData, WasmResult,
  HeaderPair, log,
} from "../../assembly";
import { Api } from "./api";
import { Provider } from "./providers/provider";
import { scanBody } from "./body-fields";
import { ClientRequest, buildUpstreamRequest } from "./upstream-request";
import { readHealth, recordProbeResult, probeCluster } from "./key-store";
import { jsonQuote } from "../shared/json-string";

class LeaseUpdate extends CasUpdate {
  wants: bool = false;
  constructor(public vmId: u64, public nowMs: u64, public ttlMs: u64) {
    super();
  }

  update(current: ArrayBuffer | null): ArrayBuffer | null {
    if (current !== null && current.byteLength == 16) {
      const base = changetype<usize>(current);
      const owner = load<u64>(base);
      const expires = load<u64>(base + 8);
      if (owner != this.vmId && expires > this.nowMs) {
        this.wants = false;
        return null; // someone else holds a live lease
      }
    }
    this.wants = true;
    const out = new ArrayBuffer(16);
    store<u64>(changetype<usize>(out), this.vmId);
    store<u64>(changetype<usize>(out) + 8, this.nowMs + this.ttlMs);
    return out;
  }
}

/** Takes or renews p's health-check lease for this VM. */
export function acquireLease(p: Provider, vmId: u64, nowMs: u64): bool {
  const interval = <u64>p.failover.healthCheckIntervalMs;
  const ttl = interval * 3 > 15000 ? interval * 3 : 15000;
  const u = new LeaseUpdate(vmId, nowMs, ttl);
  return casUpdateSharedData("ai-proxy.lease." + p.id, u) == WasmResult.Ok && u.wants;
}

class ProbeHandler extends HttpCallHandler {
  constructor(public p: Provider, public index: i32) {
    super();
  }

  onResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    let status: u32 = 0;
    if (numHeaders > 0) {
      const s = httpCallResponseHeaders.get(":status");
      if (s !== null) status = <u32>I32.parseInt(s);
    }
    recordProbeResult(this.p, this.index, status >= 200 && status < 300);
  }
}

/** The probe request body, in the OpenAI chat shape the upstream builder starts from. */
function probeClient(p: Provider): ClientRequest {
  const c = new ClientRequest();
  c.api = Api.ChatCompletions;
  c.path = "/v1/chat/completions";
  const body = '{"model":' + jsonQuote(p.failover.healthCheckModel) + ',"max_tokens":1,"messages":[{"role":"user","content":"ping"}]}';
  c.text = body;
  c.body = String.UTF8.encode(body);
  c.fields = scanBody(c.body!, "");
  return c;
}

/** Sends one health check per unavailable key of p. */
export function probeUnavailableKeys(p: Provider): void {
  const down = readHealth(p).unavailableIndices();
  if (down.length == 0) return;
  const cluster = probeCluster(p);
  if (cluster.length == 0) {
    log.warn("ai-proxy: provider '" + p.id + "' has keys out but no cluster to health-check them (set cluster)");
    return;
  }
  const c = probeClient(p);
  for (let i = 0; i < down.length; i++) {
    const idx = down[i];
    const u = buildUpstreamRequest(p, c, p.failover.healthCheckModel, p.apiTokens[idx]);
    if (u.failed) {
      log.warn("ai-proxy: provider '" + p.id + "' health check cannot be built: " + u.error);
      return;
    }
    const headers: HeaderPair[] = [
      new HeaderPair(":method", "POST"),
      new HeaderPair(":path", u.path),
      new HeaderPair(":authority", u.host.length > 0 ? u.host : p.id),
      new HeaderPair("content-type", "application/json"),
    ];
    for (let h = 0; h < u.headers.length; h++) headers.push(u.headers[h]);
    const body = u.body !== null ? u.body! : c.body!;
    const r = httpCall(cluster, headers, body, p.failover.healthCheckTimeoutMs, new ProbeHandler(p, idx));
    if (r != WasmResult.Ok) log.warn("ai-proxy: health check call to cluster '" + cluster + "' failed (" + (<i32>r).toString() + ")");
  }
}

class LeaseRelease extends CasUpdate {
  constructor(public vmId: u64) {
    super();
  }

  update(current: ArrayBuffer | null): ArrayBuffer | null {
    if (current === null || current.byteLength != 16 || load<u64>(changetype<usize>(current)) != this.vmId) return null;
    return new ArrayBuffer(16); // owner 0, expired
  }
}

/** Per-VM scheduler: which providers are due. */
export class HealthChecker {
  providers: Provider[] = [];
  nextDue: u64[] = [];
  vmId: u64 = 0;

  add(p: Provider): void {
    if (!p.failover.enabled || p.apiTokens.length == 0) return;
    for (let i = 0; i < this.providers.length; i++) if (this.providers[i] === p) return;
    this.providers.push(p);
    this.nextDue.push(0);
  }

  /** Smallest interval, for the tick period (0 = no provider needs checks). */
  periodMs(): u32 {
    let m: u32 = 0;
    for (let i = 0; i < this.providers.length; i++) {
      const v = this.providers[i].failover.healthCheckIntervalMs;
      if (m == 0 || v < m) m = v;
    }
    return m;
  }

  /** Gives up this VM's leases (plugin shutdown), so another VM takes over at once. */
  releaseLeases(): void {
    for (let i = 0; i < this.providers.length; i++) {
      casUpdateSharedData("ai-proxy.lease." + this.providers[i].id, new LeaseRelease(this.vmId));
    }
  }

  tick(nowMs: u64): void {
    const slack = <u64>(this.periodMs() / 2); // ticks arrive a little late or early
    for (let i = 0; i < this.providers.length; i++) {
      if (nowMs + slack < this.nextDue[i]) continue;
      const p = this.providers[i];
      this.nextDue[i] = nowMs + <u64>p.failover.healthCheckIntervalMs;
      if (acquireLease(p, this.vmId, nowMs)) probeUnavailableKeys(p);
    }
  }
}
