/**
 * Compile-time scopes: which template variables are JavaScript locals where, so a name resolves
 * to a local (`l_item_3`) or, when no enclosing scope assigns it, to a context lookup.
 *
 * Jinja2's rules: `for`, `with`, macros and blocks open a scope; a variable set inside one does
 * not leak out (a set inside a loop is local to the iteration); `if` opens none. Top-level
 * assignments live in the render context, so blocks, includes and imports see them. A block is
 * a boundary: it sees the context, not the locals around it (unless `scoped`).
 */

/** One generated JavaScript function: its temporaries and what `super()` compiles to. */
export class FunctionScope {
  readonly #temps: string[] = []
  #counter: { n: number }
  /** In a block function: the expression rendering the parent block. */
  superCall: string | undefined
  constructor(counter: { n: number }) {
    this.#counter = counter
  }
  uid(): number {
    return ++this.#counter.n
  }
  /** A fresh temporary (declared at the top of the function). */
  temp(): string {
    const name = `t${this.uid()}`
    this.#temps.push(name)
    return name
  }
  /** `let t1, t2;` for the function's temporaries (empty when none). */
  declarations(): string {
    return this.#temps.length === 0 ? '' : `let ${this.#temps.join(', ')};`
  }
}

export class Scope {
  readonly parent: Scope | undefined
  readonly fn: FunctionScope
  /** Names assigned here live in the context (the template's top level). */
  readonly root: boolean
  /** Reads stop here instead of looking at enclosing locals (blocks). */
  readonly boundary: boolean
  readonly #names = new Map<string, string>()

  constructor(options: { parent?: Scope; fn: FunctionScope; root?: boolean; boundary?: boolean }) {
    this.parent = options.parent
    this.fn = options.fn
    this.root = options.root ?? false
    this.boundary = options.boundary ?? false
  }

  /** The local holding `name`, searching enclosing scopes up to a boundary. */
  local(name: string): string | undefined {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      const found = s.#names.get(name)
      if (found !== undefined) return found
      if (s.boundary) return undefined
    }
    return undefined
  }

  /** JavaScript reading `name`. */
  read(name: string): string {
    return this.local(name) ?? `rt.lookup(ctx, ${JSON.stringify(name)})`
  }

  /** Make `name` a local of this scope (or of the nearest non-root one); returns its identifier. */
  declare(name: string): string {
    const ident = `l_${name}_${this.fn.uid()}`
    this.#names.set(name, ident)
    return ident
  }

  /** Is `name` a local of exactly this scope? */
  owns(name: string): boolean {
    return this.#names.has(name)
  }

  /** Every local visible here (name → identifier), innermost winning. */
  visible(): Map<string, string> {
    const out = new Map<string, string>()
    const chain: Scope[] = []
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent) {
      chain.push(s)
      if (s.boundary) break
    }
    for (const s of chain.reverse()) for (const [k, v] of s.#names) out.set(k, v)
    return out
  }
}
