/**
 * String similarity as Django's `UserAttributeSimilarityValidator` measures it: Python's
 * `difflib.SequenceMatcher(a=…, b=…).quick_ratio()`, an upper bound of the real ratio computed
 * from character counts alone (order ignored), so it is linear and safe on hostile input.
 */

/**
 * `2·M / (len(a) + len(b))` where M is the number of characters the two strings share, counted
 * with multiplicity, over Unicode code points (as Python counts them). Two empty strings are 1.
 *
 * @example
 * quickRatio('abcd', 'bcde') // 0.75
 * quickRatio('lovelace1', 'lovelace') // ≈ 0.94
 */
export function quickRatio(a: string, b: string): number {
  const available = new Map<string, number>()
  let lengthB = 0
  for (const char of b) {
    available.set(char, (available.get(char) ?? 0) + 1)
    lengthB++
  }
  let lengthA = 0
  let matches = 0
  for (const char of a) {
    lengthA++
    const left = available.get(char)
    if (left) {
      matches++
      available.set(char, left - 1)
    }
  }
  const total = lengthA + lengthB
  return total === 0 ? 1 : (2 * matches) / total
}

/** Number of Unicode code points (Python's `len`), without building an array. */
export function codePointLength(text: string): number {
  let count = 0
  for (const _ of text) count++
  return count
}

/**
 * Django's `exceeds_maximum_length_ratio`: when the password is at least ten times longer than
 * the value, the ratio cannot reach `maxSimilarity`, so the comparison is skipped. This keeps a
 * megabyte-long password from costing anything.
 */
export function exceedsMaximumLengthRatio(
  passwordLength: number,
  maxSimilarity: number,
  valueLength: number,
): boolean {
  return passwordLength >= 10 * valueLength && valueLength < (maxSimilarity / 2) * passwordLength
}
