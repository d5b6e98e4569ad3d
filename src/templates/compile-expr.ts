/**
 * Expressions → JavaScript source. Names resolve at compile time: a template variable assigned in
 * an enclosing scope is a JavaScript local; anything else is read from the render context once
 * per use. Filters and tests are looked up when the template compiles (an unknown one is a syntax
 * error with its line and column), and keyword arguments are placed by the filter's parameter
 * names, so a filter call is a plain function call at render time.
 */
import type { Args, Expr } from './ast.ts'
import type { FunctionScope, Scope } from './scope.ts'

/** What expression compilation needs from the statement compiler. */
export interface ExprHost {
  /** A module-level constant holding the filter's function (and its parameter names). */
  filterRef(name: string, line: number, column: number): { ref: string; params: readonly string[] }
  testRef(name: string, line: number, column: number): { ref: string; params: readonly string[] }
  fail(message: string, line: number, column?: number): never
}

const BLOCKED = new Set(['__proto__', 'constructor', 'prototype'])
const LOOP_PROPERTIES = new Set([
  'index',
  'index0',
  'revindex',
  'revindex0',
  'first',
  'last',
  'length',
  'depth',
  'depth0',
  'previtem',
  'nextitem',
])
const LOOP_METHODS = new Set(['cycle', 'changed'])

/** The local holding the enclosing loop's `loop`, when `expr` is the name `loop` bound to one. */
function loopLocal(expr: Expr, scope: Scope): string | undefined {
  if (expr.kind !== 'name' || expr.name !== 'loop') return undefined
  const local = scope.local('loop')
  return local?.startsWith('l_loop_') ? local : undefined
}

/** JavaScript testing whether `expr` is true (comparisons and tests already give booleans). */
export function truth(expr: Expr, scope: Scope, host: ExprHost): string {
  const code = compileExpr(expr, scope, host)
  if (expr.kind === 'compare' || expr.kind === 'test') return code
  if (expr.kind === 'unary' && expr.op === 'not') return code
  return `rt.truthy(${code})`
}

/** A JavaScript literal for a constant. */
export function literal(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN'
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity'
    return String(value)
  }
  return 'undefined'
}

/** Compile `expr` in `scope` to a JavaScript expression. */
export function compileExpr(expr: Expr, scope: Scope, host: ExprHost): string {
  const c = (e: Expr) => compileExpr(e, scope, host)
  switch (expr.kind) {
    case 'const':
      return literal(expr.value)
    case 'name':
      if (BLOCKED.has(expr.name))
        host.fail(`"${expr.name}" cannot be used in templates.`, expr.line)
      // `self.title()` renders the block `title` again (Jinja2's `self`).
      if (expr.name === 'self' && scope.local('self') === undefined) return 'rt.self(blocks, ctx)'
      return scope.read(expr.name)
    case 'list':
    case 'tuple':
      return `[${expr.items.map(c).join(', ')}]`
    case 'dict':
      return `rt.dict([${expr.items.map(([k, v]) => `[${c(k)}, ${c(v)}]`).join(', ')}])`
    case 'getattr': {
      const loop = loopLocal(expr.obj, scope)
      // `loop.index` of the enclosing loop: a property of the runtime's Loop, read directly.
      if (loop !== undefined && LOOP_PROPERTIES.has(expr.attr)) return `${loop}.${expr.attr}`
      const attr = JSON.stringify(expr.attr)
      if (BLOCKED.has(expr.attr)) return `rt.getattr(${c(expr.obj)}, ${attr})`
      // Fast path for the common case, a data property of a plain value; everything else
      // (maps, lists, methods, getters, misses) goes through the checked lookup.
      const o = scope.fn.temp()
      const v = scope.fn.temp()
      return `(${o} = ${c(expr.obj)}, ${o} !== null && typeof ${o} === 'object' && !Array.isArray(${o}) && Object.hasOwn(${o}, ${attr}) && (${v} = ${o}[${attr}]) !== undefined && typeof ${v} !== 'function' ? ${v} : rt.getattr(${o}, ${attr}))`
    }
    case 'getitem':
      return `rt.getitem(${c(expr.obj)}, ${c(expr.key)})`
    case 'slice':
      return `rt.slice(${c(expr.obj)}, ${expr.start ? c(expr.start) : 'undefined'}, ${expr.stop ? c(expr.stop) : 'undefined'}, ${expr.step ? c(expr.step) : 'undefined'})`
    case 'call':
      return compileCall(expr, scope, host)
    case 'filter': {
      const { ref, params } = host.filterRef(expr.name, expr.line, expr.column)
      return `${ref}(ec, ${c(expr.node)}${placeArgs(expr, params, expr.name, 'filter', scope, host)})`
    }
    case 'test': {
      const { ref, params } = host.testRef(expr.name, expr.line, expr.column)
      const call = `${ref}(ec, ${c(expr.node)}${placeArgs(expr, params, expr.name, 'test', scope, host)})`
      return expr.negated ? `!${call}` : `(${call} === true)`
    }
    case 'binary':
      return `rt.${BINARY[expr.op]}(${c(expr.left)}, ${c(expr.right)})`
    case 'unary':
      if (expr.op === 'not') return `!${truth(expr.operand, scope, host)}`
      return `rt.${expr.op === '-' ? 'neg' : 'pos'}(${c(expr.operand)})`
    case 'and': {
      const t = scope.fn.temp()
      return `(${t} = ${c(expr.left)}, rt.truthy(${t}) ? ${c(expr.right)} : ${t})`
    }
    case 'or': {
      const t = scope.fn.temp()
      return `(${t} = ${c(expr.left)}, rt.truthy(${t}) ? ${t} : ${c(expr.right)})`
    }
    case 'compare':
      return compileCompare(expr, scope, host)
    case 'cond':
      return `(${truth(expr.test, scope, host)} ? ${c(expr.yes)} : ${expr.no ? c(expr.no) : 'rt.undefined("the condition was false and there is no else")'})`
  }
}

const BINARY: Record<string, string> = {
  '+': 'add',
  '-': 'sub',
  '*': 'mul',
  '/': 'div',
  '//': 'floordiv',
  '%': 'mod',
  '**': 'pow',
  '~': 'concat',
}

const COMPARE: Record<string, (a: string, b: string) => string> = {
  '==': (a, b) => `rt.equals(${a}, ${b})`,
  '!=': (a, b) => `!rt.equals(${a}, ${b})`,
  '<': (a, b) => `(rt.compare(${a}, ${b}) < 0)`,
  '<=': (a, b) => `(rt.compare(${a}, ${b}) <= 0)`,
  '>': (a, b) => `(rt.compare(${a}, ${b}) > 0)`,
  '>=': (a, b) => `(rt.compare(${a}, ${b}) >= 0)`,
  in: (a, b) => `rt.contains(${b}, ${a})`,
  'not in': (a, b) => `!rt.contains(${b}, ${a})`,
}

function compileCompare(
  expr: Extract<Expr, { kind: 'compare' }>,
  scope: Scope,
  host: ExprHost,
): string {
  const c = (e: Expr) => compileExpr(e, scope, host)
  if (expr.ops.length === 1) {
    const [op, right] = expr.ops[0]!
    return COMPARE[op]!(c(expr.first), c(right))
  }
  // Chained: `a < b < c` evaluates b once, like Python.
  let left = scope.fn.temp()
  const parts = [`(${left} = ${c(expr.first)}, `]
  const tests: string[] = []
  for (const [op, right] of expr.ops) {
    const t = scope.fn.temp()
    tests.push(`(${t} = ${c(right)}, ${COMPARE[op]!(left, t)})`)
    left = t
  }
  return `${parts[0]}${tests.join(' && ')})`
}

function compileCall(expr: Extract<Expr, { kind: 'call' }>, scope: Scope, host: ExprHost): string {
  const c = (e: Expr) => compileExpr(e, scope, host)
  if (expr.callee.kind === 'name' && expr.callee.name === 'super' && scope.fn.superCall) {
    if (expr.args.length > 0 || expr.kwargs.length > 0)
      host.fail('super() takes no arguments.', expr.line)
    return scope.fn.superCall
  }
  if (
    expr.callee.kind === 'getattr' &&
    LOOP_METHODS.has(expr.callee.attr) &&
    !expr.star &&
    !expr.starstar &&
    expr.kwargs.length === 0
  ) {
    const loop = loopLocal(expr.callee.obj, scope)
    if (loop !== undefined) return `${loop}.${expr.callee.attr}(${expr.args.map(c).join(', ')})`
  }
  const args = `[${expr.args.map(c).join(', ')}]`
  const kwargs =
    expr.kwargs.length > 0
      ? `{ ${expr.kwargs.map(([k, v]) => `${JSON.stringify(k)}: ${c(v)}`).join(', ')} }`
      : 'undefined'
  const star = expr.star ? c(expr.star) : 'undefined'
  const starstar = expr.starstar ? c(expr.starstar) : 'undefined'
  const tail = expr.star || expr.starstar ? `, ${star}, ${starstar}` : ''
  return `rt.call(${c(expr.callee)}, ${args}, ${kwargs}${tail})`
}

/**
 * The arguments of a filter or test after the value: positional ones first, keyword arguments
 * moved to the position their name has (missing ones become `undefined`, so JavaScript defaults
 * apply). A filter declaring `'*args'` takes extra positional arguments after its named ones, and
 * one declaring `'**kwargs'` gets the keywords that match no name as one trailing `kwargs({…})`
 * object (`map(attribute='name')`).
 */
function placeArgs(
  call: Args & { line: number; column: number },
  params: readonly string[],
  name: string,
  what: 'filter' | 'test',
  scope: Scope,
  host: ExprHost,
): string {
  const c = (e: Expr) => compileExpr(e, scope, host)
  if (call.star || call.starstar) {
    return `, ...rt.spread(${JSON.stringify(params)}, [${call.args.map(c).join(', ')}], { ${call.kwargs.map(([k, v]) => `${JSON.stringify(k)}: ${c(v)}`).join(', ')} }, ${call.star ? c(call.star) : 'undefined'}, ${call.starstar ? c(call.starstar) : 'undefined'})`
  }
  const variadic = params.includes('*args')
  const keywords = params.includes('**kwargs')
  const named = params.filter((p) => p !== '*args' && p !== '**kwargs')
  if (!variadic && call.args.length > named.length)
    host.fail(
      `The ${what} "${name}" takes at most ${named.length} argument${named.length === 1 ? '' : 's'} (${named.join(', ') || 'none'}), got ${call.args.length}.`,
      call.line,
      call.column,
    )
  const slots: string[] = call.args.slice(0, named.length).map(c)
  const extra: string[] = call.args.slice(named.length).map(c)
  const rest: string[] = []
  for (const [key, value] of call.kwargs) {
    const at = named.indexOf(key)
    if (at === -1) {
      if (!keywords)
        host.fail(
          `The ${what} "${name}" has no argument "${key}" (it takes ${named.join(', ') || 'none'}).`,
          call.line,
          call.column,
        )
      rest.push(`${JSON.stringify(key)}: ${c(value)}`)
      continue
    }
    if (at < call.args.length)
      host.fail(`The ${what} "${name}" got "${key}" twice.`, call.line, call.column)
    while (slots.length < at) slots.push('undefined')
    slots[at] = c(value)
  }
  if (extra.length > 0 || rest.length > 0)
    while (slots.length < named.length) slots.push('undefined')
  const all = [
    ...slots,
    ...extra,
    ...(rest.length > 0 ? [`rt.kwargs({ ${rest.join(', ')} })`] : []),
  ]
  return all.length === 0 ? '' : `, ${all.join(', ')}`
}

/** Unused scopes are fine: exported for the statement compiler's type needs. */
export type { FunctionScope }
