import { AttributeValues } from "../attribute-values";
import { Rule } from "../attribute-config";
import { LabelLimiter, MetricLabels, labelValue, requestsName, statusClass } from "../metric-names";
import { Outcome, anomaliesOf, anomalyNames, errorTypeFor, SLOW, SLOW_TTFT, UPSTREAM_ERROR, MISSING_USAGE, TRUNCATED_STREAM, CLIENT_ABORT } from "../anomalies";
import { LogRecord, limitLength } from "../log-record";
import { apiOf, Api, modelFromPath, expectsUsage, apiName } from "../request-info";
import { BuiltinPaths } from "../builtin-attributes";
import { jsonQuote, jsonEscape } from "../../shared/json-string";

describe("attribute values", () => {
  it("first / replace / append, default, length limit", () => {
    const v = new AttributeValues(4, 5);
    v.stream(0, Rule.First, null);
    v.stream(0, Rule.First, "a");
    v.stream(0, Rule.First, "b");
    v.stream(1, Rule.Replace, "a");
    v.stream(1, Rule.Replace, "b");
    v.stream(2, Rule.Append, "abc");
    v.stream(2, Rule.Append, "defgh");
    v.stream(2, Rule.Append, "zzz");
    expect(v.get(0, "")).toBe("a");
    expect(v.get(1, "")).toBe("b");
    expect(v.get(2, "")).toBe("abcde");
    expect(v.get(3, "dflt")).toBe("dflt");
    expect(v.get(3, "")).toBeNull();
    v.set(3, "123456789");
    expect(v.get(3, "")).toBe("12345");
  });
});

describe("metric names", () => {
  it("builds Higress-compatible and extended names", () => {
    const l = new MetricLabels();
    l.route = "r1";
    l.cluster = "outbound|443||llm.dns";
    l.model = "gpt-4.1";
    l.consumer = "alice";
    l.provider = "openai";
    l.requestModel = "gpt-4.1-mini";
    l.variant = "b";
    expect(l.higressPrefix() + "input_token").toBe("route.r1.upstream.outbound|443||llm.dns.model.gpt-4.1.consumer.alice.metric.input_token");
    expect(requestsName(l.higressPrefix(), l.extraSuffix(), "2xx", "none"))
      .toBe("route.r1.upstream.outbound|443||llm.dns.model.gpt-4.1.consumer.alice.metric.ai_requests.provider.openai.request_model.gpt-4.1-mini.variant.b.status.2xx.error.none");
  });
  it("cleans and caps label values", () => {
    expect(labelValue("")).toBe("none");
    expect(labelValue("a b\tc")).toBe("a_b_c");
    let long = "";
    for (let i = 0; i < 300; i++) long += "x";
    expect(labelValue(long).length).toBe(128);
    const lim = new LabelLimiter(2);
    expect(lim.admit("a")).toBe("a");
    expect(lim.admit("b")).toBe("b");
    expect(lim.admit("c")).toBe("other");
    expect(lim.admit("a")).toBe("a");
    expect(statusClass(200)).toBe("2xx");
    expect(statusClass(503)).toBe("5xx");
    expect(statusClass(0)).toBe("none");
  });
});

function outcome(status: i32, stream: bool, ended: bool, complete: bool, usage: bool): Outcome {
  const o = new Outcome();
  o.status = status;
  o.stream = stream;
  o.responseEnded = ended;
  o.streamComplete = complete;
  o.usageFound = usage;
  o.expectsUsage = true;
  o.durationMs = 50;
  o.ttftMs = 10;
  return o;
}

describe("anomalies", () => {
  it("healthy request has none", () => {
    expect(anomaliesOf(outcome(200, true, true, true, true), 1000, 1000)).toBe(0);
  });
  it("each anomaly", () => {
    const slow = outcome(200, true, true, true, true);
    slow.durationMs = 2000;
    slow.ttftMs = 1500;
    expect(anomaliesOf(slow, 1000, 1000)).toBe(SLOW | SLOW_TTFT);
    expect(anomaliesOf(slow, 0, 0)).toBe(0);
    expect(anomaliesOf(outcome(502, false, true, true, false), 0, 0)).toBe(UPSTREAM_ERROR);
    expect(anomaliesOf(outcome(429, false, true, true, false), 0, 0)).toBe(UPSTREAM_ERROR);
    const local = outcome(503, false, true, true, false);
    local.fromUpstream = false;
    expect(anomaliesOf(local, 0, 0)).toBe(0);
    expect(anomaliesOf(outcome(200, false, true, true, false), 0, 0)).toBe(MISSING_USAGE);
    expect(anomaliesOf(outcome(200, true, true, false, true), 0, 0)).toBe(TRUNCATED_STREAM);
    const abort = outcome(200, true, false, false, false);
    const f = anomaliesOf(abort, 0, 0);
    expect(f).toBe(CLIENT_ABORT);
    expect(errorTypeFor(abort, f, "")).toBe("client_abort");
    const reset = outcome(200, true, false, false, false);
    reset.upstreamReset = true;
    expect(anomaliesOf(reset, 0, 0)).toBe(UPSTREAM_ERROR | TRUNCATED_STREAM);
    expect(anomalyNames(UPSTREAM_ERROR | TRUNCATED_STREAM).join(",")).toBe("upstream_error,truncated_stream");
    const midErr = outcome(200, true, true, false, false);
    midErr.streamError = "overloaded_error";
    expect(errorTypeFor(midErr, anomaliesOf(midErr, 0, 0), "")).toBe("overloaded_error");
    expect(errorTypeFor(outcome(404, false, true, true, false), 0, "")).toBe("http_404");
    expect(errorTypeFor(outcome(400, false, true, true, false), 0, "invalid_request_error")).toBe("invalid_request_error");
  });
});

function sample(escaped: bool): LogRecord {
  return new LogRecord(escaped).str("model", "attr-model").str("model", "default").int("input_token", 12).bool("usage_estimated", true).strings("anomalies", ["slow"]);
}

function odd(r: LogRecord, s: string): LogRecord {
  return r.str(s, s).int("n", -5).int("big", 9007199254740993).int("zero", 0).strings("list", [s, "plain"]).str("k", "");
}

describe("log record", () => {
  it("builds JSON, first key wins, escapes for Higress", () => {
    expect(sample(false).text()).toBe('{"model":"attr-model","input_token":12,"usage_estimated":true,"anomalies":["slow"]}');
    expect(sample(true).text()).toBe('{\\"model\\":\\"attr-model\\",\\"input_token\\":12,\\"usage_estimated\\":true,\\"anomalies\\":[\\"slow\\"]}');
    expect(limitLength("ab\ud83d\ude00c", 3)).toBe("ab");
  });

  it("escaped rendering equals jsonEscape of the JSON, special characters and UTF-8 included", () => {
    const s = 'q"b\\s\nn\rr\tt\bb\ff\u0001x\u001fé😀日\u2028';
    const j = odd(new LogRecord(false), s).text();
    expect(j).toBe("{" + jsonQuote(s) + ":" + jsonQuote(s) + ',"n":-5,"big":9007199254740993,"zero":0,"list":[' + jsonQuote(s) + ',"plain"],"k":""}');
    expect(odd(new LogRecord(true), s).text()).toBe(jsonEscape(j));
    const bytes = odd(new LogRecord(false), s).utf8();
    expect(bytes.byteLength).toBe(String.UTF8.byteLength(j));
  });

  it("is reused: reset starts a new record, long values grow the buffer", () => {
    const r = new LogRecord(false);
    let long = "";
    for (let i = 0; i < 3000; i++) long += "é";
    r.str("a", long);
    expect(r.text()).toBe('{"a":"' + long + '"}');
    r.reset(true, false).int("x", 1).int("x", 2);
    expect(r.text()).toBe('{\\"x\\":1,\\"x\\":2}');
  });
});

describe("request info", () => {
  it("recognises APIs and the Gemini model", () => {
    expect(apiOf("/v1/chat/completions?x")).toBe(Api.ChatCompletions);
    expect(apiOf("/v1/completions")).toBe(Api.Completions);
    expect(apiOf("/v1/messages")).toBe(Api.Messages);
    expect(apiOf("/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")).toBe(Api.StreamGenerateContent);
    expect(apiOf("/v1/models")).toBe(Api.Models);
    expect(expectsUsage(Api.Models)).toBe(false);
    expect(apiName(Api.Messages)).toBe("anthropic/messages");
    expect(modelFromPath("/v1beta/models/gemini-2.5-flash:generateContent")).toBe("gemini-2.5-flash");
    expect(modelFromPath("/v1/chat/completions")).toBe("");
  });
  it("built-in question and answer", () => {
    const b = new BuiltinPaths();
    expect(b.questionOf('{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q?"}]}')).toBe("q?");
    expect(b.questionOf('{"messages":[{"role":"user","content":[{"type":"text","text":"blocks"}]}]}')).toBe("blocks");
    expect(b.questionOf('{"contents":[{"role":"user","parts":[{"text":"gem"}]}]}')).toBe("gem");
    expect(b.answerPieceOf('{"choices":[{"delta":{"content":"x"}}]}')).toBe("x");
    expect(b.answerPieceOf('{"type":"content_block_delta","delta":{"type":"text_delta","text":"y"}}')).toBe("y");
    expect(b.answerPieceOf('{"type":"message_delta","delta":{"stop_reason":"end_turn"}}')).toBeNull();
    expect(b.answerOf('{"content":[{"type":"text","text":"z"}]}')).toBe("z");
    expect(b.answerOf('{"candidates":[{"content":{"parts":[{"text":"g"}]}}]}')).toBe("g");
  });
});
