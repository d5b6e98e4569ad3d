/**
 * The expression half of the parser, with Jinja2's precedence (lowest first): conditional
 * (`a if c else b`), `or`, `and`, `not`, comparisons (chained, `in`, `not in`), `~`, `+ -`,
 * `* / // %`, `**`, unary `- +`, then primaries with postfix attribute/subscript/call, filters
 * (`|`) and tests (`is`).
 */
import type { Args, CompareOp, Expr, Target } from './ast.ts'
import { TemplateSyntaxError } from './errors.ts'
import type { Token, TokenType } from './lexer.ts'

const COMPARE = new Set(['==', '!=', '<', '<=', '>', '>='])
const LITERALS: Record<string, unknown> = {
  true: true,
  false: false,
  none: null,
  True: true,
  False: false,
  None: null,
}

/** A cursor over tokens, with helpers that fail with the template, line and column. */
export class TokenStream {
  readonly tokens: Token[]
  readonly name: string
  readonly source: string
  #i = 0

  constructor(tokens: Token[], name: string, source: string) {
    this.tokens = tokens
    this.name = name
    this.source = source
  }

  get current(): Token {
    return this.tokens[this.#i]!
  }

  look(offset = 1): Token {
    return this.tokens[Math.min(this.#i + offset, this.tokens.length - 1)]!
  }

  next(): Token {
    const token = this.current
    if (this.#i < this.tokens.length - 1) this.#i++
    return token
  }

  /** The current token is `type` (and `value`, when given). */
  is(type: TokenType, value?: string): boolean {
    const t = this.current
    return t.type === type && (value === undefined || t.value === value)
  }

  /** Consume the token if it is `type`/`value`. */
  skip(type: TokenType, value?: string): boolean {
    if (!this.is(type, value)) return false
    this.next()
    return true
  }

  expect(type: TokenType, value?: string, what?: string): Token {
    if (this.is(type, value)) return this.next()
    this.fail(`Expected ${what ?? value ?? type}, found ${describe(this.current)}.`)
  }

  fail(message: string, token: Token = this.current, hint?: string): never {
    throw new TemplateSyntaxError(message, {
      template: this.name,
      line: token.line,
      column: token.column,
      source: this.source,
      ...(hint ? { hint } : {}),
    })
  }
}

export function describe(token: Token): string {
  switch (token.type) {
    case 'eof':
      return 'the end of the template'
    case 'var_end':
    case 'block_end':
      return `"${token.value}"`
    case 'string':
      return `the string ${token.value}`
    default:
      return `"${token.value}"`
  }
}

/** Parse an expression (with `a if b else c` when `conditional`). */
export function parseExpression(s: TokenStream, conditional = true): Expr {
  return conditional ? parseConditional(s) : parseOr(s)
}

function parseConditional(s: TokenStream): Expr {
  let expr = parseOr(s)
  while (s.is('name', 'if')) {
    const line = s.next().line
    const test = parseOr(s)
    const otherwise = s.skip('name', 'else') ? parseConditional(s) : undefined
    expr = otherwise
      ? { kind: 'cond', test, yes: expr, no: otherwise, line }
      : { kind: 'cond', test, yes: expr, line }
  }
  return expr
}

function parseOr(s: TokenStream): Expr {
  let left = parseAnd(s)
  while (s.is('name', 'or')) {
    const line = s.next().line
    left = { kind: 'or', left, right: parseAnd(s), line }
  }
  return left
}

function parseAnd(s: TokenStream): Expr {
  let left = parseNot(s)
  while (s.is('name', 'and')) {
    const line = s.next().line
    left = { kind: 'and', left, right: parseNot(s), line }
  }
  return left
}

function parseNot(s: TokenStream): Expr {
  if (s.is('name', 'not')) {
    const line = s.next().line
    return { kind: 'unary', op: 'not', operand: parseNot(s), line }
  }
  return parseCompare(s)
}

function parseCompare(s: TokenStream): Expr {
  const line = s.current.line
  const first = parseConcat(s)
  const ops: Array<[CompareOp, Expr]> = []
  for (;;) {
    const t = s.current
    if (t.type === 'op' && COMPARE.has(t.value)) {
      s.next()
      ops.push([t.value as CompareOp, parseConcat(s)])
    } else if (s.is('name', 'in')) {
      s.next()
      ops.push(['in', parseConcat(s)])
    } else if (s.is('name', 'not') && s.look().type === 'name' && s.look().value === 'in') {
      s.next()
      s.next()
      ops.push(['not in', parseConcat(s)])
    } else break
  }
  return ops.length === 0 ? first : { kind: 'compare', first, ops, line }
}

function parseConcat(s: TokenStream): Expr {
  let left = parseAdd(s)
  while (s.is('op', '~')) {
    const line = s.next().line
    left = { kind: 'binary', op: '~', left, right: parseAdd(s), line }
  }
  return left
}

function parseAdd(s: TokenStream): Expr {
  let left = parseMul(s)
  while (s.is('op', '+') || s.is('op', '-')) {
    const t = s.next()
    left = { kind: 'binary', op: t.value as '+' | '-', left, right: parseMul(s), line: t.line }
  }
  return left
}

function parseMul(s: TokenStream): Expr {
  let left = parsePow(s)
  while (s.is('op', '*') || s.is('op', '/') || s.is('op', '//') || s.is('op', '%')) {
    const t = s.next()
    const op = t.value as '*' | '/' | '//' | '%'
    left = { kind: 'binary', op, left, right: parsePow(s), line: t.line }
  }
  return left
}

function parsePow(s: TokenStream): Expr {
  let left = parseUnary(s)
  while (s.is('op', '**')) {
    const line = s.next().line
    left = { kind: 'binary', op: '**', left, right: parseUnary(s), line }
  }
  return left
}

function parseUnary(s: TokenStream, withFilter = true): Expr {
  let node: Expr
  if (s.is('op', '-') || s.is('op', '+')) {
    const t = s.next()
    node = { kind: 'unary', op: t.value as '-' | '+', operand: parseUnary(s, false), line: t.line }
  } else node = parsePrimary(s)
  node = parsePostfix(s, node)
  return withFilter ? parseFilterExpr(s, node) : node
}

function parsePrimary(s: TokenStream): Expr {
  const t = s.current
  if (t.type === 'name') {
    s.next()
    if (Object.hasOwn(LITERALS, t.value))
      return { kind: 'const', value: LITERALS[t.value], line: t.line }
    return { kind: 'name', name: t.value, line: t.line }
  }
  if (t.type === 'string') {
    s.next()
    let value = t.parsed as string
    // Adjacent strings concatenate, as in Python.
    while (s.is('string')) value += s.next().parsed as string
    return { kind: 'const', value, line: t.line }
  }
  if (t.type === 'number') {
    s.next()
    return { kind: 'const', value: t.parsed, line: t.line }
  }
  if (s.is('op', '(')) {
    s.next()
    if (s.skip('op', ')')) return { kind: 'tuple', items: [], line: t.line }
    const first = parseExpression(s)
    if (s.skip('op', ')')) return first
    const items = [first]
    while (s.skip('op', ',')) {
      if (s.is('op', ')')) break
      items.push(parseExpression(s))
    }
    s.expect('op', ')')
    return { kind: 'tuple', items, line: t.line }
  }
  if (s.is('op', '[')) {
    s.next()
    const items: Expr[] = []
    while (!s.is('op', ']')) {
      if (items.length > 0) s.expect('op', ',')
      if (s.is('op', ']')) break
      items.push(parseExpression(s))
    }
    s.next()
    return { kind: 'list', items, line: t.line }
  }
  if (s.is('op', '{')) {
    s.next()
    const items: Array<[Expr, Expr]> = []
    while (!s.is('op', '}')) {
      if (items.length > 0) s.expect('op', ',')
      if (s.is('op', '}')) break
      const key = parseExpression(s)
      s.expect('op', ':')
      items.push([key, parseExpression(s)])
    }
    s.next()
    return { kind: 'dict', items, line: t.line }
  }
  s.fail(`Expected an expression, found ${describe(t)}.`)
}

function parsePostfix(s: TokenStream, node: Expr): Expr {
  for (;;) {
    const t = s.current
    if (s.is('op', '.')) {
      s.next()
      const attr = s.current
      if (attr.type === 'name') {
        s.next()
        node = { kind: 'getattr', obj: node, attr: attr.value, line: t.line }
      } else if (attr.type === 'number' && Number.isInteger(attr.parsed)) {
        s.next()
        node = { kind: 'getitem', obj: node, key: constant(attr.parsed, t.line), line: t.line }
      } else s.fail(`Expected an attribute name after ".", found ${describe(attr)}.`)
    } else if (s.is('op', '[')) {
      s.next()
      node = parseSubscript(s, node, t.line)
    } else if (s.is('op', '(')) {
      node = { kind: 'call', callee: node, line: t.line, ...parseArgs(s) }
    } else return node
  }
}

function constant(value: unknown, line: number): Expr {
  return { kind: 'const', value, line }
}

function parseSubscript(s: TokenStream, obj: Expr, line: number): Expr {
  const part = (): Expr | undefined =>
    s.is('op', ':') || s.is('op', ']') ? undefined : parseExpression(s)
  const start = part()
  if (!s.is('op', ':')) {
    s.expect('op', ']')
    if (start === undefined) s.fail('Expected an index inside [].')
    return { kind: 'getitem', obj, key: start, line }
  }
  s.next()
  const stop = part()
  let step: Expr | undefined
  if (s.skip('op', ':')) step = part()
  s.expect('op', ']')
  const out: Expr = { kind: 'slice', obj, line }
  if (start) out.start = start
  if (stop) out.stop = stop
  if (step) out.step = step
  return out
}

/** `( … )` call arguments: positional, `name=value`, `*args`, `**kwargs`. */
export function parseArgs(s: TokenStream): Args {
  s.expect('op', '(')
  const out: Args = { args: [], kwargs: [] }
  while (!s.is('op', ')')) {
    if (out.args.length + out.kwargs.length + (out.star ? 1 : 0) + (out.starstar ? 1 : 0) > 0)
      s.expect('op', ',')
    if (s.is('op', ')')) break
    if (s.skip('op', '**')) out.starstar = parseExpression(s)
    else if (s.skip('op', '*')) out.star = parseExpression(s)
    else if (s.is('name') && s.look().type === 'op' && s.look().value === '=') {
      const name = s.next().value
      s.next()
      out.kwargs.push([name, parseExpression(s)])
    } else {
      if (out.kwargs.length > 0) s.fail('A positional argument cannot follow a keyword argument.')
      out.args.push(parseExpression(s))
    }
  }
  s.next()
  return out
}

function parseFilterExpr(s: TokenStream, node: Expr): Expr {
  for (;;) {
    if (s.is('op', '|')) {
      s.next()
      const name = filterName(s)
      const args = s.is('op', '(') ? parseArgs(s) : { args: [], kwargs: [] }
      node = {
        kind: 'filter',
        node,
        name: name.value,
        line: name.line,
        column: name.column,
        ...args,
      }
    } else if (s.is('name', 'is')) {
      s.next()
      const negated = s.skip('name', 'not')
      const name = filterName(s)
      let args: Args = { args: [], kwargs: [] }
      if (s.is('op', '(')) args = parseArgs(s)
      else if (startsBareArgument(s))
        args = { args: [parsePostfix(s, parsePrimary(s))], kwargs: [] }
      node = {
        kind: 'test',
        node,
        name: name.value,
        negated,
        line: name.line,
        column: name.column,
        ...args,
      }
    } else return node
  }
}

/** `x is divisibleby 3`: a test may take one argument without parentheses. */
function startsBareArgument(s: TokenStream): boolean {
  const t = s.current
  if (t.type === 'string' || t.type === 'number') return true
  if (t.type === 'op') return t.value === '[' || t.value === '{'
  if (t.type !== 'name') return false
  return !['else', 'or', 'and', 'in', 'not', 'is', 'if', 'recursive'].includes(t.value)
}

/** A filter or test name, possibly dotted (`my.filter`). */
function filterName(s: TokenStream): Token {
  const first = s.expect('name', undefined, 'a filter or test name')
  let value = first.value
  while (s.is('op', '.') && s.look().type === 'name') {
    s.next()
    value += `.${s.next().value}`
  }
  return { ...first, value }
}

/** An assignment target: `x`, `a, b`, `(a, b)`, `ns.attr` (when `nsattr` is allowed). */
export function parseTarget(s: TokenStream, options: { nsattr?: boolean } = {}): Target {
  const one = (): Target => {
    if (s.skip('op', '(')) {
      const inner = parseTarget(s)
      s.expect('op', ')')
      return inner
    }
    const name = s.expect('name', undefined, 'a variable name')
    if (
      Object.hasOwn(LITERALS, name.value) ||
      ['and', 'or', 'not', 'in', 'is', 'if', 'else'].includes(name.value)
    )
      s.fail(`"${name.value}" cannot be assigned to.`, name)
    if (options.nsattr && s.is('op', '.')) {
      s.next()
      const attr = s.expect('name', undefined, 'an attribute name')
      return { kind: 'nsattr', name: name.value, attr: attr.value }
    }
    return { kind: 'name', name: name.value }
  }
  const first = one()
  if (!s.is('op', ',')) return first
  const items = [first]
  while (s.skip('op', ',')) {
    if (!s.is('name') && !s.is('op', '(')) break
    items.push(one())
  }
  return { kind: 'tuple', items }
}

/** An expression list without brackets, as a tuple when there is a comma (`set x = 1, 2`). */
export function parseTupleExpression(s: TokenStream): Expr {
  const line = s.current.line
  const first = parseExpression(s)
  if (!s.is('op', ',')) return first
  const items = [first]
  while (s.skip('op', ',')) {
    if (s.is('block_end') || s.is('var_end')) break
    items.push(parseExpression(s))
  }
  return { kind: 'tuple', items, line }
}
