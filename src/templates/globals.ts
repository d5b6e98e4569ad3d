/**
 * Jinja2's default globals: `range`, `dict`, `namespace`, `cycler`, `joiner`, `lipsum`.
 */
import { Namespace } from './runtime/core.ts'
import { isKwargs } from './runtime/values.ts'

/** `range(stop)`, `range(start, stop[, step])`, as Python's (at most 100 000 items). */
function range(...args: unknown[]): number[] {
  const nums = args
    .filter((a) => !isKwargs(a))
    .map((a) => {
      if (typeof a !== 'number' || !Number.isInteger(a))
        throw new TypeError(`range() takes integers, got ${typeof a}`)
      return a
    })
  const [start, stop, step] =
    nums.length === 1 ? [0, nums[0]!, 1] : [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 1]
  if (step === 0) throw new RangeError('range() step must not be zero')
  const out: number[] = []
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
    out.push(i)
    // A template must not be able to exhaust memory with range(10**12).
    if (out.length > 100_000) throw new RangeError('range() is limited to 100000 items')
  }
  return out
}

/** `dict(a=1, b=2)`. */
function dict(...args: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const a of args)
    if (isKwargs(a) || (typeof a === 'object' && a !== null))
      for (const [k, v] of Object.entries(a as object))
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          writable: true,
          configurable: true,
        })
  return out
}

/** `namespace(x=1)`: attributes `{% set ns.x = … %}` can change from inside loops. */
function namespace(...args: unknown[]): Namespace {
  return new Namespace(dict(...args))
}

/** `cycler('odd', 'even')`: `.next()`, `.current`, `.reset()`. */
function cycler(...items: unknown[]) {
  let i = 0
  return {
    next() {
      const value = items[i % items.length]
      i++
      return value
    },
    get current() {
      return items[i % items.length]
    },
    reset() {
      i = 0
      return ''
    },
  }
}

/** `joiner(', ')`: returns '' the first time it is called, the separator after. */
function joiner(separator: unknown = ', ') {
  let used = false
  return () => {
    if (!used) {
      used = true
      return ''
    }
    return isKwargs(separator) ? ', ' : separator
  }
}

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(
    ' ',
  )

/** `lipsum(n=5)`: placeholder paragraphs (deterministic). */
function lipsum(n: unknown = 5): string {
  const count = typeof n === 'number' ? Math.min(Math.max(0, n), 100) : 5
  const paragraphs: string[] = []
  for (let p = 0; p < count; p++) {
    const words = Array.from({ length: 20 + (p % 5) * 5 }, (_, i) => WORDS[(i + p) % WORDS.length]!)
    const text = words.join(' ')
    paragraphs.push(`${text[0]!.toUpperCase()}${text.slice(1)}.`)
  }
  return paragraphs.join('\n\n')
}

export const globals: Record<string, unknown> = { range, dict, namespace, cycler, joiner, lipsum }
