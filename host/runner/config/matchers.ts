// type.matcher.v3.RegexMatcher and StringMatcher, and the checks Envoy makes on them.
import { Fields } from "./reader.ts";
import type { StringMatcherSpec } from "./types.ts";

/**
 * Envoy's safe_regex runs on RE2, which has no look-around and no back-references. JavaScript
 * would accept those, so reject them here to keep the file loadable by real Envoy.
 */
export function re2Problem(regex: string): string | null {
  if (/\(\?<?[=!]/.test(regex)) return "look-around is not supported by RE2";
  if (/(^|[^\\])\\[1-9]/.test(regex)) return "back-references are not supported by RE2";
  try {
    new RegExp(regex, "u");
  } catch (e) {
    return `invalid regex: ${(e as Error).message}`;
  }
  return null;
}

/** A full-match JavaScript RegExp for an RE2 pattern (Envoy's safe_regex matches the whole input). */
export function fullMatch(regex: string, ignoreCase = false): RegExp {
  return new RegExp(`^(?:${regex})$`, ignoreCase ? "iu" : "u");
}

/** Reads a RegexMatcher ({google_re2: {}, regex}) and returns the pattern ("" on error). */
export function readRegexMatcher(f: Fields): string {
  const engine = f.message("google_re2");
  if (engine) engine.done(); // max_program_size and friends are reported as unsupported
  const regex = f.requiredStr("regex");
  const problem = regex === "" ? null : re2Problem(regex);
  if (problem) f.problems.add(f.at("regex"), problem);
  f.done();
  return problem ? "" : regex;
}

export function readStringMatcher(f: Fields): StringMatcherSpec {
  const out: StringMatcherSpec = { ignoreCase: f.bool("ignore_case") };
  let kinds = 0;
  for (const k of ["exact", "prefix", "suffix", "contains"] as const) {
    if (f.has(k)) {
      out[k] = f.str(k);
      kinds++;
    }
  }
  const re = f.message("safe_regex");
  if (re) {
    out.safeRegex = readRegexMatcher(re);
    kinds++;
  }
  if (kinds !== 1) f.problems.add(f.path, "exactly one of exact, prefix, suffix, contains, safe_regex is required");
  f.done();
  return out;
}

export function stringMatches(m: StringMatcherSpec, value: string): boolean {
  const v = m.ignoreCase ? value.toLowerCase() : value;
  const lc = (s: string) => (m.ignoreCase ? s.toLowerCase() : s);
  if (m.exact !== undefined) return v === lc(m.exact);
  if (m.prefix !== undefined) return v.startsWith(lc(m.prefix));
  if (m.suffix !== undefined) return v.endsWith(lc(m.suffix));
  if (m.contains !== undefined) return v.includes(lc(m.contains));
  if (m.safeRegex !== undefined) return fullMatch(m.safeRegex, m.ignoreCase).test(value);
  return false;
}
