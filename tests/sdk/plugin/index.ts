// SDK test plugin: drives every SDK area from request headers so the host-driven tests in
// tests/sdk/*.test.ts can check them. Not a product plugin (it lives outside plugins/).
//   config: { "tag": string, "cluster"?: string, "_rules_": [{ "_match_route_": [...], "tag": ... }] }
//   x-sdk-action: local | call | body | hold | trap | random | probe | none   (what the request asks for)
//   (probe: properties, shared data, queues and large/UTF-8 header texts, results as x-sdk-p-* headers)
//   (hold: paused until the next tick resumes it through setEffectiveContext)
import { JSON } from "json-as";
import {
  RootContext, HttpContext, registerRootContext, FilterHeadersStatus, FilterDataStatus, BufferType,
  HeaderPair, requestHeaders, responseHeaders, httpCallResponseHeaders, getBuffer, setBuffer,
  sendLocalResponse, continueRequest, httpCall, HttpCallHandler, getStatus, routeName, log,
  ConfigParser, ConfigReader, RouteRules, Counter, CasUpdate, casUpdateSharedData, WasmResult,
  nowNanos, setTickPeriodMs, setSharedData, LogLevel, setEffectiveContext,
  getProperty, getPropertyString, getPropertyInt, setProperty, PropertyPath, getPropertyAt,
  getPropertyStringAt, getPropertyIntAt, setPropertyAt, getSharedData, registerQueue, enqueue, dequeue,
} from "../../../assembly";

const PATH = new PropertyPath(["request", "path"]);
const TIME = new PropertyPath(["request", "time"]);
const SDK_B = new PropertyPath(["sdk_b"]);

/** Exercises the SDK's text and returned-bytes paths; results go into x-sdk-p-* request headers. */
function probe(): void {
  const h = requestHeaders;
  const p1 = getPropertyString(["request", "path"]);
  const p2 = getPropertyStringAt(PATH);
  h.replace("x-sdk-p-path", (p1 === null ? "null" : p1!) + "|" + (p2 === null ? "null" : p2!));
  const t = getProperty(["request", "time"]);
  const tAt = getPropertyAt(TIME);
  h.replace("x-sdk-p-time-len", (t === null ? -1 : t!.byteLength).toString() + "|" + (tAt === null ? -1 : tAt!.byteLength).toString());
  h.replace("x-sdk-p-time-same", getPropertyInt(["request", "time"]) == getPropertyIntAt(TIME) && getPropertyIntAt(TIME) > 0 ? "yes" : "no");
  h.replace("x-sdk-p-missing", (getPropertyString(["sdk_nope"]) === null ? "null" : "found") + "|" + getPropertyInt(["sdk_nope"]).toString() + "|" + (getProperty(["sdk_nope"]) === null ? "null" : "found"));
  setProperty(["sdk_a"], String.UTF8.encode("A-é"));
  setPropertyAt(SDK_B, String.UTF8.encode("B"));
  const back = getPropertyString(["sdk_a"]);
  h.replace("x-sdk-p-readback", back === null ? "null" : back!);
  setSharedData("sdk_test.probe", String.UTF8.encode("shared-ü"), 0);
  const sd = getSharedData("sdk_test.probe");
  h.replace("x-sdk-p-shared", sd === null ? "null" : String.UTF8.decode(sd!.value) + "|" + (sd!.cas > 0 ? "cas" : "nocas"));
  h.replace("x-sdk-p-shared-missing", getSharedData("sdk_test.nope") === null ? "null" : "found");
  const q = registerQueue("sdk_test.q");
  enqueue(q, String.UTF8.encode("q1"));
  const d1 = dequeue(q);
  const d2 = dequeue(q);
  h.replace("x-sdk-p-queue", (d1 === null ? "null" : String.UTF8.decode(d1!)) + "|" + (d2 === null ? "null" : "item"));
  const big = h.get("x-sdk-big");
  h.replace("x-sdk-p-big-len", big === null ? "null" : big!.length.toString());
  if (big !== null) h.add("x-sdk-p-big-echo", big! + "!");
  const u = h.get("x-sdk-utf8");
  if (u !== null) h.replace("x-sdk-p-utf8", u! + "|" + u!.length.toString());
}

class TestConfig {
  constructor(public tag: string, public cluster: string) {}
}

class TestConfigParser extends ConfigParser<TestConfig> {
  parse(obj: JSON.Obj, path: string): TestConfig | null {
    const r = new ConfigReader();
    r.require(obj, "tag", path);
    const tag = r.string(obj, "tag", path);
    const cluster = r.string(obj, "cluster", path, "upstream");
    if (!r.ok) {
      this.error = r.error;
      return null;
    }
    return new TestConfig(tag, cluster);
  }
}

const requests = new Counter("sdk_test.requests");

/** Adds 1 to a decimal counter kept in shared data. */
class AddOne extends CasUpdate {
  result: i32 = 0;
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    const n = current === null ? 0 : I32.parseInt(String.UTF8.decode(current));
    this.result = n + 1;
    return String.UTF8.encode(this.result.toString());
  }
}

class TestRoot extends RootContext {
  rules: RouteRules<TestConfig> = new RouteRules<TestConfig>();
  ticks: i32 = 0;

  onConfigure(configuration: string): bool {
    const next = new RouteRules<TestConfig>();
    if (!next.parse(configuration, new TestConfigParser())) {
      log.error("sdk-test: bad configuration: " + next.error);
      return false;
    }
    if (next.warning.length > 0) log.warn("sdk-test: " + next.warning);
    this.rules = next;
    setTickPeriodMs(1000);
    return true;
  }

  held: u32[] = [];
  gone: i32 = 0;

  onTick(): void {
    this.ticks++;
    setSharedData("sdk_test.ticks", String.UTF8.encode(this.ticks.toString()), 0);
    for (let i = 0; i < this.held.length; i++) {
      if (!setEffectiveContext(this.held[i])) {
        this.gone++;
        continue;
      }
      requestHeaders.replace("x-sdk-resumed-by", "tick-" + this.ticks.toString());
      continueRequest();
    }
    this.held = [];
    setEffectiveContext(this.id);
    setSharedData("sdk_test.gone", String.UTF8.encode(this.gone.toString()), 0);
  }

  createHttpContext(contextId: u32): HttpContext {
    return new TestStream(contextId, this);
  }
}

class CallDone extends HttpCallHandler {
  constructor(public stream: TestStream) { super(); }
  onResponse(numHeaders: u32, bodySize: u32, numTrailers: u32): void {
    if (numHeaders == 0) {
      requestHeaders.replace("x-sdk-call-status", "failed-" + getStatus().code.toString());
    } else {
      const status = httpCallResponseHeaders.get(":status");
      requestHeaders.replace("x-sdk-call-status", status === null ? "none" : status!);
      const body = getBuffer(BufferType.HttpCallResponseBody, 0, bodySize);
      requestHeaders.replace("x-sdk-call-body", String.UTF8.decode(body));
    }
    requestHeaders.replace("x-sdk-call-context", this.stream.id.toString());
    continueRequest();
  }
}

class TestStream extends HttpContext {
  config: TestConfig | null = null;
  action: string = "";

  onRequestHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    requests.increment(1);
    const root = changetype<TestRoot>(this.root);
    this.config = root.rules.select();
    const tag = this.config === null ? "none" : this.config!.tag;
    const a = requestHeaders.get("x-sdk-action");
    this.action = a === null ? "" : a!;
    requestHeaders.add("x-sdk-tag", tag);
    requestHeaders.replace("x-sdk-headers", numHeaders.toString() + "/" + requestHeaders.pairs().length.toString());
    const counter = new AddOne();
    if (casUpdateSharedData("sdk_test.count", counter) == WasmResult.Ok) {
      requestHeaders.replace("x-sdk-count", counter.result.toString());
    }
    if (this.action == "local") {
      const body = String.UTF8.encode("local:" + tag);
      const headers = [new HeaderPair("x-sdk-tag", tag), new HeaderPair("content-type", "text/plain")];
      sendLocalResponse(418, "sdk_test_local", body, headers);
      return FilterHeadersStatus.StopIteration;
    }
    if (this.action == "call") {
      const cluster = this.config === null ? "upstream" : this.config!.cluster;
      const headers = [
        new HeaderPair(":method", "GET"), new HeaderPair(":path", "/sdk-call"),
        new HeaderPair(":authority", "sdk.test"),
      ];
      const r = httpCall(cluster, headers, null, 5000, new CallDone(this));
      if (r != WasmResult.Ok) {
        requestHeaders.replace("x-sdk-call-status", "refused-" + (<i32>r).toString());
        return FilterHeadersStatus.Continue;
      }
      return FilterHeadersStatus.StopAllIterationAndWatermark;
    }
    if (this.action == "hold") {
      root.held.push(this.id);
      return FilterHeadersStatus.StopAllIterationAndWatermark;
    }
    if (this.action == "probe") probe();
    if (this.action == "body") requestHeaders.remove("content-length");
    if (this.action == "random") requestHeaders.replace("x-sdk-random", Math.random().toString());
    if (this.action == "trap") throw new Error("sdk-test trap");
    if (log.enabled(LogLevel.Debug)) log.debug("sdk-test: debug enabled");
    log.info("sdk-test: request " + this.id.toString());
    return FilterHeadersStatus.Continue;
  }

  onRequestBody(bodySize: u32, endOfStream: bool): FilterDataStatus {
    if (this.action != "body") return FilterDataStatus.Continue;
    if (!endOfStream) return FilterDataStatus.StopIterationAndBuffer;
    // Wrap the whole body in brackets without decoding it.
    const body = getBuffer(BufferType.HttpRequestBody, 0, bodySize);
    const out = new Uint8Array(body.byteLength + 2);
    out[0] = 0x5b;
    out.set(Uint8Array.wrap(body), 1);
    out[body.byteLength + 1] = 0x5d;
    setBuffer(BufferType.HttpRequestBody, 0, bodySize, out.buffer);
    return FilterDataStatus.Continue;
  }

  onResponseHeaders(numHeaders: u32, endOfStream: bool): FilterHeadersStatus {
    responseHeaders.replace("x-sdk-route", routeName());
    responseHeaders.replace("x-sdk-rule", this.config === null ? "none" : this.config!.tag);
    responseHeaders.replace("x-sdk-time-ok", nowNanos() > 1_600_000_000_000_000_000 ? "yes" : "no");
    return FilterHeadersStatus.Continue;
  }
}

registerRootContext("sdk-test", (id: u32): RootContext => new TestRoot(id));
