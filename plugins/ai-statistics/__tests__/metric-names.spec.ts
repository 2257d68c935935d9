import { MetricLabels, higressName, aiName, requestsName } from "../metric-names";
import { NameBytes } from "../metric-name-bytes";

function labels(consumer: string): MetricLabels {
  const l = new MetricLabels();
  l.route = "r1";
  l.cluster = "outbound|443||llm.dns";
  l.model = "gpt-4.1";
  l.consumer = consumer;
  l.provider = "openai";
  l.requestModel = "gpt-4.1-mini";
  l.variant = "b";
  return l;
}

describe("metric names as UTF-8 bytes", () => {
  it("match the string builders (Higress, ai_*, ai_requests)", () => {
    const n = new NameBytes();
    const l = labels("alice");
    expect(n.higress(l, "input_token").toString()).toBe(higressName(l.higressPrefix(), "input_token"));
    expect(n.ai(l, "ai_ttft_ms").toString()).toBe(aiName(l.higressPrefix(), l.extraSuffix(), "ai_ttft_ms"));
    expect(n.requests(l, "4xx", "http_404").toString()).toBe(requestsName(l.higressPrefix(), l.extraSuffix(), "4xx", "http_404"));
  });
  it("encodes non-ASCII label values and grows past its first buffer", () => {
    const n = new NameBytes();
    const l = labels("zoë-日本");
    n.higress(l, "total_token");
    expect(n.toString()).toBe(higressName(l.higressPrefix(), "total_token"));
    expect(n.len).toBe(String.UTF8.byteLength(n.toString()));
    let long = "";
    for (let i = 0; i < 128; i++) long += "ü";
    const m = labels(long);
    m.model = long;
    m.requestModel = long;
    n.requests(m, "2xx", "none");
    expect(n.toString()).toBe(requestsName(m.higressPrefix(), m.extraSuffix(), "2xx", "none"));
  });
});
