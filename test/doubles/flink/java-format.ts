/**
 * Numbers written the way Flink's Java code writes them: `String.valueOf` for metric values, Jackson for
 * aggregates.
 */

/** Java's `Double.toString`: `1884.0`, `471.2333333333333`, `5.0E-4`, `1.0E7`, `NaN`, `Infinity`. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa = '', exponent = ''] = x.toExponential().split('e');
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exponent.startsWith('+') ? exponent.slice(1) : exponent}`;
}

/** Java's `Long.toString` of an integral value (fractions are cut as a Java cast to long cuts them). */
export function javaLong(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '9223372036854775807' : x < 0 ? '-9223372036854775808' : '0';
  return BigInt(Math.trunc(x)).toString();
}

/** A Java double as Jackson writes it in JSON: a number, or the strings "NaN", "Infinity", "-Infinity". */
export function jacksonDouble(x: number): number | string {
  return Number.isFinite(x) ? x : javaDouble(x);
}

/**
 * Java's `String.split(",")`: trailing empty strings are removed, but an input without a comma stays whole.
 */
export function javaSplit(s: string, separator = ','): string[] {
  if (!s.includes(separator)) return [s];
  const parts = s.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}
