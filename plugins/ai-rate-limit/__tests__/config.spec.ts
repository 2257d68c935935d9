import { parseConfigText } from "../config";
import { KeySource, ItemKind, RateLimitConfig, FAIL_CLOSED } from "../config-types";

function ok(text: string): RateLimitConfig {
  const r = parseConfigText(text);
  expect(r.error).toBeNull(text);
  return r.config!;
}

function err(text: string): string {
  const r = parseConfigText(text);
  expect(r.config).toBeNull(text);
  return r.error !== null ? r.error! : "";
}

describe("Higress cluster-key-rate-limit configs", () => {
  it("global_threshold", () => {
    const c = ok('{"rule_name":"routeA-global-limit-rule","global_threshold":{"query_per_minute":1000},"redis":{"service_name":"redis.static"},"show_limit_quota_header":true}');
    expect(c.groups.length).toBe(1);
    const rule = c.groups[0].rules[0];
    expect(rule.source).toBe(KeySource.Global);
    expect(rule.items[0].windows[0].spec.limit).toBe(1000);
    expect(rule.items[0].windows[0].spec.windowMs).toBe(60_000);
    expect(rule.items[0].windows[0].tokens).toBe(false);
    expect(c.showQuotaHeaders).toBe(true);
    expect(c.redis!.cluster).toBe("outbound|80||redis.static");
    expect(c.rejectedCode).toBe(429);
    expect(c.needsBody).toBe(false);
  });
  it("param, header, consumer, cookie and ip rules with exact, regexp, * and CIDR keys", () => {
    const c = ok('{"rule_name":"r","rule_items":[' +
      '{"limit_by_param":"apikey","limit_keys":[{"key":"9a34","query_per_minute":10},{"key":"a6a6","query_per_hour":100}]},' +
      '{"limit_by_per_param":"apikey","limit_keys":[{"key":"regexp:^a.*","query_per_second":10},{"key":"*","query_per_hour":1000}]},' +
      '{"limit_by_header":"X-Ca-Key","limit_keys":[{"key":102234,"query_per_minute":10}]},' +
      '{"limit_by_consumer":"","limit_keys":[{"key":"consumer1","query_per_second":10}]},' +
      '{"limit_by_per_cookie":"key1","limit_keys":[{"key":"*","query_per_hour":1000}]},' +
      '{"limit_by_per_ip":"from-header-x-forwarded-for","limit_keys":[{"key":"1.1.1.1","query_per_day":10},{"key":"1.1.1.0/24","query_per_day":100},{"key":"0.0.0.0/0","query_per_day":1000}]}' +
      '],"rejected_code":200,"rejected_msg":"{\\"code\\":-1,\\"msg\\":\\"Too many requests\\"}","redis":{"service_name":"redis.dns","service_port":6379,"database":2}}');
    expect(c.groups.length).toBe(1);
    expect(c.groups[0].firstMatch).toBe(true);
    const rs = c.groups[0].rules;
    expect(rs.length).toBe(6);
    expect(rs[0].source).toBe(KeySource.Param);
    expect(rs[0].perValue).toBe(false);
    expect(rs[0].items[1].kind).toBe(ItemKind.Exact);
    expect(rs[1].items[0].kind).toBe(ItemKind.Regex);
    expect(rs[1].items[1].kind).toBe(ItemKind.All);
    expect(rs[2].sourceName).toBe("x-ca-key");
    expect(rs[2].items[0].key).toBe("102234");
    expect(rs[3].source).toBe(KeySource.Consumer);
    expect(rs[5].source).toBe(KeySource.Ip);
    expect(rs[5].ipHeader).toBe("x-forwarded-for");
    expect(rs[5].items[1].kind).toBe(ItemKind.Cidr);
    expect(c.rejectedCode).toBe(200);
    expect(c.rejectedMsg!).toBe('{"code":-1,"msg":"Too many requests"}');
    expect(c.redis!.cluster).toBe("outbound|6379||redis.dns?db=2");
  });
});

describe("Higress ai-token-ratelimit configs", () => {
  it("token_per_* are token limits; limit_type request makes them request limits", () => {
    const c = ok('{"rule_name":"default_rule","rule_items":[{"limit_by_param":"apikey","limit_keys":[' +
      '{"key":"k1","token_per_minute":10},{"key":"k2","token_per_hour":100,"limit_type":"request"}]}],' +
      '"redis":{"service_name":"redis.static"}}');
    const items = c.groups[0].rules[0].items;
    expect(items[0].windows[0].tokens).toBe(true);
    expect(items[1].windows[0].tokens).toBe(false);
    expect(items[1].windows[0].spec.windowMs).toBe(3_600_000);
    expect(c.hasTokens).toBe(true);
    expect(c.needsBody).toBe(true);
  });
  it("global_threshold together with rule_items", () => {
    const c = ok('{"rule_name":"r","global_threshold":{"token_per_minute":1000},"rule_items":[{"limit_by_per_consumer":"","limit_keys":[{"key":"*","token_per_minute":100}]}]}');
    expect(c.groups.length).toBe(2);
    expect(c.groups[0].rules[0].items[0].windows[0].tokens).toBe(true);
    expect(c.redis).toBeNull();
  });
});

describe("native rules", () => {
  it("match, per-value limits on the rule, concurrency and options", () => {
    const c = ok('{"rules":[{"name":"chat","match":{"path_prefix":"/v1/chat/","methods":["post"],"models":["gpt-4*","regexp:^claude"],' +
      '"headers":[{"name":"X-Tier","exact":"free"}]},"limit_by_per_consumer":"","limit_keys":[{"key":"regexp:^vip-","token_per_minute":100000}],' +
      '"token_per_minute":1000,"query_per_second":5,"max_concurrency":2,"max_queue":8,"max_queue_wait_ms":5000}],' +
      '"algorithm":"fixed","failure_mode":"closed","token_estimate":{"bytes_per_token":4,"default_max_tokens":256},' +
      '"circuit_breaker":{"error_rate":0.25,"min_requests":5,"slow_call_ms":20000,"slow_call_rate":0.5,"failure_status":["5.*","429"]}}');
    const rule = c.groups[0].rules[0];
    expect(rule.name).toBe("chat");
    expect(rule.match!.methods[0]).toBe("POST");
    expect(rule.match!.models.length).toBe(2);
    expect(rule.match!.headers[0].name).toBe("x-tier");
    expect(rule.items.length).toBe(2);
    expect(rule.items[1].kind).toBe(ItemKind.All);
    expect(rule.items[1].windows.length).toBe(2);
    expect(rule.items[1].windows[0].spec.sliding).toBe(false);
    expect(rule.items[1].concurrency!.maxInFlight).toBe(2);
    expect(rule.items[1].concurrency!.maxQueue).toBe(8);
    expect(c.failureMode).toBe(FAIL_CLOSED);
    expect(c.estimate.bytesPerToken).toBe(4);
    expect(c.breaker!.failureStatus.length).toBe(2);
    expect(c.hasConcurrency).toBe(true);
    expect(c.needsBody).toBe(true);
  });
  it("a global rule and distinct counter keys per rule and window", () => {
    const c = ok('{"rules":[{"query_per_minute":10,"query_per_second":2},{"name":"b","match":{"path":"/x"},"query_per_minute":5}]}');
    expect(c.groups.length).toBe(2);
    const w = c.groups[0].rules[0].items[0].windows;
    expect(w[0].keyPrefix).toBe("rules.0:r0.d:q1:");
    expect(w[1].keyPrefix).toBe("rules.0:r0.d:q60:");
    expect(c.groups[1].rules[0].items[0].windows[0].keyPrefix).toBe("b:r1.d:q60:");
  });
  it("a circuit breaker alone is a valid config", () => {
    const c = ok('{"circuit_breaker":{}}');
    expect(c.breaker!.spec.errorRate).toBe(0.5);
    expect(c.groups.length).toBe(0);
  });
});

describe("config errors name the field", () => {
  it("reports them", () => {
    expect(err("")).toBe("configuration is empty: set rules, rule_items, global_threshold or circuit_breaker");
    expect(err("{\"rules\":[}").startsWith("configuration is not valid JSON")).toBe(true);
    expect(err('{"rule_items":[{"limit_by_header":"x","limit_keys":[{"key":"a","query_per_minute":1}]}]}')).toBe("rule_name: required with global_threshold or rule_items");
    expect(err('{"rule_name":"r","rule_items":[]}')).toBe("rule_items: must not be empty");
    expect(err('{"rule_name":"r","rule_items":[{"limit_keys":[{"key":"a","query_per_minute":1}]}]}').startsWith("rule_items[0]: set one of limit_by_header")).toBe(true);
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_header":"x","limit_by_param":"y","limit_keys":[]}]}')).toBe("rule_items[0].limit_by_param: only one limit_by_* field per rule (also has limit_by_header)");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_header":"","limit_keys":[]}]}')).toBe("rule_items[0].limit_by_header: must name the header");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_header":"x"}]}')).toBe("rule_items[0]: limit_keys: required");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_header":"x","limit_keys":[{"key":"a"}]}]}')).toBe("rule_items[0].limit_keys[0]: set at least one of query_per_*, token_per_*, max_concurrency");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_per_header":"x","limit_keys":[{"key":"abc","query_per_minute":1}]}]}')).toBe("rule_items[0].limit_keys[0].key: limit_by_per_* keys must be \"*\" or start with \"regexp:\" (got \"abc\")");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_per_header":"x","limit_keys":[{"key":"regexp:(a","query_per_minute":1}]}]}')).toBe("rule_items[0].limit_keys[0].key: invalid regexp: missing closing ) at position 2");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_per_ip":"from-remote-addr","limit_keys":[{"key":"1.2.3.0/33","query_per_minute":1}]}]}')).toBe("rule_items[0].limit_keys[0].key: invalid prefix length in 1.2.3.0/33");
    expect(err('{"rule_name":"r","rule_items":[{"limit_by_per_ip":"remote","limit_keys":[]}]}')).toBe("rule_items[0].limit_by_per_ip: expected \"from-remote-addr\" or \"from-header-<name>\"");
    expect(err('{"rule_name":"r","global_threshold":{"query_per_minute":0}}')).toBe("global_threshold.query_per_minute: expected an integer from 1 to 1000000000000000");
    expect(err('{"rule_name":"r","global_threshold":{"query_per_minute":"10"}}')).toBe("global_threshold.query_per_minute: expected integer, got string");
    expect(err('{"rules":[{"query_per_minut":10}]}')).toBe("rules[0].query_per_minut: unknown field");
    expect(err('{"rules":[{"match":{"path_regex":"(("},"query_per_minute":1}]}')).toBe("rules[0].match.path_regex: invalid regex: missing closing ) at position 2");
    expect(err('{"rules":[{"limit_by_header":"x","query_per_minute":1}]}')).toBe("rules[0]: limits on a limit_by_header rule need limit_keys (or use limit_by_per_header)");
    expect(err('{"rules":[{"query_per_minute":1,"max_queue":3}]}')).toBe("rules[0].max_queue: needs max_concurrency");
    expect(err('{"redis":{"service_port":1},"rules":[{"query_per_minute":1}]}')).toBe("redis.service_name: required");
    expect(err('{"algorithm":"leaky","rules":[{"query_per_minute":1}]}')).toBe("algorithm: expected \"sliding\" or \"fixed\"");
    expect(err('{"circuit_breaker":{"error_rate":2}}')).toBe("circuit_breaker.error_rate: expected a number in (0, 1]");
    expect(err('{"show_limit_quota_header":true}')).toBe("configuration: set rules, rule_items, global_threshold or circuit_breaker");
  });
});
