import { parseConfigText } from "../config";
import { RateLimitConfig } from "../config-types";
import { RequestView, Hit, selectLimits } from "../select";
import { queryParam, cookieValue, counterKey, hash64 } from "../request-values";

class FakeRequest extends RequestView {
  names: string[] = [];
  values: string[] = [];
  p: string = "/v1/chat/completions";
  m: string = "POST";
  addr: string = "10.0.0.9:40000";
  mdl: string = "";
  set(name: string, value: string): FakeRequest {
    this.names.push(name);
    this.values.push(value);
    return this;
  }
  header(name: string): string | null {
    for (let i = 0; i < this.names.length; i++) if (this.names[i] == name) return this.values[i];
    return null;
  }
  path(): string {
    return this.p;
  }
  method(): string {
    return this.m;
  }
  remoteAddress(): string {
    return this.addr;
  }
  model(): string {
    return this.mdl;
  }
}

function cfg(text: string): RateLimitConfig {
  const r = parseConfigText(text);
  expect(r.error).toBeNull(text);
  return r.config!;
}

function describeHits(c: RateLimitConfig, req: FakeRequest): string {
  const hits = new Array<Hit>();
  selectLimits(c, req, hits);
  const parts = new Array<string>();
  for (let i = 0; i < hits.length; i++) parts.push(hits[i].item.path + "=" + hits[i].value);
  return parts.join(" ");
}

const HIGRESS = '{"rule_name":"r","rule_items":[' +
  '{"limit_by_param":"apikey","limit_keys":[{"key":"k1","query_per_minute":10},{"key":"k2","query_per_hour":100}]},' +
  '{"limit_by_per_param":"apikey","limit_keys":[{"key":"regexp:^a","query_per_second":10},{"key":"*","query_per_hour":1000}]},' +
  '{"limit_by_per_ip":"from-header-x-forwarded-for","limit_keys":[{"key":"1.1.1.1","query_per_day":10},{"key":"1.1.1.0/24","query_per_day":100}]},' +
  '{"limit_by_per_ip":"from-remote-addr","limit_keys":[{"key":"10.0.0.0/8","query_per_day":5}]}' +
  ']}';

describe("selectLimits with Higress rule_items (first match wins)", () => {
  it("exact param keys count under the configured key", () => {
    const c = cfg(HIGRESS);
    const r = new FakeRequest();
    r.p = "/v1/x?apikey=k2&b=1";
    expect(describeHits(c, r)).toBe("rule_items[0].limit_keys[1]=k2");
  });
  it("falls through to per-value keys: regexp, then *", () => {
    const c = cfg(HIGRESS);
    const r = new FakeRequest();
    r.p = "/v1/x?apikey=abc";
    expect(describeHits(c, r)).toBe("rule_items[1].limit_keys[0]=abc");
    r.p = "/v1/x?apikey=zzz";
    expect(describeHits(c, r)).toBe("rule_items[1].limit_keys[1]=zzz");
  });
  it("uses the client IP from a header or the connection, first containing block", () => {
    const c = cfg(HIGRESS);
    const r = new FakeRequest();
    r.p = "/v1/x";
    r.set("x-forwarded-for", "1.1.1.7, 9.9.9.9");
    expect(describeHits(c, r)).toBe("rule_items[2].limit_keys[1]=1.1.1.7");
    const r2 = new FakeRequest();
    r2.p = "/v1/x";
    r2.set("x-forwarded-for", "1.1.1.1");
    expect(describeHits(c, r2)).toBe("rule_items[2].limit_keys[0]=1.1.1.1");
    const r3 = new FakeRequest();
    expect(describeHits(c, r3)).toBe("rule_items[3].limit_keys[0]=10.0.0.9");
    r3.addr = "192.168.1.1:5";
    expect(describeHits(c, r3)).toBe("");
  });
});

const NATIVE = '{"rules":[' +
  '{"name":"all","query_per_minute":100},' +
  '{"name":"chat","match":{"path_prefix":"/v1/chat/","methods":["POST"]},"limit_by_per_consumer":"","token_per_minute":1000},' +
  '{"name":"gpt4","match":{"models":["gpt-4*"]},"limit_by_per_header":"x-team","limit_keys":[{"key":"regexp:^red","query_per_minute":1}],"query_per_minute":5},' +
  '{"name":"free","match":{"headers":[{"name":"x-tier","exact":"free"},{"name":"x-admin","present":false}]},"query_per_minute":3},' +
  '{"name":"models","limit_by_model":"","limit_keys":[{"key":"gpt-4o","token_per_minute":50}]},' +
  '{"name":"cookie","limit_by_per_cookie":"sid","query_per_minute":2}' +
  ']}';

describe("selectLimits with native rules (all that match apply)", () => {
  it("applies every matching rule", () => {
    const c = cfg(NATIVE);
    const r = new FakeRequest();
    r.set("x-mse-consumer", "alice").set("x-team", "red-1").set("x-tier", "free").set("cookie", "a=1; sid=\"s9\"");
    r.mdl = "gpt-4o";
    expect(describeHits(c, r)).toBe("rules[0]= rules[1]=alice rules[2].limit_keys[0]=red-1 rules[3]= rules[4].limit_keys[0]=gpt-4o rules[5]=s9");
  });
  it("skips rules whose match or key fails", () => {
    const c = cfg(NATIVE);
    const r = new FakeRequest();
    r.p = "/v1/embeddings?x=1";
    r.set("x-tier", "free").set("x-admin", "1").set("x-team", "blue");
    r.mdl = "gpt-3.5";
    expect(describeHits(c, r)).toBe("rules[0]=");
    r.mdl = "gpt-4-turbo";
    expect(describeHits(c, r)).toBe("rules[0]= rules[2]=blue");
  });
  it("matches exact paths and regexes without the query string", () => {
    const c = cfg('{"rules":[{"match":{"path":"/v1/messages"},"query_per_minute":1},{"match":{"path_regex":"/v1/models/[^/]+:generateContent"},"query_per_minute":1}]}');
    const r = new FakeRequest();
    r.p = "/v1/messages?beta=true";
    expect(describeHits(c, r)).toBe("rules[0]=");
    r.p = "/v1/models/gemini-pro:generateContent";
    expect(describeHits(c, r)).toBe("rules[1]=");
    r.p = "/v1/models/gemini-pro:generateContent/x";
    expect(describeHits(c, r)).toBe("");
  });
});

describe("request values", () => {
  it("reads query parameters like url.ParseQuery", () => {
    expect(queryParam("/p?a=1&b=x%20y+z&a=2", "a")!).toBe("1");
    expect(queryParam("/p?a=1&b=x%20y+z", "b")!).toBe("x y z");
    expect(queryParam("/p?flag&c=%E4%BD%A0", "flag")!).toBe("");
    expect(queryParam("/p?flag&c=%E4%BD%A0", "c")!).toBe("你");
    expect(queryParam("/p?a%5Bb%5D=3", "a[b]")!).toBe("3");
    expect(queryParam("/p?a=%zz", "a")!).toBe("%zz");
    expect(queryParam("/p", "a")).toBeNull();
    expect(queryParam("/p?ab=1", "a")).toBeNull();
  });
  it("reads cookies", () => {
    expect(cookieValue("a=1; b=2", "b")!).toBe("2");
    expect(cookieValue("a=1;b=\"q\"", "b")!).toBe("q");
    expect(cookieValue("ab=1", "a")).toBeNull();
  });
  it("bounds key sizes", () => {
    let long = "";
    for (let i = 0; i < 200; i++) long += "x";
    expect(counterKey("p:", "v")).toBe("p:v");
    expect(counterKey("p:", long)).toBe("p:#" + hash64(long));
    expect(hash64("").length).toBe(16);
    expect(hash64("a") != hash64("b")).toBe(true);
  });
});
