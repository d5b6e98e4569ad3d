/**
 * Undefined values, as in Jinja2: a name (or attribute) that does not exist renders as an empty
 * string, is falsy and iterates as nothing, but using it further (an attribute of it, calling it)
 * is an error naming what was missing. In strict mode every use but `is defined` is an error.
 */

/** A missing value. `hint` says what was looked up (`'user' is undefined`). */
export class Undefined {
  // Computed on demand: a miss in `default(x.badge, …)` is common and its message rarely read.
  #hint: string | (() => string)
  constructor(hint: string | (() => string)) {
    this.#hint = hint
  }
  get hint(): string {
    if (typeof this.#hint === 'function') this.#hint = this.#hint()
    return this.#hint
  }
  toString(): string {
    return ''
  }
}

/** Raised when an undefined value is used in a way that needs a value. */
export class UndefinedError extends Error {
  readonly code = 'PLINTH_TEMPLATE_UNDEFINED'
  constructor(message: string) {
    super(message)
    this.name = 'UndefinedError'
  }
}
