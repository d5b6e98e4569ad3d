/**
 * Python arithmetic for compiled templates (`+ - * / // % **`, unary `-`/`+`, and Jinja2's `~`),
 * re-exported by `values.ts`: booleans count as 0 and 1, bigints stay exact, `//` and `%` round
 * toward negative infinity, strings and lists concatenate and repeat, `str % args` formats, and
 * mixing kinds Python would refuse is a `PLINTH_TEMPLATE_TYPE` error. An Undefined operand
 * raises `UndefinedError` with its hint, as Jinja2's default Undefined does.
 */
import { escapeHtml, SafeString } from './markup.ts'
import { printf } from './value-format.ts'
import {
  asNumber,
  isString,
  pyType,
  requireDefined,
  TemplateValueError,
  toStr,
  typeError,
} from './value-kinds.ts'

function unsupported(op: string, a: unknown, b: unknown): TemplateValueError {
  return typeError(`unsupported operand type(s) for ${op}: '${pyType(a)}' and '${pyType(b)}'`)
}

/** Apply a numeric operator with bigint kept exact, or return `undefined` for non-numbers. */
function numeric(
  a: unknown,
  b: unknown,
  f: (x: number, y: number) => number,
  g: (x: bigint, y: bigint) => bigint,
): number | bigint | undefined {
  const x = asNumber(a)
  const y = asNumber(b)
  if (x === undefined || y === undefined) return undefined
  if (typeof x === 'bigint' && typeof y === 'bigint') return g(x, y)
  return f(Number(x), Number(y))
}

/** Markup joined with text escapes the text (Jinja2's `Markup.__add__`). */
function joinMarkup(a: string | SafeString, b: string | SafeString): SafeString {
  const text = (v: string | SafeString) => (v instanceof SafeString ? v.value : escapeHtml(v))
  return new SafeString(text(a) + text(b))
}

/** Python `+`: numbers add, strings and lists concatenate; mixing kinds is a TypeError. */
export function add(a: unknown, b: unknown): unknown {
  requireDefined(a)
  requireDefined(b)
  const n = numeric(
    a,
    b,
    (x, y) => x + y,
    (x, y) => x + y,
  )
  if (n !== undefined) return n
  if (typeof a === 'string' && typeof b === 'string') return a + b
  if (isString(a) && isString(b)) return joinMarkup(a, b)
  if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b]
  if (isString(a) || Array.isArray(a)) {
    const kind = isString(a) ? 'str' : 'list'
    throw typeError(
      `can only concatenate ${kind} (not "${pyType(b)}") to ${kind}${kind === 'str' ? ' (use ~ to join values as text)' : ''}`,
    )
  }
  throw unsupported('+', a, b)
}

/** Python `-` on numbers. */
export function sub(a: unknown, b: unknown): unknown {
  requireDefined(a)
  requireDefined(b)
  const n = numeric(
    a,
    b,
    (x, y) => x - y,
    (x, y) => x - y,
  )
  if (n === undefined) throw unsupported('-', a, b)
  return n
}

/** Python `*`: numbers multiply; a string or list times an int repeats it. */
export function mul(a: unknown, b: unknown): unknown {
  requireDefined(a)
  requireDefined(b)
  const n = numeric(
    a,
    b,
    (x, y) => x * y,
    (x, y) => x * y,
  )
  if (n !== undefined) return n
  const [seq, times] = isString(a) || Array.isArray(a) ? [a, b] : [b, a]
  if (isString(seq) || Array.isArray(seq)) {
    const count = asNumber(times)
    if (count === undefined || (typeof count === 'number' && !Number.isInteger(count)))
      throw typeError(`can't multiply sequence by non-int of type '${pyType(times)}'`)
    const k = Math.max(0, Number(count))
    if (Array.isArray(seq)) return Array.from({ length: k }, () => seq).flat()
    return typeof seq === 'string' ? seq.repeat(k) : new SafeString(seq.value.repeat(k))
  }
  throw unsupported('*', a, b)
}

function zeroDivision(message: string): TemplateValueError {
  return new TemplateValueError(
    'PLINTH_TEMPLATE_ZERO_DIVISION',
    `${message} (check the divisor first)`,
  )
}

/** Python `/`: true division (always a number); dividing by zero is an error. */
export function div(a: unknown, b: unknown): number {
  requireDefined(a)
  requireDefined(b)
  const x = asNumber(a)
  const y = asNumber(b)
  if (x === undefined || y === undefined) throw unsupported('/', a, b)
  if (Number(y) === 0) throw zeroDivision('division by zero')
  return Number(x) / Number(y)
}

/** Python `//`: division rounded toward negative infinity (`-7 // 2 == -4`). */
export function floordiv(a: unknown, b: unknown): unknown {
  requireDefined(a)
  requireDefined(b)
  const y = asNumber(b)
  if (y !== undefined && Number(y) === 0) throw zeroDivision('integer division or modulo by zero')
  const bigFloor = (x: bigint, d: bigint) => {
    const q = x / d
    return x % d !== 0n && x < 0n !== d < 0n ? q - 1n : q
  }
  const n = numeric(a, b, (x, d) => Math.floor(x / d), bigFloor)
  if (n === undefined) throw unsupported('//', a, b)
  return n
}

/**
 * Python `%`: the remainder takes the divisor's sign (`-7 % 3 == 2`); on a string it formats
 * (`'%s and %d' % (a, b)`, `'%(name)s' % d`, see `printf`); on trusted markup the arguments are
 * escaped and the result stays trusted.
 */
export function mod(a: unknown, b: unknown): unknown {
  requireDefined(a)
  if (typeof a === 'string') return printf(a, b)
  if (a instanceof SafeString) return new SafeString(printf(a.value, b, escapeHtml))
  requireDefined(b)
  const y = asNumber(b)
  if (y !== undefined && Number(y) === 0) throw zeroDivision('integer modulo by zero')
  const bigMod = (x: bigint, d: bigint) => {
    const r = x % d
    return r !== 0n && r < 0n !== d < 0n ? r + d : r
  }
  const n = numeric(a, b, pyMod, bigMod)
  if (n === undefined) throw unsupported('%', a, b)
  return n
}

function pyMod(x: number, d: number): number {
  const r = x % d
  return r !== 0 && r < 0 !== d < 0 ? r + d : r
}

/** Python `**`. Zero to a negative power is a ZeroDivisionError, as in Python. */
export function pow(a: unknown, b: unknown): unknown {
  requireDefined(a)
  requireDefined(b)
  const x = asNumber(a)
  const y = asNumber(b)
  if (x === undefined || y === undefined) throw unsupported('** or pow()', a, b)
  if (Number(x) === 0 && Number(y) < 0)
    throw zeroDivision('0.0 cannot be raised to a negative power')
  if (typeof x === 'bigint' && typeof y === 'bigint' && y >= 0n) return x ** y
  return Number(x) ** Number(y)
}

/** Python unary `-`. */
export function neg(a: unknown): unknown {
  requireDefined(a)
  const x = asNumber(a)
  if (x === undefined) throw typeError(`bad operand type for unary -: '${pyType(a)}'`)
  return -x
}

/** Python unary `+`. */
export function pos(a: unknown): unknown {
  requireDefined(a)
  const x = asNumber(a)
  if (x === undefined) throw typeError(`bad operand type for unary +: '${pyType(a)}'`)
  return x
}

/**
 * Jinja2's `~`: both sides as text (Undefined as `''`). With autoescaping on, joining trusted
 * markup escapes the other side and stays trusted (Jinja2's `markup_join`); otherwise plain text.
 */
export function concat(a: unknown, b: unknown, autoescape = false): string | SafeString {
  if (autoescape && (a instanceof SafeString || b instanceof SafeString)) {
    const part = (v: unknown) => (v instanceof SafeString ? v : toStr(v))
    return joinMarkup(part(a), part(b))
  }
  return toStr(a) + toStr(b)
}
