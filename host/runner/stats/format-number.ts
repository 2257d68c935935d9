// Number formats Envoy's admin output uses, reproduced digit for digit.

/**
 * printf-style "%.{p}g" (fmt's `{:.32g}`): p significant digits from the exact binary value,
 * trailing zeros removed, scientific notation when the exponent is < -4 or >= p.
 * So 0.5 -> "0.5", 3600000 -> "3600000", 0.01 -> "0.010000000000000000208166817117217".
 */
export function formatG(x: number, p = 32): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, expPart] = x.toExponential(p - 1).split("e");
  const exp = Number(expPart);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let out: string;
  if (exp < -4 || exp >= p) {
    const m = trimZeros(digits[0] + "." + digits.slice(1));
    out = `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  } else if (exp >= 0) {
    out = trimZeros(digits.slice(0, exp + 1) + "." + digits.slice(exp + 1));
  } else {
    out = trimZeros("0." + "0".repeat(-exp - 1) + digits);
  }
  return neg ? "-" + out : out;
}

function trimZeros(s: string): string {
  if (!s.includes(".")) return s;
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** fmt's `{}` for a double (shortest round-trip); Envoy prints NaN as "nan". */
export function formatShortest(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return String(x);
}

/** fmt's `{:g}` (6 significant digits). */
export function formatG6(x: number): string {
  return formatG(x, 6);
}
