/**
 * The objects templates handle at render time besides data: macros (callable from templates and
 * from JavaScript), the `loop` variable of a `for`, and `namespace()` objects.
 */
import { Undefined } from './undefined.ts'
import { equals } from './values.ts'

/** Marks an argument a macro was not given. */
export const MISSING: unique symbol = Symbol('missing')

/** A macro (`{% macro %}`), callable from templates and from JavaScript. */
export class Macro {
  readonly name: string
  readonly params: readonly string[]
  readonly catchVarargs: boolean
  readonly catchKwargs: boolean
  readonly usesCaller: boolean
  readonly #fn: (args: unknown[]) => unknown
  constructor(
    name: string,
    params: readonly string[],
    catchVarargs: boolean,
    catchKwargs: boolean,
    usesCaller: boolean,
    fn: (args: unknown[]) => unknown,
  ) {
    this.name = name
    this.params = params
    this.catchVarargs = catchVarargs
    this.catchKwargs = catchKwargs
    this.usesCaller = usesCaller
    this.#fn = fn
  }

  /** Call with positional and keyword arguments, as a template does. */
  invoke(args: readonly unknown[], kw?: Record<string, unknown>): unknown {
    // The common call: every parameter given by position, nothing else.
    if (
      kw === undefined &&
      args.length === this.params.length &&
      !this.catchVarargs &&
      !this.catchKwargs &&
      !this.usesCaller
    )
      return this.#fn(args as unknown[])
    kw ??= {}
    const values: unknown[] = this.params.map((_, i) => (i < args.length ? args[i] : MISSING))
    const extra = args.slice(this.params.length)
    if (extra.length > 0 && !this.catchVarargs)
      throw new TypeError(
        `macro '${this.name}' takes ${this.params.length} positional argument${this.params.length === 1 ? '' : 's'}, got ${args.length}`,
      )
    const rest: Record<string, unknown> = {}
    let caller: unknown = new Undefined(
      "'caller' is undefined (the macro was not called with {% call %})",
    )
    for (const [key, value] of Object.entries(kw)) {
      const at = this.params.indexOf(key)
      if (at !== -1) {
        if (values[at] !== MISSING)
          throw new TypeError(`macro '${this.name}' got multiple values for argument '${key}'`)
        values[at] = value
      } else if (key === 'caller' && (this.usesCaller || value instanceof Macro)) caller = value
      else if (this.catchKwargs) rest[key] = value
      else throw new TypeError(`macro '${this.name}' has no argument '${key}'`)
    }
    return this.#fn([...values, extra, rest, caller])
  }
}

/** The `loop` variable of a `for`. */
export class Loop {
  readonly items: readonly unknown[]
  readonly depth0: number
  i = 0
  readonly #recurse: ((items: unknown) => unknown) | undefined
  #last: unknown = MISSING
  constructor(items: readonly unknown[], depth0: number, recurse?: (items: unknown) => unknown) {
    this.items = items
    this.depth0 = depth0
    this.#recurse = recurse
  }
  get index(): number {
    return this.i + 1
  }
  get index0(): number {
    return this.i
  }
  get revindex(): number {
    return this.items.length - this.i
  }
  get revindex0(): number {
    return this.items.length - this.i - 1
  }
  get first(): boolean {
    return this.i === 0
  }
  get last(): boolean {
    return this.i === this.items.length - 1
  }
  get length(): number {
    return this.items.length
  }
  get depth(): number {
    return this.depth0 + 1
  }
  get previtem(): unknown {
    return this.i > 0 ? this.items[this.i - 1] : new Undefined('there is no previous item')
  }
  get nextitem(): unknown {
    return this.i < this.items.length - 1
      ? this.items[this.i + 1]
      : new Undefined('there is no next item')
  }
  /** `loop.cycle('odd', 'even')`. */
  cycle(...values: unknown[]): unknown {
    if (values.length === 0) throw new TypeError('loop.cycle() needs at least one value')
    return values[this.i % values.length]
  }
  /** True on the first call and whenever the value differs from the previous call's. */
  changed(...values: unknown[]): boolean {
    const changed = this.#last === MISSING || !equals(this.#last, values)
    this.#last = values
    return changed
  }
  /** `loop(children)` in a recursive loop. */
  recurse(items: unknown): unknown {
    if (this.#recurse === undefined)
      throw new TypeError('loop() can only be called in a loop declared "recursive"')
    return this.#recurse(items)
  }
}

/** `namespace()`: an object whose attributes `{% set ns.x = … %}` may change from any scope. */
export class Namespace {
  constructor(init: Record<string, unknown> = {}) {
    for (const [k, v] of Object.entries(init))
      if (k !== 'constructor')
        Object.defineProperty(this, k, {
          value: v,
          writable: true,
          enumerable: true,
          configurable: true,
        })
  }
}
