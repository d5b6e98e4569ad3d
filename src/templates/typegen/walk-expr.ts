/**
 * Expressions, for the typed-context analysis (`walk.ts`): evaluating one gives a `Val`, the
 * shape node of the value when it comes from a free variable (`p.name` inside
 * `{% for p in products %}` is the `name` of an item of `products`), the parameters of a macro, or
 * nothing; uses add constraints to those nodes (`x|join` makes `x` iterable, `x()` callable).
 */
import type { Args, Expr } from '../ast.ts'
import { FILTER_EFFECTS, type FilterEffect, PYTHON_METHODS } from './effects.ts'
import { elementOf, mergeShape, newShape, propOf, type Shape, type Slot } from './shape.ts'

/** What a macro needs of its parameters (their shapes, from uses in its body). */
export interface MacroInfo {
  params: Array<{ name: string; shape: Shape }>
}

/** What an expression evaluates to, as far as the analysis can tell. */
export interface Val {
  shape?: Shape
  slot?: Slot
  macro?: MacroInfo
  module?: Map<string, MacroInfo>
}

/** Names in scope: a name mapped to `undefined` is bound to a value the analysis cannot track. */
export class Scope {
  readonly vars = new Map<string, Val | undefined>()
  readonly parent: Scope | undefined
  constructor(parent?: Scope) {
    this.parent = parent
  }
  find(name: string): { val: Val | undefined } | undefined {
    for (let s: Scope | undefined = this; s !== undefined; s = s.parent)
      if (s.vars.has(name)) return { val: s.vars.get(name) }
    return undefined
  }
}

/** Reads a name in a scope (locals, globals, free variables): the statement walker's job. */
export type ReadName = (name: string, scope: Scope) => Val | undefined

export class ExprWalker {
  readonly #read: ReadName
  constructor(read: ReadName) {
    this.#read = read
  }

  /** An expression used as a condition: `None` and missing values are expected there. */
  truth(expr: Expr, scope: Scope): void {
    const val = this.expr(expr, scope)
    if (val?.shape) val.shape.nullable = true
  }

  /** Evaluate arguments: the values of positional ones, then of keyword ones by name. */
  args(args: Args, scope: Scope): [Array<Val | undefined>, Map<string, Val | undefined>] {
    const positional = args.args.map((a) => this.expr(a, scope))
    const keywords = new Map(args.kwargs.map(([k, v]) => [k, this.expr(v, scope)]))
    if (args.star) this.expr(args.star, scope)
    if (args.starstar) this.expr(args.starstar, scope)
    return [positional, keywords]
  }

  #attr(val: Val | undefined, name: string): Val | undefined {
    if (val?.module) {
      const macro = val.module.get(name)
      return macro === undefined ? undefined : { macro }
    }
    if (!val?.shape) return undefined
    const slot = propOf(val.shape, name)
    return { shape: slot.shape, slot }
  }

  #item(val: Val | undefined): Val | undefined {
    if (!val?.shape) return undefined
    val.shape.indexable = true
    return { shape: elementOf(val.shape) }
  }

  expr(expr: Expr, scope: Scope): Val | undefined {
    switch (expr.kind) {
      case 'const':
        return undefined
      case 'name':
        return this.#read(expr.name, scope)
      case 'list':
      case 'tuple':
        for (const item of expr.items) this.expr(item, scope)
        return undefined
      case 'dict':
        for (const [k, v] of expr.items) {
          this.expr(k, scope)
          this.expr(v, scope)
        }
        return undefined
      case 'getattr':
        return this.#attr(this.expr(expr.obj, scope), expr.attr)
      case 'getitem': {
        const obj = this.expr(expr.obj, scope)
        const key = expr.key
        if (key.kind === 'const' && typeof key.value === 'string') return this.#attr(obj, key.value)
        // `x[0]`, and `x[-1]` (a negation of a constant).
        const index = key.kind === 'unary' && key.op === '-' ? key.operand : key
        if (index.kind === 'const' && Number.isInteger(index.value)) return this.#item(obj)
        this.expr(expr.key, scope)
        return undefined
      }
      case 'slice': {
        const obj = this.expr(expr.obj, scope)
        for (const part of [expr.start, expr.stop, expr.step]) if (part) this.expr(part, scope)
        const item = this.#item(obj)
        return item?.shape ? { shape: listOf(item.shape) } : undefined
      }
      case 'call':
        return this.#call(expr, scope)
      case 'filter':
        return this.#filter(expr, scope)
      case 'test': {
        const val = this.expr(expr.node, scope)
        this.args(expr, scope)
        if ((expr.name === 'defined' || expr.name === 'undefined') && val?.slot)
          val.slot.optional = true
        if (expr.name === 'none' && val?.shape) val.shape.nullable = true
        return undefined
      }
      case 'unary':
        if (expr.op === 'not') this.truth(expr.operand, scope)
        else this.expr(expr.operand, scope)
        return undefined
      case 'and':
      case 'or':
        this.truth(expr.left, scope)
        this.truth(expr.right, scope)
        return undefined
      case 'binary':
        this.expr(expr.left, scope)
        this.expr(expr.right, scope)
        return undefined
      case 'compare':
        this.expr(expr.first, scope)
        for (const [, operand] of expr.ops) this.expr(operand, scope)
        return undefined
      case 'cond':
        this.truth(expr.test, scope)
        this.expr(expr.yes, scope)
        if (expr.no) this.expr(expr.no, scope)
        return undefined
    }
  }

  #call(expr: Extract<Expr, { kind: 'call' }>, scope: Scope): Val | undefined {
    const callee = expr.callee
    // `d.items()`, `s.upper()`: the engine's Python methods, not attributes the data must have.
    if (callee.kind === 'getattr' && PYTHON_METHODS.has(callee.attr)) {
      const obj = this.expr(callee.obj, scope)
      if (!obj?.module) {
        if (obj?.shape && PYTHON_METHODS.get(callee.attr) === 'mapping') obj.shape.mapping = true
        this.args(expr, scope)
        return undefined
      }
    }
    const fn = this.expr(callee, scope)
    const [positional, keywords] = this.args(expr, scope)
    if (fn?.macro) {
      // What the macro needs of each parameter, the argument must have.
      for (const [i, param] of fn.macro.params.entries()) {
        const arg = i < positional.length ? positional[i] : keywords.get(param.name)
        if (arg?.shape) mergeShape(arg.shape, param.shape)
      }
    } else if (fn?.shape) fn.shape.callable = true
    return undefined
  }

  #filter(expr: Extract<Expr, { kind: 'filter' }>, scope: Scope): Val | undefined {
    const val = this.expr(expr.node, scope)
    this.args(expr, scope)
    const effect: FilterEffect | undefined = FILTER_EFFECTS[expr.name]
    if (effect === undefined) return undefined
    if (effect.kind === 'default') {
      if (val?.slot) val.slot.optional = true
      return val
    }
    const shape = val?.shape
    if (shape === undefined) return undefined
    if (effect.kind === 'sized') {
      shape.sized = true
      return undefined
    }
    if (effect.kind === 'mapping') {
      shape.mapping = true
      return undefined
    }
    if (effect.kind === 'attr') {
      const name = stringArg(expr, 0, 'name')
      return name === undefined ? undefined : this.#attr(val, name)
    }
    shape.iterable = true
    const item = elementOf(shape)
    const attribute = effect.attribute ? stringArg(expr, ...effect.attribute) : undefined
    for (const path of attribute?.split(',') ?? []) {
      let at = item
      for (const part of path.trim().split('.')) if (part !== '') at = propOf(at, part).shape
    }
    switch (effect.kind) {
      case 'items':
        return { shape: listOf(item) }
      case 'item':
        return { shape: item }
      case 'chunks':
        return { shape: listOf(listOf(item)) }
      case 'groups': {
        const group = newShape()
        group.props.set('list', { shape: listOf(item), optional: false })
        return { shape: listOf(group) }
      }
      case 'map': {
        // `map(attribute='name')` gives the attribute of each item; `map('upper')` is untracked.
        if (attribute === undefined || attribute.includes(',')) return undefined
        let at = item
        for (const part of attribute.split('.')) if (part !== '') at = propOf(at, part).shape
        return { shape: listOf(at) }
      }
      default:
        return undefined
    }
  }
}

/** A list whose items are `item` (a new node sharing the item's node). */
function listOf(item: Shape): Shape {
  const shape = newShape()
  shape.iterable = true
  shape.indexable = true
  shape.element = item
  return shape
}

/** A constant string argument, by position or keyword. */
function stringArg(args: Args, index: number, keyword: string): string | undefined {
  const expr = args.kwargs.find(([k]) => k === keyword)?.[1] ?? args.args[index]
  return expr?.kind === 'const' && typeof expr.value === 'string' ? expr.value : undefined
}
