/**
 * The analysis of one template: walks its nodes with Jinja2's scoping rules (the same as the
 * compiler's, `scope.ts`) and records, for every *free* variable (read but not assigned in the
 * template, and not a global), the shape its uses imply.
 *
 * Evaluating an expression gives a `Val`: the shape node of the value when it comes from a free
 * variable (so `{% for p in products %}{{ p.name }}` puts `name` on the items of `products`, and
 * `{% set first = products[0] %}` makes `first` an alias), the parameters of a macro (so a call
 * `row(p)` passes what the macro needs of its parameter on to `p`), or nothing.
 */
import type { Expr, MacroParam, Node, Target } from '../ast.ts'
import { type ContextShape, elementOf, mergeContext, mergeShape, newShape } from './shape.ts'
import { ExprWalker, type MacroInfo, Scope, type Val } from './walk-expr.ts'

export type { MacroInfo }

/** What rendering a template needs of its caller, inheritance and includes resolved. */
export interface Summary {
  context: ContextShape
  /** Top-level macros, for `import` and `from … import`. */
  macros: Map<string, MacroInfo>
}

/** What the walk needs from outside: globals, and other templates' summaries. */
export interface WalkHost {
  globals: ReadonlySet<string>
  /** The summary of template `name`; `undefined` when missing or already being analysed. */
  summary(name: string): Summary | undefined
}

/** One template's own uses, before inheritance is resolved (`analyze.ts` does that). */
export interface TemplateUses {
  /** Free variables read outside blocks (and in macros, includes, imports). */
  root: ContextShape
  blocks: Map<string, { context: ContextShape; callsSuper: boolean }>
  /** The parent of `{% extends "name" %}` when it is a constant. */
  parent: string | undefined
  /** Names assigned at the top level: they live in the render context, parents see them. */
  bound: Set<string>
  macros: Map<string, MacroInfo>
}

/** Analyse one parsed template. */
export function walkTemplate(nodes: readonly Node[], host: WalkHost): TemplateUses {
  return new Walker(host).run(nodes)
}

class Walker {
  readonly #host: WalkHost
  readonly #rootScope = new Scope()
  readonly #uses: TemplateUses = {
    root: new Map(),
    blocks: new Map(),
    parent: undefined,
    bound: new Set(),
    macros: new Map(),
  }
  /** Where free variables read now are recorded (the root, or the block being walked). */
  #context: ContextShape = this.#uses.root
  readonly #x = new ExprWalker((name, scope) => this.#read(name, scope))

  constructor(host: WalkHost) {
    this.#host = host
  }

  run(nodes: readonly Node[]): TemplateUses {
    this.#nodes(nodes, this.#rootScope)
    for (const name of this.#rootScope.vars.keys()) this.#uses.bound.add(name)
    return this.#uses
  }

  #nodes(nodes: readonly Node[], scope: Scope): void {
    for (const node of nodes) this.#node(node, scope)
  }

  #node(node: Node, scope: Scope): void {
    switch (node.kind) {
      case 'text':
      case 'loopcontrol':
        return
      case 'output':
        this.#x.expr(node.expr, scope)
        return
      case 'if':
        // `if` opens no scope: a name set in any branch counts as set after it.
        for (const branch of node.branches) {
          this.#x.truth(branch.test, scope)
          this.#nodes(branch.body, scope)
        }
        if (node.otherwise) this.#nodes(node.otherwise, scope)
        return
      case 'for':
        this.#for(node, scope)
        return
      case 'set':
        if (node.target.kind === 'nsattr') {
          this.#read(node.target.name, scope)
          this.#x.expr(node.value, scope)
        } else this.#bind(node.target, this.#x.expr(node.value, scope), scope)
        return
      case 'setblock':
        this.#nodes(node.body, scope)
        for (const f of node.filters) this.#x.args(f, scope)
        scope.vars.set(node.name, undefined)
        return
      case 'with': {
        const values = node.assignments.map(([, value]) => this.#x.expr(value, scope))
        const inner = new Scope(scope)
        for (const [i, [target]] of node.assignments.entries()) this.#bind(target, values[i], inner)
        this.#nodes(node.body, inner)
        return
      }
      case 'block':
        this.#block(node, scope)
        return
      case 'extends': {
        this.#x.expr(node.template, scope)
        const name = constName(node.template)
        if (name !== undefined) this.#uses.parent = name
        return
      }
      case 'include': {
        this.#x.expr(node.template, scope)
        if (!node.withContext) return
        // Jinja2 renders the first name of a list that exists.
        for (const name of constNames(node.template)) {
          const summary = this.#host.summary(name)
          if (summary === undefined) continue
          this.#apply(summary.context, scope)
          return
        }
        return
      }
      case 'import':
      case 'fromimport': {
        this.#x.expr(node.template, scope)
        const name = constName(node.template)
        const summary = name === undefined ? undefined : this.#host.summary(name)
        // Without context (the default) the imported template sees only the globals.
        if (summary !== undefined && node.withContext) this.#apply(summary.context, scope)
        const macros = summary?.macros ?? new Map<string, MacroInfo>()
        if (node.kind === 'import') scope.vars.set(node.as, { module: macros })
        else
          for (const [imported, alias] of node.names) {
            const macro = macros.get(imported)
            scope.vars.set(alias, macro === undefined ? undefined : { macro })
          }
        return
      }
      case 'macro': {
        const info: MacroInfo = { params: [] }
        // Bound before its body is walked: a macro may call itself.
        scope.vars.set(node.name, { macro: info })
        this.#macroBody(info, node.params, node.body, scope)
        if (scope === this.#rootScope) this.#uses.macros.set(node.name, info)
        return
      }
      case 'callblock':
        this.#x.expr(node.call, scope)
        this.#macroBody({ params: [] }, node.params, node.body, scope)
        return
      case 'filterblock':
        this.#nodes(node.body, scope)
        for (const f of node.filters) this.#x.args(f, scope)
        return
      case 'tag':
        this.#x.args(node.args, scope)
        return
    }
  }

  #for(node: Extract<Node, { kind: 'for' }>, scope: Scope): void {
    const source = this.#x.expr(node.iter, scope)
    let item: Val | undefined
    if (source?.shape) {
      source.shape.iterable = true
      item = { shape: elementOf(source.shape) }
    }
    const inner = new Scope(scope)
    inner.vars.set('loop', undefined)
    this.#bind(node.target, item, inner)
    if (node.filter) this.#x.truth(node.filter, inner)
    this.#nodes(node.body, inner)
    if (node.otherwise) this.#nodes(node.otherwise, scope)
  }

  #block(node: Extract<Node, { kind: 'block' }>, scope: Scope): void {
    const context: ContextShape = new Map()
    this.#uses.blocks.set(node.name, { context, callsSuper: callsSuper(node.body) })
    const outer = this.#context
    this.#context = context
    // A block sees the render context, not the locals around it, unless it is `scoped`.
    this.#nodes(node.body, new Scope(node.scoped ? scope : this.#rootScope))
    this.#context = outer
  }

  #macroBody(
    info: MacroInfo,
    params: readonly MacroParam[],
    body: readonly Node[],
    scope: Scope,
  ): void {
    const inner = new Scope(scope)
    for (const name of ['varargs', 'kwargs', 'caller']) inner.vars.set(name, undefined)
    for (const param of params) {
      if (param.default) this.#x.expr(param.default, inner)
      const shape = newShape()
      info.params.push({ name: param.name, shape })
      inner.vars.set(param.name, { shape })
    }
    this.#nodes(body, inner)
  }

  /** What another template needs, seen from here: bound names take it on, free ones pass up. */
  #apply(context: ContextShape, scope: Scope): void {
    const free: ContextShape = new Map()
    for (const [name, slot] of context) {
      const found = scope.find(name)
      if (found === undefined) free.set(name, slot)
      else if (found.val?.shape) mergeShape(found.val.shape, slot.shape)
    }
    mergeContext(this.#context, free)
  }

  #bind(target: Target, value: Val | undefined, scope: Scope): void {
    if (target.kind === 'name') scope.vars.set(target.name, value)
    else if (target.kind === 'tuple')
      for (const item of target.items) this.#bind(item, undefined, scope)
  }

  /** Read a variable: a local, a global (nothing to record) or a free variable of the context. */
  #read(name: string, scope: Scope): Val | undefined {
    const found = scope.find(name)
    if (found !== undefined) return found.val
    if (this.#host.globals.has(name)) return undefined
    let slot = this.#context.get(name)
    if (slot === undefined) {
      slot = { shape: newShape(), optional: false }
      this.#context.set(name, slot)
    }
    return { shape: slot.shape, slot }
  }
}

function constName(expr: Expr): string | undefined {
  return expr.kind === 'const' && typeof expr.value === 'string' ? expr.value : undefined
}

/** `"a.html"` or `["a.html", "b.html"]`: the constant names, in order. */
function constNames(expr: Expr): string[] {
  if (expr.kind === 'list' || expr.kind === 'tuple')
    return expr.items.flatMap((item) => constName(item) ?? [])
  const name = constName(expr)
  return name === undefined ? [] : [name]
}

/** Does a block's body call `super()` (so the parent's block renders too)? */
function callsSuper(body: readonly Node[]): boolean {
  return JSON.stringify(body).includes('"kind":"name","name":"super"')
}
