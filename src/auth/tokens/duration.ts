/** Durations in token settings: seconds as a number, or `'30s'`, `'15m'`, `'12h'`, `'14d'`. */
import { PlinthError } from '../../http/index.ts'

/** A duration: whole seconds, or a string such as `'15m'` (units s, m, h, d). */
export type Duration = number | `${number}${'s' | 'm' | 'h' | 'd'}`

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** The duration in whole seconds; throws `PLINTH_AUTH_TOKENS_CONFIG` naming `option` when invalid. */
export function durationSeconds(
  value: unknown,
  option: string,
  { allowZero = false } = {},
): number {
  let seconds: number | undefined
  if (typeof value === 'number' && Number.isInteger(value)) seconds = value
  else if (typeof value === 'string') {
    const match = /^(\d{1,9})(s|m|h|d)$/.exec(value)
    if (match) seconds = Number(match[1]) * UNIT_SECONDS[match[2]!]!
  }
  if (seconds === undefined || seconds < 0 || (seconds === 0 && !allowZero)) {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_CONFIG',
      `jwtTokens({ ${option} }) must be ${allowZero ? 'zero or more' : 'a positive number of'} seconds or a string like '15m' (units s, m, h, d), got ${JSON.stringify(value)}.`,
    )
  }
  return seconds
}
