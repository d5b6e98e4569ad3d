/**
 * Exact decimal rounding of doubles, as Python does it.
 *
 * Python's `round(x, n)` and `'%.2f' % x` round the *exact* binary value of `x` half to even
 * (`round(2.5) == 2`, `round(2.675, 2) == 2.67` because 2.675 is really 2.67499…). JavaScript's
 * `toFixed` rounds exact ties away from zero and `Math.round` rounds half up, so neither can be
 * used. Every finite double is a finite decimal (m × 2^e = m × 5^-e / 10^-e), so we expand it
 * with BigInt, round the digits, and let the engine parse the result back.
 */

/** A finite double as `(-1)^neg × digits × 10^-scale`, exactly. */
interface Exact {
  neg: boolean
  digits: bigint
  scale: number
}

const view = new DataView(new ArrayBuffer(8))

function exact(x: number): Exact {
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const neg = hi >>> 31 === 1
  const biased = (hi >>> 20) & 0x7ff
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo)
  let exponent = -1074
  if (biased !== 0) {
    mantissa |= 1n << 52n
    exponent = biased - 1075
  }
  if (exponent >= 0) return { neg, digits: mantissa << BigInt(exponent), scale: 0 }
  return { neg, digits: mantissa * 5n ** BigInt(-exponent), scale: -exponent }
}

/** `digits / 10^drop`, rounded half to even. */
function dropDigits(digits: bigint, drop: number): bigint {
  if (drop <= 0) return digits * 10n ** BigInt(-drop)
  const unit = 10n ** BigInt(drop)
  const quotient = digits / unit
  const twice = (digits % unit) * 2n
  if (twice > unit || (twice === unit && quotient % 2n === 1n)) return quotient + 1n
  return quotient
}

/**
 * Python's `round(x, ndigits)`: half to even on the exact value; negative `ndigits` round to
 * tens, hundreds…
 *
 * @example pyRound(2.5, 0) // 2
 * @example pyRound(2.675, 2) // 2.67
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0) return x
  if (ndigits >= 0 && ndigits <= 15) {
    // Fast path: away from a tie the nearest integer of x × 10^n is the same whether computed
    // exactly or in floating point (the product's error is at most half an ulp), and dividing by
    // an exact power of ten rounds correctly, so this is Python's result without BigInt.
    const scale = 10 ** ndigits
    const y = x * scale
    const fraction = y - Math.floor(y)
    if (Math.abs(y) < 2 ** 52 && Math.abs(fraction - 0.5) > Math.abs(y) * 1e-15 + 1e-12)
      return Math.round(y) / scale
  }
  const { neg, digits, scale } = exact(x)
  if (ndigits >= scale) return x
  const rounded = dropDigits(digits, scale - ndigits)
  const result = Number(`${rounded}e${-ndigits}`)
  return neg ? -result : result
}

/** `'%.{precision}f' % x` without the sign: the digits of |x| with `precision` decimals. */
export function fixedDigits(x: number, precision: number): string {
  const { digits, scale } = exact(x)
  const rounded = dropDigits(digits, scale - precision).toString()
  if (precision === 0) return rounded
  const padded = rounded.padStart(precision + 1, '0')
  return `${padded.slice(0, -precision)}.${padded.slice(-precision)}`
}

/**
 * `'%.{precision}e' % x` without the sign, split as significant digits and decimal exponent:
 * |x| ≈ d.ddd × 10^exponent, with `precision + 1` digits.
 */
export function scientificDigits(
  x: number,
  precision: number,
): { digits: string; exponent: number } {
  const { digits, scale } = exact(x)
  if (digits === 0n) return { digits: '0'.repeat(precision + 1), exponent: 0 }
  const length = digits.toString().length
  let exponent = length - 1 - scale
  let rounded = dropDigits(digits, length - (precision + 1)).toString()
  // Rounding 9.99… up adds a digit: 10.0 × 10^e is 1.00 × 10^(e+1).
  if (rounded.length > precision + 1) {
    rounded = rounded.slice(0, precision + 1)
    exponent += 1
  }
  return { digits: rounded, exponent }
}

/** A Python exponent suffix: `e+05`, `e-10` (at least two digits). */
export function exponentSuffix(exponent: number, upper = false): string {
  const sign = exponent < 0 ? '-' : '+'
  return `${upper ? 'E' : 'e'}${sign}${String(Math.abs(exponent)).padStart(2, '0')}`
}
