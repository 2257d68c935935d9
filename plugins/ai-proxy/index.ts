// ai-proxy: one OpenAI / Anthropic front for many LLM providers (Higress ai-proxy config shape).
// Phases, in order: request headers and body (request-phase.ts: API, routing, key, rewrite),
// response headers and body (response-phase.ts: failover accounting, retries and fallbacks by
// http_call in attempts.ts, conversion, SSE relay), ticks (health-check.ts: restoring keys).
import { JSON } from "json-as";
import {
  RootContext, HttpContext, registerRootContext, FilterHeadersStatus, FilterDataStatus,
  ConfigParser, RouteRules, setTickPeriodMs, nowNanos, nowMillis, log, CasUpdate,
  casUpdateSharedData, WasmResult, setProperty,
} from "../../assembly";
import { Config, parseConfig } from "./config";
import { RequestState } from "./request-state";
import { onRequestHeaders, onRequestBody } from "./request-phase";
import { onResponseHeaders, onResponseBody } from "./response-phase";
import { HealthChecker } from "./health-check";
import { seedRandom } from "./random";

class ConfigReaderForRules extends ConfigParser<Config> {
  warnings: string[] = [];

  parse(obj: JSON.Obj, path: string): Config | null {
    const r = parseConfig(obj, path);
    if (r.error !== null) {
      this.error = r.error!;
      return null;
    }
    const c = r.config!;
    for (let i = 0; i < c.warnings.length; i++) this.warnings.push(c.warnings[i]);
    return c;
  }
}

/** A VM id unique across workers: a shared counter (CAS), mixed with the clock. */
class VmCounter extends CasUpdate {
  value: u64 = 0;
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    this.value = current !== null && current.byteLength == 8 ? load<u64>(changetype<usize>(current)) + 1 : 1;
    const out = new ArrayBuffer(8);
    store<u64>(changetype<usize>(out), this.value);
    return out;
  }
}

class AiProxyRoot extends RootContext {
  rules: RouteRules<Config> = new RouteRules<Config>();
  health: HealthChecker = new HealthChecker();

  onConfigure(configuration: string): bool {
    const parser = new ConfigReaderForRules();
    const rules = new RouteRules<Config>();
    if (!rules.parse(configuration, parser)) {
      log.error("ai-proxy: configuration rejected: " + rules.error);
      return false;
    }
    if (rules.warning.length > 0) log.warn("ai-proxy: " + rules.warning);
    for (let i = 0; i < parser.warnings.length; i++) log.warn("ai-proxy: " + parser.warnings[i]);
    seedRandom(nowNanos() ^ (<u64>this.id << 32));
    const counter = new VmCounter();
    const vmSeq = casUpdateSharedData("ai-proxy.vm-seq", counter) == WasmResult.Ok ? counter.value : <u64>this.id;
    this.health.releaseLeases(); // a reconfiguration starts a new checker
    const health = new HealthChecker();
    health.vmId = (vmSeq << 32) ^ (nowNanos() & 0xffffffff);
    if (rules.global !== null) addProviders(health, rules.global!);
    for (let i = 0; i < rules.rules.length; i++) addProviders(health, rules.rules[i].config);
    this.rules = rules;
    this.health = health;
    setTickPeriodMs(health.periodMs());
    return true;
  }

  onTick(): void {
    this.health.tick(nowMillis());
  }

  onDone(): bool {
    this.health.releaseLeases();
    return true;
  }

  createHttpContext(contextId: u32): HttpContext {
    return new AiProxyStream(contextId, this);
  }
}

function addProviders(h: HealthChecker, c: Config): void {
  for (let i = 0; i < c.providers.length; i++) h.add(c.providers[i]);
}

class AiProxyStream extends HttpContext {
  state: RequestState | null = null;

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const cfg = changetype<AiProxyRoot>(this.root).rules.select();
    if (cfg === null) return FilterHeadersStatus.Continue; // no config for this route
    const s = new RequestState(cfg);
    this.state = s;
    return onRequestHeaders(s, endOfStream);
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const s = this.state;
    return s === null ? FilterDataStatus.Continue : onRequestBody(s, bodySize, endOfStream);
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    const s = this.state;
    return s === null ? FilterHeadersStatus.Continue : onResponseHeaders(s, endOfStream);
  }

  onResponseBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    const s = this.state;
    return s === null ? FilterDataStatus.Continue : onResponseBody(s, bodySize, endOfStream);
  }

  /** Log attributes: which provider finally answered, after how many extra attempts, and
   *  whether the degrade cache did (filter state wasm.ai_proxy_*). */
  onLog(): void {
    const s = this.state;
    if (s === null) return;
    if (s.current !== null) setProperty(["ai_proxy_provider"], String.UTF8.encode(s.current!.provider.id));
    if (s.attempts > 0) setProperty(["ai_proxy_attempts"], String.UTF8.encode(s.attempts.toString()));
    if (s.fromCache) setProperty(["ai_proxy_cache"], String.UTF8.encode("degraded"));
  }
}

registerRootContext("ai-proxy", (id: u32): RootContext => new AiProxyRoot(id));
