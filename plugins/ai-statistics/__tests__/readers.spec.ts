import { RouteRules } from "../../../assembly/rules";
import { StatsConfig, StatsConfigParser } from "../config";
import { RequestState } from "../request-state";
import { ResponseReader } from "../response-reader";
import { BuiltinPaths } from "../builtin-attributes";
import { finalUsage, outcomeOf, numbersOf } from "../report";
import { anomaliesOf } from "../anomalies";
import { Api } from "../request-info";

function config(text: string): StatsConfig {
  const r = new RouteRules<StatsConfig>();
  r.parse(text, new StatsConfigParser());
  return r.global!;
}

/** Feeds `body` to a fresh request state in pieces of `step` bytes; returns the state. */
function run(cfg: StatsConfig, requestBody: string, body: string, stream: bool, step: i32): RequestState {
  const st = new RequestState(cfg);
  st.api = Api.ChatCompletions;
  const rb = String.UTF8.encode(requestBody);
  st.request.push(rb);
  st.request.finish();
  st.requestModel = st.request.model;
  st.status = 200;
  st.stream = stream;
  const r = new ResponseReader(stream, cfg, st.values, new BuiltinPaths());
  st.response = r;
  const all = String.UTF8.encode(body);
  for (let i = 0; i < all.byteLength; i += step) {
    const end = i + step < all.byteLength ? i + step : all.byteLength;
    const piece = all.slice(i, end);
    r.push(piece);
  }
  r.finish();
  st.responseEnded = true;
  st.startNanos = 1_000_000_000;
  st.firstByteNanos = 1_010_000_000;
  st.endNanos = 1_110_000_000;
  return st;
}

const STREAM =
  'data: {"id":"chatcmpl-7","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}],"usage":null}\n\n' +
  'data: {"id":"chatcmpl-7","model":"gpt-4o-2024","choices":[{"index":0,"delta":{"content":"lo \u4e16"},"finish_reason":"stop"}],"usage":null}\n\n' +
  'data: {"id":"chatcmpl-7","model":"gpt-4o-2024","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":11,"total_tokens":20}}\n\n' +
  "data: [DONE]\n\n";

describe("response reader + report", () => {
  it("stream: usage, answer (append), TPOT, at any chunking", () => {
    const cfg = config('{"attributes":[{"key":"answer","apply_to_log":true},{"key":"first_id","value_source":"response_streaming_body","value":"id","rule":"first","apply_to_log":true}]}');
    for (let step = 1; step < 40; step += 3) {
      const st = run(cfg, '{"model":"gpt-4o","stream":true,"messages":[]}', STREAM, true, step);
      const u = finalUsage(st);
      expect(u.input).toBe(9);
      expect(u.output).toBe(11);
      expect(u.total).toBe(20);
      expect(u.model).toBe("gpt-4o-2024");
      expect(st.requestModel).toBe("gpt-4o");
      expect(st.values.get(0, "")).toBe("Hello \u4e16");
      expect(st.values.get(1, "")).toBe("chatcmpl-7");
      const o = outcomeOf(st, u);
      expect(anomaliesOf(o, 0, 0)).toBe(0);
      const n = numbersOf(st, u, o, 0, "none");
      expect(n.durationMs).toBe(110);
      expect(n.ttftMs).toBe(10);
      expect(n.tpotMs).toBe(10); // (110 - 10) / (11 - 1)
    }
  });
  it("non-stream: usage from captured members, response_body attribute and overrides", () => {
    const cfg = config('{"attributes":[{"key":"input_token","value_source":"response_body","value":"usage.models.0.input_tokens"},{"key":"output_token","value_source":"response_body","value":"usage.models.0.output_tokens"},{"key":"model","value_source":"response_body","value":"usage.models.0.model_id"}]}');
    const st = run(cfg, '{"input":"x"}', '{"output":{"text":"hi"},"usage":{"models":[{"model_id":"qwen-max","input_tokens":343,"output_tokens":153}]}}', false, 7);
    const u = finalUsage(st);
    expect(u.found).toBe(true);
    expect(u.input).toBe(343);
    expect(u.output).toBe(153);
    expect(u.total).toBe(496);
    expect(u.model).toBe("qwen-max");
  });
  it("missing usage: anomaly, or an estimate when enabled", () => {
    const body = '{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"abcdefgh"},"finish_reason":"stop"}]}';
    const plain = run(config("{}"), '{"model":"m","messages":[{"role":"user","content":"1234"}]}', body, false, 5);
    const u = finalUsage(plain);
    expect(u.found).toBe(false);
    expect(anomaliesOf(outcomeOf(plain, u), 0, 0)).toBe(8); // MISSING_USAGE
    const est = run(config('{"estimate_usage":true}'), '{"model":"m","messages":[{"role":"user","content":"1234"}]}', body, false, 5);
    const e = finalUsage(est);
    expect(e.estimated).toBe(true);
    expect(e.output).toBe(2);
    expect(e.input).toBeGreaterThan(0);
    expect(anomaliesOf(outcomeOf(est, e), 0, 0)).toBe(0);
  });
  it("Anthropic stream without message_stop is truncated", () => {
    const wire = 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":3,"output_tokens":1}}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}\n\n';
    const st = run(config("{}"), '{"model":"claude"}', wire, true, 13);
    const u = finalUsage(st);
    expect(u.input).toBe(3);
    expect(anomaliesOf(outcomeOf(st, u), 0, 0)).toBe(16); // TRUNCATED_STREAM
  });
});
