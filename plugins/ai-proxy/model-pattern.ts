// A model-name pattern in the modelMapping key syntax: "gpt-4o" (exact), "gpt-4*" (prefix),
// "~^claude-(opus|sonnet)" (Go regexp, unanchored like Higress), "*" (anything).
import { Regex } from "./regex";

export class ModelPattern {
  exact: string = "";
  prefix: string = "";
  re: Regex | null = null;
  any: bool = false;
  error: string | null = null;

  static parse(p: string): ModelPattern {
    const m = new ModelPattern();
    if (p == "*") m.any = true;
    else if (p.startsWith("~")) {
      const re = Regex.compile(p.substring(1));
      if (re.error !== null) m.error = "invalid regular expression: " + re.error!;
      m.re = re;
    } else if (p.length > 1 && p.endsWith("*")) m.prefix = p.substring(0, p.length - 1);
    else if (p.length == 0) m.error = "empty pattern";
    else m.exact = p;
    return m;
  }

  matches(model: string): bool {
    if (this.any) return true;
    if (this.re !== null) return this.re!.test(model);
    if (this.prefix.length > 0) return model.startsWith(this.prefix);
    return model == this.exact;
  }
}
