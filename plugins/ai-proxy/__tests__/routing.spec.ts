import { parseConfigText, Config } from "../config";
import { decide, HeaderLookup, stickyBucket } from "../routing";
import { seedRandom, nextRandom } from "../random";

class Headers extends HeaderLookup {
  names: string[] = [];
  values: string[] = [];
  set(n: string, v: string): Headers {
    this.names.push(n);
    this.values.push(v);
    return this;
  }
  get(name: string): string | null {
    for (let i = 0; i < this.names.length; i++) if (this.names[i] == name) return this.values[i];
    return null;
  }
}

function cfg(text: string): Config {
  const r = parseConfigText(text);
  if (r.error !== null) log<string>(r.error!);
  return r.config!;
}

const SPLIT = '{"providers":[{"id":"stable","type":"openai","weight":90},{"id":"canary","type":"qwen","weight":10,"variant":"B"}],' +
  '"routing":{"sticky":{"header":"x-mse-consumer"},"tags":[{"header":"x-ai-tag","value":"canary","provider":"canary"}],' +
  '"models":[{"model":"qwen-*","provider":"canary"}]}}';

describe("routing", () => {
  it("splits by weight within tolerance", () => {
    const c = cfg(SPLIT);
    seedRandom(42);
    let canary = 0;
    const n = 20000;
    const h = new Headers();
    for (let i = 0; i < n; i++) {
      if (decide(c, h, "", "", nextRandom()).provider.id == "canary") canary++;
    }
    const ratio = <f64>canary / <f64>n;
    expect(ratio > 0.085 && ratio < 0.115).toBe(true);
  });
  it("sticky keys always land on the same variant and spread by weight", () => {
    const c = cfg(SPLIT);
    const h = new Headers();
    let canary = 0;
    for (let i = 0; i < 5000; i++) {
      const key = "user-" + i.toString();
      const first = decide(c, h, "", key, 1).provider.id;
      expect(decide(c, h, "", key, 0xffffffff).provider.id).toBe(first);
      if (first == "canary") canary++;
    }
    expect(canary > 350 && canary < 650).toBe(true);
    expect(stickyBucket("abc", 100)).toBe(stickyBucket("abc", 100));
  });
  it("tag rules win, then model rules", () => {
    const c = cfg(SPLIT);
    const tagged = new Headers().set("x-ai-tag", "canary");
    const d = decide(c, tagged, "gpt-4o", "u1", 0);
    expect(d.provider.id).toBe("canary");
    expect(d.reason).toBe("tag");
    expect(d.variant).toBe("B");
    expect(decide(c, new Headers(), "qwen-max", "", 0).reason).toBe("model");
    expect(decide(c, new Headers().set("x-ai-tag", "other"), "gpt-4o", "", 0).reason).toBe("weight");
  });
  it("falls back to the active provider and names the variant by id", () => {
    const c = cfg('{"provider":{"type":"openai"}}');
    const d = decide(c, new Headers(), "m", "", 7);
    expect(d.provider.id).toBe("openai");
    expect(d.variant).toBe("openai");
    expect(d.reason).toBe("default");
  });
  it("zero weights never receive traffic", () => {
    const c = cfg('{"providers":[{"id":"a","type":"openai","weight":1},{"id":"b","type":"openai","weight":0}],"activeProviderId":""}');
    for (let i = 0; i < 100; i++) expect(decide(c, new Headers(), "", "", nextRandom()).provider.id).toBe("a");
  });
});
