/**
 * The compiler: a template's nodes → the source of one JavaScript module with a `root` function
 * and one function per block, each concatenating strings into `out`.
 *
 * Generated code reads like the template: text becomes `out += "…"`, `{{ x }}` becomes
 * `out += rt.esc(x)`, a loop a JavaScript `for`. Template variables assigned in a scope are
 * JavaScript locals (`scope.ts`), so there is no per-variable frame lookup at render time; filters
 * and tests are resolved once, when the template compiles. The current template line is kept in
 * `ln` so runtime errors can name it.
 */
import type { Args, Expr, FilterCall, MacroParam, Node, Target } from './ast.ts'
import { compileExpr, type ExprHost, literal, truth } from './compile-expr.ts'
import { TemplateSyntaxError } from './errors.ts'
import { FunctionScope, Scope } from './scope.ts'

/** What the compiler needs from the environment. */
export interface CompilerHost {
  /** The template autoescapes (its output is HTML). */
  autoescape?: boolean
  filterParams(name: string): readonly string[] | undefined
  testParams(name: string): readonly string[] | undefined
  hasTag(name: string): boolean
}

/**
 * Compile parsed `nodes` of template `name` to the body of `new Function('rt', body)`.
 *
 * `stream` compiles the root and blocks as async generators instead: output is yielded in chunks
 * (at each loop iteration once 16 KB are buffered, and at block boundaries), and the values a
 * loop iterates may be promises or async iterables. Macros and captured bodies stay synchronous
 * functions returning strings.
 */
export function compile(
  nodes: Node[],
  name: string,
  source: string,
  host: CompilerHost,
  mode: 'string' | 'stream' = 'string',
): string {
  return new Compiler(name, source, host, mode).module(nodes)
}

class Compiler implements ExprHost {
  readonly #name: string
  readonly #source: string
  readonly #host: CompilerHost
  readonly #counter = { n: 0 }
  readonly #preamble: string[] = []
  readonly #refs = new Map<string, string>()
  readonly #blocks: string[] = []
  readonly #blockNames = new Set<string>()
  #hasExtends = false
  /** Depth of enclosing `for` bodies in the current function (for break/continue). */
  #loops = 0
  /** Compiling the root function's own output (skipped once `extends` ran). */
  #guard = false
  readonly #stream: boolean
  /** Compiling code directly inside a root or block generator (it may `yield` and `await`). */
  #generator = false

  constructor(name: string, source: string, host: CompilerHost, mode: 'string' | 'stream') {
    this.#name = name
    this.#source = source
    this.#host = host
    this.#stream = mode === 'stream'
  }

  fail(message: string, line: number, column = 1, hint?: string): never {
    throw new TemplateSyntaxError(message, {
      template: this.#name,
      line,
      column,
      source: this.#source,
      ...(hint ? { hint } : {}),
    })
  }

  filterRef(name: string, line: number, column: number) {
    const params = this.#host.filterParams(name)
    if (params === undefined) this.fail(`No filter named "${name}".`, line, column)
    return { ref: this.#ref('filter', name), params }
  }

  testRef(name: string, line: number, column: number) {
    const params = this.#host.testParams(name)
    if (params === undefined) this.fail(`No test named "${name}".`, line, column)
    return { ref: this.#ref('test', name), params }
  }

  #ref(kind: 'filter' | 'test' | 'tag', name: string): string {
    const key = `${kind}:${name}`
    let ref = this.#refs.get(key)
    if (ref === undefined) {
      ref = `${kind[0]}_${this.#refs.size}`
      this.#refs.set(key, ref)
      this.#preamble.push(`const ${ref} = rt.${kind}Fn(${JSON.stringify(name)});`)
    }
    return ref
  }

  module(nodes: Node[]): string {
    this.#hasExtends = containsExtends(nodes)
    const fn = new FunctionScope(this.#counter)
    const scope = new Scope({ fn, root: true, boundary: true })
    this.#guard = this.#hasExtends
    this.#generator = this.#stream
    const body = this.#nodes(nodes, scope)
    this.#generator = false
    this.#guard = false
    const root = this.#stream
      ? [
          'async function* root(ctx, blocks) {',
          `let out = ''; let ln = 1; let parent; ${fn.declarations()}`,
          'try {',
          body,
          'if (parent !== undefined) { if (out !== "") yield out; yield* rt.extendStream(parent, ctx, blocks); return; }',
          '} catch (e) { throw rt.fail(e, ln) }',
          'if (out !== "") yield out;',
          '}',
        ].join('\n')
      : [
          'function root(ctx, blocks) {',
          `let out = ''; let ln = 1; let parent; ${fn.declarations()}`,
          'try {',
          body,
          '} catch (e) { throw rt.fail(e, ln) }',
          'if (parent !== undefined) return rt.extend(parent, ctx, blocks);',
          'return out;',
          '}',
        ].join('\n')
    const blocks = [...this.#blockNames].map((n) => `${JSON.stringify(n)}: b_${n}`).join(', ')
    return [
      '"use strict";',
      'const ec = rt.evalContext;',
      ...this.#preamble,
      root,
      ...this.#blocks,
      `return { root, blocks: { ${blocks} } };`,
    ].join('\n')
  }

  #nodes(nodes: readonly Node[], scope: Scope): string {
    const out: string[] = []
    let line = -1
    let text = ''
    const flushText = () => {
      if (text === '') return
      out.push(this.#emit(`out += ${JSON.stringify(text)};`, scope))
      text = ''
    }
    let before = ''
    for (const node of nodes) {
      if (node.kind === 'text') {
        text += node.value
        before = (before + node.value).slice(-200)
        continue
      }
      flushText()
      if (node.line !== line) {
        out.push(`ln = ${node.line};`)
        line = node.line
      }
      out.push(node.kind === 'output' ? this.#output(node, before, scope) : this.#node(node, scope))
      before = ''
    }
    flushText()
    return out.join('\n')
  }

  /**
   * `{{ … }}`, aware of where it lands in HTML when the template autoescapes: the start of a URL
   * attribute (`href="{{ url }}"`) refuses `javascript:`, `vbscript:` and `data:` URLs, and an
   * unquoted attribute (`<td class={{ c }}>`) is an error, since a space in the value would add
   * attributes.
   */
  #output(node: Extract<Node, { kind: 'output' }>, before: string, scope: Scope): string {
    const value = this.#expr(node.expr, scope)
    if (this.#host.autoescape) {
      if (UNQUOTED_ATTRIBUTE.test(before))
        this.fail(
          'An unquoted attribute value cannot hold {{ … }}: a space in the value would start another attribute.',
          node.line,
          1,
          'Quote it: <td class="{{ c }}">.',
        )
      if (URL_ATTRIBUTE.test(before)) return this.#emit(`out += rt.escUrl(${value});`, scope)
    }
    return this.#emit(`out += rt.esc(${value});`, scope)
  }

  /** Output of the root function is skipped after `extends` ran (the parent renders the page). */
  #emit(code: string, _scope: Scope): string {
    return this.#guard ? `if (parent === undefined) ${code}` : code
  }

  /** Compile with the output guard off (captures, macros, blocks have their own `out`). */
  #unguarded<T>(fn: () => T, generator = false): T {
    const [guard, loops, gen] = [this.#guard, this.#loops, this.#generator]
    this.#guard = false
    this.#loops = 0
    this.#generator = generator
    try {
      return fn()
    } finally {
      this.#guard = guard
      this.#loops = loops
      this.#generator = gen
    }
  }

  #expr(expr: Expr, scope: Scope): string {
    return compileExpr(expr, scope, this)
  }

  #node(node: Node, scope: Scope): string {
    switch (node.kind) {
      case 'text':
        return this.#emit(`out += ${JSON.stringify(node.value)};`, scope)
      case 'output':
        return this.#emit(`out += rt.esc(${this.#expr(node.expr, scope)});`, scope)
      case 'if': {
        const parts = node.branches.map(
          (b, i) =>
            `${i === 0 ? 'if' : 'else if'} (${truth(b.test, scope, this)}) {\n${this.#nodes(b.body, scope)}\n}`,
        )
        if (node.otherwise) parts.push(`else {\n${this.#nodes(node.otherwise, scope)}\n}`)
        return parts.join(' ')
      }
      case 'for':
        return this.#for(node, scope)
      case 'set':
        return this.#assign(node.target, this.#expr(node.value, scope), scope, node.line)
      case 'setblock': {
        let value = this.#capture(node.body, scope)
        value = this.#applyFilters(node.filters, value, scope)
        return this.#assign({ kind: 'name', name: node.name }, value, scope, node.line)
      }
      case 'with': {
        const inner = new Scope({ parent: scope, fn: scope.fn })
        const values = node.assignments.map(([, v]) => this.#expr(v, scope))
        const decls = node.assignments.map(([target], i) =>
          this.#declare(target, values[i]!, inner),
        )
        const pre = this.#predeclare(node.body, inner)
        return `{\n${decls.join('\n')}\n${pre}\n${this.#nodes(node.body, inner)}\n}`
      }
      case 'block':
        return this.#block(node, scope)
      case 'extends':
        if (!scope.root)
          this.fail('{% extends %} must be at the top level of a template.', node.line)
        return `parent = rt.load(${this.#expr(node.template, scope)}, true);`
      case 'include': {
        const context = node.withContext ? this.#contextWithLocals(scope) : 'null'
        return this.#emit(
          `out += rt.include(${this.#expr(node.template, scope)}, ${context}, ${node.ignoreMissing});`,
          scope,
        )
      }
      case 'import': {
        const module = `rt.importModule(${this.#expr(node.template, scope)}, ${node.withContext ? 'ctx' : 'null'})`
        return this.#assign({ kind: 'name', name: node.as }, module, scope, node.line)
      }
      case 'fromimport': {
        const m = scope.fn.temp()
        const parts = [
          `${m} = rt.importModule(${this.#expr(node.template, scope)}, ${node.withContext ? 'ctx' : 'null'});`,
        ]
        for (const [name, alias] of node.names)
          parts.push(
            this.#assign(
              { kind: 'name', name: alias },
              `rt.fromModule(${m}, ${JSON.stringify(name)})`,
              scope,
              node.line,
            ),
          )
        return parts.join('\n')
      }
      case 'macro':
        return this.#assign(
          { kind: 'name', name: node.name },
          this.#macro(node.name, node.params, node.body, scope),
          scope,
          node.line,
        )
      case 'callblock': {
        const caller = this.#macro('caller', node.params, node.body, scope)
        const call = this.#callWithCaller(node.call, caller, scope)
        return this.#emit(`out += rt.esc(${call});`, scope)
      }
      case 'filterblock': {
        const value = this.#applyFilters(node.filters, this.#capture(node.body, scope), scope)
        return this.#emit(`out += rt.esc(${value});`, scope)
      }
      case 'tag': {
        if (!this.#host.hasTag(node.name)) this.fail(`Unknown tag "${node.name}".`, node.line)
        const ref = this.#ref('tag', node.name)
        const args = `[${node.args.args.map((a) => this.#expr(a, scope)).join(', ')}]`
        const kwargs = `{ ${node.args.kwargs.map(([k, v]) => `${JSON.stringify(k)}: ${this.#expr(v, scope)}`).join(', ')} }`
        return this.#emit(`out += rt.esc(${ref}(ctx, ${args}, ${kwargs}));`, scope)
      }
      case 'loopcontrol':
        if (this.#loops === 0)
          this.fail(`{% ${node.which} %} must be inside a {% for %} loop.`, node.line)
        return `${node.which};`
    }
  }

  /** Render `body` in the same scope into a string (markup when autoescaping). */
  #capture(body: readonly Node[], scope: Scope): string {
    const code = this.#unguarded(() => this.#nodes(body, scope))
    return `rt.markup((() => { let out = '';\n${code}\nreturn out; })())`
  }

  #applyFilters(filters: readonly FilterCall[], value: string, scope: Scope): string {
    let out = value
    for (const f of filters) {
      out = this.#expr(
        { kind: 'filter', node: { kind: 'const', value: null, line: f.line }, ...f },
        scope,
      ).replace('null', out)
    }
    return out
  }

  /** Assign to a target in the current scope: a local, or the context at the top level. */
  #assign(target: Target, value: string, scope: Scope, line: number): string {
    if (target.kind === 'nsattr') {
      return `rt.nsset(${scope.read(target.name)}, ${JSON.stringify(target.attr)}, ${value});`
    }
    if (target.kind === 'tuple') {
      const t = scope.fn.temp()
      return [
        `${t} = rt.unpack(${value}, ${target.items.length});`,
        ...target.items.map((item, i) => this.#assign(item, `${t}[${i}]`, scope, line)),
      ].join('\n')
    }
    if (BLOCKED.has(target.name)) this.fail(`"${target.name}" cannot be assigned to.`, line)
    const local = scope.local(target.name)
    if (local !== undefined) return `${local} = ${value};`
    // The template's top level writes to the context, where blocks, includes and imports see it.
    if (scope.root) return `ctx[${JSON.stringify(target.name)}] = ${value};`
    return `${scope.declare(target.name)} = ${value};`
  }

  /** Declare a target's names in `scope` with a value (loop targets, `with`). */
  #declare(target: Target, value: string, scope: Scope): string {
    if (target.kind === 'nsattr') this.fail('A loop or with cannot assign an attribute.', 0)
    if (target.kind === 'name') {
      if (BLOCKED.has(target.name)) this.fail(`"${target.name}" cannot be assigned to.`, 0)
      return `let ${scope.declare(target.name)} = ${value};`
    }
    const t = `u${scope.fn.uid()}`
    return [
      `const ${t} = rt.unpack(${value}, ${target.items.length});`,
      ...target.items.map((item, i) => this.#declare(item, `${t}[${i}]`, scope)),
    ].join('\n')
  }

  /**
   * Declare, at the start of a scope, every name its body assigns, starting from the outer value:
   * a set inside a loop reads the outer value until it runs and never changes it.
   */
  #predeclare(body: readonly Node[], scope: Scope): string {
    const out: string[] = []
    for (const name of assignedNames(body)) {
      if (scope.owns(name) || BLOCKED.has(name)) continue
      const outer = scope.read(name)
      out.push(`let ${scope.declare(name)} = ${outer};`)
    }
    return out.join('\n')
  }

  #for(node: Extract<Node, { kind: 'for' }>, scope: Scope): string {
    const id = scope.fn.uid()
    const usesLoop = mentions(node.body, 'loop')
    const code: string[] = []
    const items = `it${id}`
    const iterate = (source: string, depth: string): string => {
      const generator = this.#generator
      const lines = [
        generator
          ? `let ${items} = await rt.toListAsync(${source});`
          : `let ${items} = rt.toList(${source});`,
      ]
      if (node.filter) {
        const fs = new Scope({ parent: scope, fn: scope.fn })
        const v = `v${id}`
        lines.push(
          `${items} = ${items}.filter((${v}) => {\n${this.#declare(node.target, v, fs)}\nreturn ${truth(node.filter, fs, this)};\n});`,
        )
      }
      const inner = new Scope({ parent: scope, fn: scope.fn })
      const i = `i${id}`
      const loop = `loop${id}`
      if (usesLoop) {
        lines.push(
          `const ${loop} = new rt.Loop(${items}, ${depth}${node.recursive ? `, (x) => rec${id}(x, ${depth} + 1)` : ''});`,
        )
      }
      lines.push(`for (let ${i} = 0; ${i} < ${items}.length; ${i}++) {`)
      if (usesLoop) lines.push(`${loop}.i = ${i};`)
      lines.push(this.#declare(node.target, `${items}[${i}]`, inner))
      if (usesLoop) inner.declare('loop')
      if (usesLoop) lines.push(`const ${inner.local('loop')} = ${loop};`)
      lines.push(this.#predeclare(node.body, inner))
      this.#loops++
      lines.push(this.#nodes(node.body, inner))
      this.#loops--
      // Streaming: hand over what a long loop has produced so far.
      if (generator) lines.push(`if (out.length >= 16384) { yield out; out = ''; }`)
      lines.push('}')
      if (node.otherwise) {
        const loops = this.#loops
        this.#loops = 0
        lines.push(`if (${items}.length === 0) {\n${this.#nodes(node.otherwise, scope)}\n}`)
        this.#loops = loops
      }
      return lines.join('\n')
    }
    const source = this.#expr(node.iter, scope)
    if (node.recursive) {
      const fn = this.#unguarded(() => iterate(`src${id}`, `depth${id}`))
      code.push(
        `const rec${id} = (src${id}, depth${id}) => { let out = '';\n${fn}\nreturn rt.markup(out); };`,
      )
      code.push(this.#emit(`out += rec${id}(${source}, 0);`, scope))
      return `{\n${code.join('\n')}\n}`
    }
    return `{\n${iterate(source, '0')}\n}`
  }

  #block(node: Extract<Node, { kind: 'block' }>, scope: Scope): string {
    if (this.#blockNames.has(node.name))
      this.fail(`The block "${node.name}" is defined twice in this template.`, node.line)
    this.#blockNames.add(node.name)
    const fn = new FunctionScope(this.#counter)
    fn.superCall = this.#stream
      ? `(await rt.superBlockStream(blocks, ${JSON.stringify(node.name)}, level, ctx))`
      : `rt.superBlock(blocks, ${JSON.stringify(node.name)}, level, ctx)`
    const inner = new Scope({ fn, boundary: true })
    const body = node.required
      ? `throw rt.requiredBlock(${JSON.stringify(node.name)});`
      : this.#unguarded(
          () => `${this.#predeclare(node.body, inner)}\n${this.#nodes(node.body, inner)}`,
          this.#stream,
        )
    this.#blocks.push(
      [
        `${this.#stream ? 'async function*' : 'function'} b_${node.name}(ctx, blocks, level) {`,
        `let out = ''; let ln = ${node.line}; ${fn.declarations()}`,
        'try {',
        body,
        '} catch (e) { throw rt.fail(e, ln) }',
        this.#stream ? 'if (out !== "") yield out;' : 'return out;',
        '}',
      ].join('\n'),
    )
    const context = node.scoped ? this.#contextWithLocals(scope) : 'ctx'
    if (this.#generator)
      return this.#emit(
        `{ if (out !== '') { yield out; out = ''; } yield* rt.blockStream(blocks, ${JSON.stringify(node.name)}, ${context}); }`,
        scope,
      )
    return this.#emit(`out += rt.block(blocks, ${JSON.stringify(node.name)}, ${context});`, scope)
  }

  /** The context plus the locals visible here (for `with context` includes, scoped blocks). */
  #contextWithLocals(scope: Scope): string {
    const locals = [...scope.visible()]
    if (locals.length === 0) return 'ctx'
    return `rt.derive(ctx, { ${locals.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')} })`
  }

  #macro(name: string, params: readonly MacroParam[], body: readonly Node[], scope: Scope): string {
    const fn = new FunctionScope(this.#counter)
    const inner = new Scope({ parent: scope, fn })
    const lines: string[] = []
    const args = `a${fn.uid()}`
    for (const [i, p] of params.entries()) {
      if (BLOCKED.has(p.name)) this.fail(`"${p.name}" cannot be a parameter name.`, 0)
      const fallback = p.default
        ? this.#expr(p.default, inner)
        : `rt.undefined(${JSON.stringify(`parameter '${p.name}' was not provided`)})`
      const ident = inner.declare(p.name)
      lines.push(`let ${ident} = ${args}[${i}] === rt.MISSING ? ${fallback} : ${args}[${i}];`)
    }
    const special = ['varargs', 'kwargs', 'caller'] as const
    const uses = special.map((s) => mentions(body, s) && !params.some((p) => p.name === s))
    for (const [i, s] of special.entries()) {
      if (uses[i]) lines.push(`let ${inner.declare(s)} = ${args}[${params.length + i}];`)
    }
    lines.push(this.#predeclare(body, inner))
    lines.push(this.#unguarded(() => this.#nodes(body, inner)))
    return `rt.macro(${JSON.stringify(name)}, ${JSON.stringify(params.map((p) => p.name))}, ${uses.map(String).join(', ')}, (${args}) => { let out = ''; ${fn.declarations()}\n${lines.join('\n')}\nreturn rt.markup(out); })`
  }

  #callWithCaller(call: Extract<Expr, { kind: 'call' }>, caller: string, scope: Scope): string {
    const args: Args = { args: call.args, kwargs: call.kwargs }
    const positional = `[${args.args.map((a) => this.#expr(a, scope)).join(', ')}]`
    const kwargs = `{ ${[...args.kwargs.map(([k, v]) => `${JSON.stringify(k)}: ${this.#expr(v, scope)}`), `caller: ${caller}`].join(', ')} }`
    return `rt.call(${this.#expr(call.callee, scope)}, ${positional}, ${kwargs})`
  }
}

const BLOCKED = new Set(['__proto__', 'constructor', 'prototype'])
/** Text ending at the start of a quoted URL attribute's value. */
const URL_ATTRIBUTE =
  /<[A-Za-z][^<>]*\s(?:href|src|action|formaction|xlink:href|poster|cite|background|ping|srcset)\s*=\s*["']$/i
/** Text ending where an unquoted attribute value starts (`<td class=`). */
const UNQUOTED_ATTRIBUTE = /<[A-Za-z][^<>"']*\s[A-Za-z_:][-A-Za-z0-9_:.]*\s*=\s*$/

/** Names a body assigns in its own scope (not inside nested loops, macros, blocks, with). */
function assignedNames(body: readonly Node[]): Set<string> {
  const out = new Set<string>()
  const target = (t: Target) => {
    if (t.kind === 'name') out.add(t.name)
    else if (t.kind === 'tuple') for (const item of t.items) target(item)
  }
  const walk = (nodes: readonly Node[]) => {
    for (const n of nodes) {
      if (n.kind === 'set') target(n.target)
      else if (n.kind === 'setblock' || n.kind === 'macro') out.add(n.name)
      else if (n.kind === 'import') out.add(n.as)
      else if (n.kind === 'fromimport') for (const [, alias] of n.names) out.add(alias)
      else if (n.kind === 'if') {
        for (const b of n.branches) walk(b.body)
        if (n.otherwise) walk(n.otherwise)
      } else if (n.kind === 'filterblock') walk(n.body)
    }
  }
  walk(body)
  return out
}

function containsExtends(nodes: readonly Node[]): boolean {
  return nodes.some(
    (n) =>
      n.kind === 'extends' ||
      (n.kind === 'if' &&
        (n.branches.some((b) => containsExtends(b.body)) ||
          (n.otherwise !== undefined && containsExtends(n.otherwise)))),
  )
}

/** Does any expression in `nodes` read the name `name`? (Conservative: looks everywhere.) */
function mentions(nodes: readonly Node[], name: string): boolean {
  const needle = JSON.stringify(name)
  return JSON.stringify(nodes).includes(`"kind":"name","name":${needle}`)
}

export { literal }
