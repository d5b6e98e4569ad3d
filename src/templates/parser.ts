/**
 * The statement half of the parser: tokens → a list of nodes (`ast.ts`), one function per tag.
 * Unknown tags are looked up among the environment's custom tags (`{% csrf_token %}`,
 * `{% url 'name' 3 %}`), which take arguments like a call without parentheses.
 */
import type { Args, Expr, FilterCall, MacroParam, Node } from './ast.ts'
import type { LexerOptions } from './lexer.ts'
import { tokenize } from './lexer.ts'
import {
  describe,
  parseArgs,
  parseExpression,
  parseTarget,
  parseTupleExpression,
  TokenStream,
} from './parse-expr.ts'

export interface ParseOptions extends LexerOptions {
  /** Names of custom tags (`{% name args %}`). */
  tags?: ReadonlySet<string>
}

/** Parse a template into nodes. */
export function parse(source: string, name: string, options: ParseOptions = {}): Node[] {
  const stream = new TokenStream(tokenize(source, name, options), name, source)
  const parser = new Parser(stream, options.tags ?? new Set())
  const body = parser.subparse([])
  if (!stream.is('eof')) stream.fail(`Unexpected ${describe(stream.current)}.`)
  return body
}

class Parser {
  readonly s: TokenStream
  readonly #tags: ReadonlySet<string>
  /** Open tags, innermost last, for "unexpected end tag" messages. */
  readonly #open: Array<{ name: string; line: number }> = []

  constructor(stream: TokenStream, tags: ReadonlySet<string>) {
    this.s = stream
    this.#tags = tags
  }

  /** Parse nodes until one of `ends` (a block tag name); stops before consuming it. */
  subparse(ends: readonly string[]): Node[] {
    const s: TokenStream = this.s
    const body: Node[] = []
    for (;;) {
      const t = s.current
      if (t.type === 'eof') {
        const open = this.#open.at(-1)
        if (open && ends.length > 0)
          s.fail(
            `Missing {% ${ends.find((e) => e.startsWith('end')) ?? ends.at(-1)} %}: the {% ${open.name} %} on line ${open.line} is not closed.`,
            t,
          )
        return body
      }
      if (t.type === 'text') {
        s.next()
        body.push({ kind: 'text', value: t.value, line: t.line })
      } else if (t.type === 'var_begin') {
        s.next()
        const expr = parseExpression(s)
        s.expect('var_end', undefined, '"}}"')
        body.push({ kind: 'output', expr, line: t.line })
      } else if (t.type === 'block_begin') {
        const tag = s.look()
        if (tag.type === 'name' && ends.includes(tag.value)) return body
        s.next()
        body.push(this.#statement())
      } else s.fail(`Unexpected ${describe(t)}.`)
    }
  }

  #statement(): Node {
    const s: TokenStream = this.s
    const tag = s.expect('name', undefined, 'a tag name')
    switch (tag.value) {
      case 'if':
        return this.#if(tag.line)
      case 'for':
        return this.#for(tag.line)
      case 'set':
        return this.#set(tag.line)
      case 'with':
        return this.#with(tag.line)
      case 'block':
        return this.#block(tag.line)
      case 'extends': {
        const template = parseExpression(s)
        this.#end()
        return { kind: 'extends', template, line: tag.line }
      }
      case 'include':
        return this.#include(tag.line)
      case 'import':
        return this.#import(tag.line)
      case 'from':
        return this.#fromImport(tag.line)
      case 'macro':
        return this.#macro(tag.line)
      case 'call':
        return this.#callBlock(tag.line)
      case 'filter':
        return this.#filterBlock(tag.line)
      case 'break':
      case 'continue':
        this.#end()
        return { kind: 'loopcontrol', which: tag.value, line: tag.line }
    }
    if (this.#tags.has(tag.value)) return this.#customTag(tag.value, tag.line)
    const closing = /^end(\w+)$/.exec(tag.value)
    const open = this.#open.at(-1)
    if (closing || tag.value === 'else' || tag.value === 'elif' || tag.value === 'empty') {
      s.fail(
        open
          ? `Unexpected {% ${tag.value} %}: the innermost open tag is {% ${open.name} %} (line ${open.line}).`
          : `Unexpected {% ${tag.value} %}: no tag is open here.`,
        tag,
      )
    }
    s.fail(
      `Unknown tag "${tag.value}".`,
      tag,
      'Built-in tags: if, for, set, with, block, extends, include, import, from, macro, call, filter, raw; custom tags are registered on the environment.',
    )
  }

  /** Expect the end of the tag (`%}`). */
  #end(): void {
    this.s.expect('block_end', undefined, '"%}"')
  }

  /** Parse a body up to one of `ends`, then consume that tag's name; returns which ended it. */
  #body(name: string, line: number, ends: readonly string[]): { body: Node[]; end: string } {
    this.#open.push({ name, line })
    const body = this.subparse(ends)
    this.#open.pop()
    this.s.expect('block_begin')
    const end = this.s.next().value
    return { body, end }
  }

  #if(line: number): Node {
    const branches: Array<{ test: Expr; body: Node[] }> = []
    let test = parseTupleExpression(this.s)
    for (;;) {
      this.#end()
      const { body, end } = this.#body('if', line, ['elif', 'else', 'endif'])
      branches.push({ test, body })
      if (end === 'elif') {
        test = parseTupleExpression(this.s)
        continue
      }
      if (end === 'else') {
        this.#end()
        const rest = this.#body('if', line, ['endif'])
        this.#end()
        return { kind: 'if', branches, otherwise: rest.body, line }
      }
      this.#end()
      return { kind: 'if', branches, line }
    }
  }

  #for(line: number): Node {
    const s: TokenStream = this.s
    const target = parseTarget(s)
    s.expect('name', 'in', '"in"')
    const iter = parseTupleFor(s)
    const filter = s.skip('name', 'if') ? parseExpression(s) : undefined
    const recursive = s.skip('name', 'recursive')
    this.#end()
    const main = this.#body('for', line, ['endfor', 'else', 'empty'])
    let otherwise: Node[] | undefined
    if (main.end !== 'endfor') {
      this.#end()
      otherwise = this.#body('for', line, ['endfor']).body
    }
    this.#end()
    const node: Node = { kind: 'for', target, iter, recursive, body: main.body, line }
    if (filter) node.filter = filter
    if (otherwise) node.otherwise = otherwise
    return node
  }

  #set(line: number): Node {
    const s: TokenStream = this.s
    const target = parseTarget(s, { nsattr: true })
    if (s.skip('op', '=')) {
      const value = parseTupleExpression(s)
      this.#end()
      return { kind: 'set', target, value, line }
    }
    if (target.kind !== 'name')
      s.fail('A block {% set %} assigns one name: {% set name %}…{% endset %}.')
    const filters = this.#filterChain(false)
    this.#end()
    const { body } = this.#body('set', line, ['endset'])
    this.#end()
    return { kind: 'setblock', name: target.name, filters, body, line }
  }

  #with(line: number): Node {
    const s: TokenStream = this.s
    const assignments: Array<[ReturnType<typeof parseTarget>, Expr]> = []
    while (!s.is('block_end')) {
      if (assignments.length > 0) s.expect('op', ',')
      const target = parseTarget(s)
      s.expect('op', '=')
      assignments.push([target, parseExpression(s)])
    }
    this.#end()
    const { body } = this.#body('with', line, ['endwith'])
    this.#end()
    return { kind: 'with', assignments, body, line }
  }

  #block(line: number): Node {
    const s: TokenStream = this.s
    const name = s.expect('name', undefined, 'a block name').value
    let scoped = false
    let required = false
    while (s.is('name')) {
      const flag = s.next().value
      if (flag === 'scoped') scoped = true
      else if (flag === 'required') required = true
      else s.fail(`Unknown block option "${flag}" (scoped and required are).`)
    }
    this.#end()
    const { body } = this.#body(`block ${name}`, line, ['endblock'])
    if (s.is('name')) {
      const closing = s.next()
      if (closing.value !== name)
        s.fail(`{% endblock ${closing.value} %} closes the block "${name}".`, closing)
    }
    this.#end()
    if (required && body.some((n) => n.kind !== 'text' || n.value.trim() !== ''))
      s.fail(`The required block "${name}" may contain only whitespace.`)
    return { kind: 'block', name, scoped, required, body, line }
  }

  #context(defaultWith: boolean): boolean {
    const s: TokenStream = this.s
    if (s.is('name', 'with') && s.look().value === 'context') {
      s.next()
      s.next()
      return true
    }
    if (s.is('name', 'without') && s.look().value === 'context') {
      s.next()
      s.next()
      return false
    }
    return defaultWith
  }

  #include(line: number): Node {
    const s: TokenStream = this.s
    const template = parseExpression(s)
    let ignoreMissing = false
    if (s.is('name', 'ignore') && s.look().value === 'missing') {
      s.next()
      s.next()
      ignoreMissing = true
    }
    const withContext = this.#context(true)
    this.#end()
    return { kind: 'include', template, ignoreMissing, withContext, line }
  }

  #import(line: number): Node {
    const s: TokenStream = this.s
    const template = parseExpression(s)
    s.expect('name', 'as', '"as"')
    const as = s.expect('name', undefined, 'a name').value
    const withContext = this.#context(false)
    this.#end()
    return { kind: 'import', template, as, withContext, line }
  }

  #fromImport(line: number): Node {
    const s: TokenStream = this.s
    const template = parseExpression(s)
    s.expect('name', 'import', '"import"')
    const names: Array<[string, string]> = []
    for (;;) {
      if (names.length > 0 && !s.skip('op', ',')) break
      if (s.is('name', 'with') || s.is('name', 'without')) break
      const name = s.expect('name', undefined, 'a name to import').value
      if (name.startsWith('_')) s.fail(`Names starting with _ are private and cannot be imported.`)
      names.push([name, s.skip('name', 'as') ? s.expect('name').value : name])
    }
    const withContext = this.#context(false)
    this.#end()
    return { kind: 'fromimport', template, names, withContext, line }
  }

  #params(): MacroParam[] {
    const s: TokenStream = this.s
    const params: MacroParam[] = []
    s.expect('op', '(')
    while (!s.is('op', ')')) {
      if (params.length > 0) s.expect('op', ',')
      if (s.is('op', ')')) break
      const name = s.expect('name', undefined, 'a parameter name').value
      if (s.skip('op', '=')) params.push({ name, default: parseExpression(s) })
      else {
        if (params.some((p) => p.default))
          s.fail(`Parameter "${name}" without a default follows one with a default.`)
        params.push({ name })
      }
    }
    s.next()
    return params
  }

  #macro(line: number): Node {
    const s: TokenStream = this.s
    const name = s.expect('name', undefined, 'a macro name').value
    const params = s.is('op', '(') ? this.#params() : []
    this.#end()
    const { body } = this.#body(`macro ${name}`, line, ['endmacro'])
    s.skip('name', name)
    this.#end()
    return { kind: 'macro', name, params, body, line }
  }

  #callBlock(line: number): Node {
    const s: TokenStream = this.s
    const params = s.is('op', '(') ? this.#params() : []
    const call = parseExpression(s)
    if (call.kind !== 'call') s.fail('{% call %} needs a macro call: {% call my_macro(args) %}.')
    this.#end()
    const { body } = this.#body('call', line, ['endcall'])
    this.#end()
    return { kind: 'callblock', call, params, body, line }
  }

  #filterChain(first: boolean): FilterCall[] {
    const s: TokenStream = this.s
    const filters: FilterCall[] = []
    while (first || s.skip('op', '|')) {
      first = false
      const name = s.expect('name', undefined, 'a filter name')
      const args: Args = s.is('op', '(') ? parseArgs(s) : { args: [], kwargs: [] }
      filters.push({ name: name.value, line: name.line, column: name.column, ...args })
    }
    return filters
  }

  #filterBlock(line: number): Node {
    const filters = this.#filterChain(true)
    this.#end()
    const { body } = this.#body('filter', line, ['endfilter'])
    this.#end()
    return { kind: 'filterblock', filters, body, line }
  }

  #customTag(name: string, line: number): Node {
    const s: TokenStream = this.s
    const args: Args = { args: [], kwargs: [] }
    while (!s.is('block_end')) {
      if (s.is('name') && s.look().type === 'op' && s.look().value === '=') {
        const key = s.next().value
        s.next()
        args.kwargs.push([key, parseExpression(s)])
      } else {
        if (args.kwargs.length > 0)
          s.fail('A positional argument cannot follow a keyword argument.')
        args.args.push(parseExpression(s))
      }
      s.skip('op', ',')
    }
    this.#end()
    return { kind: 'tag', name, args, line }
  }
}

/** The iterable of a `for`: a tuple expression without the conditional (its `if` filters). */
function parseTupleFor(s: TokenStream): Expr {
  const line = s.current.line
  const first = parseExpression(s, false)
  if (!s.is('op', ',')) return first
  const items = [first]
  while (s.skip('op', ',')) items.push(parseExpression(s, false))
  return { kind: 'tuple', items, line }
}
