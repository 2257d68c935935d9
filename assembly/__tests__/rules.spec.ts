import { JSON } from "json-as";
import { ConfigParser, ConfigReader } from "../json/config";
import { RouteRules, stripPort } from "../rules";

class Cfg {
  constructor(public name: string) {}
}

class CfgParser extends ConfigParser<Cfg> {
  parse(obj: JSON.Obj, path: string): Cfg | null {
    const r = new ConfigReader();
    r.require(obj, "name", path);
    const name = r.string(obj, "name", path);
    if (!r.ok) {
      this.error = r.error;
      return null;
    }
    return new Cfg(name);
  }
}

function parsed(text: string): RouteRules<Cfg> {
  const rules = new RouteRules<Cfg>();
  const ok = rules.parse(text, new CfgParser());
  if (!ok) throw new Error("unexpected parse failure: " + rules.error);
  return rules;
}

function pick(rules: RouteRules<Cfg>, route: string, authority: string, cluster: string): string {
  const c = rules.match(route, authority, cluster);
  return c === null ? "null" : c.name;
}

const CONFIG = `{
  "name": "global",
  "_rules_": [
    { "_match_route_": ["r-exact"], "name": "by-route" },
    { "_match_domain_": ["*.example.com", "api.test", "pre.*"], "name": "by-domain" },
    { "_match_service_": ["openai", "svc.ns.svc.cluster.local:443"], "name": "by-service" },
    { "_match_route_prefix_": ["team-"], "name": "by-prefix" },
    { "_match_route_": ["r-both"], "_match_service_": ["only-this"], "name": "route-and-service" },
    { "_match_route_prefix_": ["r-"], "name": "late-prefix" }
  ]
}`;

describe("RouteRules matching", () => {
  it("matches by route name exactly", () => {
    const rules = parsed(CONFIG);
    expect(pick(rules, "r-exact", "", "")).toBe("by-route");
  });

  it("matches domains without port: suffix wildcard, exact, prefix", () => {
    const rules = parsed(CONFIG);
    expect(pick(rules, "", "a.example.com:8080", "")).toBe("by-domain");
    expect(pick(rules, "", "api.test", "")).toBe("by-domain");
    expect(pick(rules, "", "pre.anything", "")).toBe("by-domain");
    expect(pick(rules, "", "example.com", "")).toBe("global");
    expect(pick(rules, "", "api.test.evil", "")).toBe("global");
  });

  it("matches services: plain cluster names and Higress outbound names", () => {
    const rules = parsed(CONFIG);
    expect(pick(rules, "", "", "openai")).toBe("by-service");
    expect(pick(rules, "", "", "outbound|443||svc.ns.svc.cluster.local")).toBe("by-service");
    expect(pick(rules, "", "", "outbound|80||svc.ns.svc.cluster.local")).toBe("global");
    expect(pick(rules, "", "", "outbound|80||openai")).toBe("by-service");
  });

  it("matches route prefixes", () => {
    const rules = parsed(CONFIG);
    expect(pick(rules, "team-a", "", "")).toBe("by-prefix");
  });

  it("needs both route and service when a rule has both", () => {
    const rules = parsed(CONFIG);
    expect(pick(rules, "r-both", "", "only-this")).toBe("route-and-service");
    // route r-both with another cluster falls through to the later prefix rule
    expect(pick(rules, "r-both", "", "other")).toBe("late-prefix");
  });

  it("first matching rule wins, else global", () => {
    const rules = parsed(CONFIG);
    // matches by-route (rule 0) even though the domain would match rule 1
    expect(pick(rules, "r-exact", "x.example.com", "openai")).toBe("by-route");
    expect(pick(rules, "nothing", "nowhere", "none")).toBe("global");
  });
});

describe("RouteRules parsing", () => {
  it("uses the whole object as the global config when there are no rules", () => {
    const rules = parsed('{"name":"only"}');
    expect(rules.rules.length).toBe(0);
    expect(pick(rules, "x", "y", "z")).toBe("only");
  });

  it("has no global config when only _rules_ is given", () => {
    const rules = parsed('{"_rules_":[{"_match_route_":["r"],"name":"n"}]}');
    expect(rules.global).toBeNull();
    expect(pick(rules, "other", "", "")).toBe("null");
    expect(pick(rules, "r", "", "")).toBe("n");
  });

  it("rejects a bad global config when there are no rules, naming the field", () => {
    const rules = new RouteRules<Cfg>();
    expect(rules.parse('{"name":5}', new CfgParser())).toBe(false);
    expect(rules.error).toBe("name: expected string, got number");
  });

  it("drops an invalid global part with a warning when rules exist (Higress)", () => {
    const rules = new RouteRules<Cfg>();
    expect(rules.parse('{"other":1,"_rules_":[{"_match_route_":["r"],"name":"n"}]}', new CfgParser())).toBe(true);
    expect(rules.global).toBeNull();
    expect(rules.warning).toBe("global configuration ignored: name: required");
  });

  it("rejects a rule that fails its parser, with the rule's path", () => {
    const rules = new RouteRules<Cfg>();
    expect(rules.parse('{"name":"g","_rules_":[{"_match_route_":["r"],"name":"ok"},{"_match_route_":["s"],"name":true}]}', new CfgParser())).toBe(false);
    expect(rules.error).toBe("_rules_[1].name: expected string, got boolean");
  });

  it("rejects a rule without match keys, bad match types and bad JSON", () => {
    const r1 = new RouteRules<Cfg>();
    expect(r1.parse('{"_rules_":[{"name":"x"}]}', new CfgParser())).toBe(false);
    expect(r1.error).toBe("_rules_[0]: needs one of _match_route_, _match_route_prefix_, _match_domain_, _match_service_");
    const r2 = new RouteRules<Cfg>();
    expect(r2.parse('{"_rules_":[{"_match_route_":"r","name":"x"}]}', new CfgParser())).toBe(false);
    expect(r2.error).toBe("_rules_[0]._match_route_: expected array, got string");
    const r3 = new RouteRules<Cfg>();
    expect(r3.parse('{"_rules_":{}}', new CfgParser())).toBe(false);
    expect(r3.error).toBe("_rules_: expected array, got object");
    const r4 = new RouteRules<Cfg>();
    expect(r4.parse('{"name":"x",', new CfgParser())).toBe(false);
    expect(r4.error).toBe("configuration: invalid JSON at offset 12: expected a string key");
    const r5 = new RouteRules<Cfg>();
    expect(r5.parse('{"_rules_":[3]}', new CfgParser())).toBe(false);
    expect(r5.error).toBe("_rules_[0]: expected object, got number");
  });

  it("a failed parse leaves nothing behind", () => {
    const rules = parsed('{"name":"g"}');
    expect(rules.parse('{"name":1}', new CfgParser())).toBe(false);
    expect(rules.global).toBeNull();
  });
});

describe("stripPort", () => {
  it("removes a port, keeps IPv6 brackets", () => {
    expect(stripPort("a.b:80")).toBe("a.b");
    expect(stripPort("a.b")).toBe("a.b");
    expect(stripPort("[::1]:8080")).toBe("[::1]");
    expect(stripPort("[::1]")).toBe("[::1]");
  });
});
