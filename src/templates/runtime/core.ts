/**
 * The runtime a compiled template calls (`rt.*` in generated code): output escaping, name lookup,
 * calls, macros, loops, blocks and inheritance, includes and imports, and error wrapping.
 *
 * One `TemplateRuntime` exists per compiled template (it knows the template's name, source and
 * whether it autoescapes) and delegates loading to the environment, so compiled code stays a
 * plain function of `(ctx, blocks)` and an error in one template never affects another.
 */
import { TemplateError, TemplateRuntimeError } from '../errors.ts'
import { getattr, getitem, slice } from './access.ts'
import { escapeHtml, SafeString } from './markup.ts'
import { Loop, Macro, MISSING, Namespace } from './objects.ts'
import type { Callable, EvalContext, FilterFn, TestFn } from './types.ts'
import { Undefined, UndefinedError } from './undefined.ts'
import {
  add,
  compare,
  concat,
  contains,
  div,
  equals,
  floordiv,
  isKwargs,
  kwargs as markKwargs,
  mod,
  mul,
  neg,
  pos,
  pow,
  sub,
  toList,
  toStr,
  truthy,
} from './values.ts'

/** A render context: variables by name (null prototype; globals further down the chain). */
export type Context = Record<string, unknown>

/** A compiled template module: its root function and its blocks. */
export interface CompiledModule {
  root(ctx: Context, blocks: BlockChain): string
  blocks: Record<string, BlockFn>
}

/** The same template compiled for streaming: root and blocks are async generators of chunks. */
export interface StreamModule {
  root(ctx: Context, blocks: StreamChain): AsyncGenerator<string>
  blocks: Record<string, StreamBlockFn>
}
export type StreamBlockFn = (
  ctx: Context,
  blocks: StreamChain,
  level: number,
) => AsyncGenerator<string>
export type StreamChain = Record<string, StreamBlockFn[]>
export type BlockFn = (ctx: Context, blocks: BlockChain, level: number) => string
/** For each block name, its definitions from the most derived template to the base. */
export type BlockChain = Record<string, BlockFn[]>

/** What the runtime needs from the environment. */
export interface RuntimeHost {
  readonly strict: boolean
  filter(name: string): Callable<FilterFn>
  test(name: string): Callable<TestFn>
  hasFilter(name: string): boolean
  hasTest(name: string): boolean
  tag(name: string): (ctx: Context, args: unknown[], kwargs: Record<string, unknown>) => unknown
  /** Load another template (throws TemplateNotFoundError). */
  load(name: unknown, from: string): LoadedTemplate
  /** A fresh context holding only the globals. */
  globalsContext(): Context
}

/** What the runtime needs of another template. */
export interface LoadedTemplate {
  readonly name: string
  readonly module: CompiledModule
  /** Compiled on first use. */
  readonly streamModule: StreamModule
}

/** The runtime of one compiled template. */
export class TemplateRuntime {
  readonly name: string
  readonly source: string
  readonly autoescape: boolean
  readonly #host: RuntimeHost
  readonly evalContext: EvalContext
  readonly MISSING = MISSING
  readonly Loop = Loop

  constructor(host: RuntimeHost, name: string, source: string, autoescape: boolean) {
    this.#host = host
    this.name = name
    this.source = source
    this.autoescape = autoescape
    const undefinedOf = (hint: string | (() => string)) => this.undefined(hint)
    this.evalContext = {
      autoescape,
      getattr: (obj, attr) => getattr(obj, attr, undefinedOf),
      getitem: (obj, key) => getitem(obj, key, undefinedOf),
      filter: (name, value, args, kw) => this.#applyFilter(name, value, args, kw),
      test: (name, value, args, kw) => this.#applyTest(name, value, args, kw),
      undefined: undefinedOf,
      hasFilter: (name: string) => host.hasFilter(name),
      hasTest: (name: string) => host.hasTest(name),
    } as EvalContext
  }

  // -- Values -------------------------------------------------------------------------------

  /** Truth of a value; in strict mode an undefined one is an error, as Jinja2's StrictUndefined. */
  truthy(value: unknown): boolean {
    if (this.#host.strict && value instanceof Undefined) throw new UndefinedError(value.hint)
    return truthy(value)
  }
  equals = equals
  compare = compare
  contains = contains
  add = add
  sub = sub
  mul = mul
  div = div
  floordiv = floordiv
  mod = mod
  pow = pow
  neg = neg
  pos = pos
  /** `~`: with autoescaping, a safe side keeps the result safe and the other side is escaped. */
  concat(a: unknown, b: unknown): unknown {
    return concat(a, b, this.autoescape)
  }
  slice = slice

  toList(value: unknown): unknown[] {
    if (this.#host.strict && value instanceof Undefined) throw new UndefinedError(value.hint)
    return toList(value)
  }

  undefined(hint: string | (() => string)): Undefined {
    return new Undefined(hint)
  }

  /** Write a value: escaped unless safe (when autoescaping), Python's `str()` otherwise. */
  esc(value: unknown): string {
    if (typeof value === 'string') return this.autoescape ? escapeHtml(value) : value
    if (typeof value === 'number') return Number.isInteger(value) ? String(value) : toStr(value)
    if (value instanceof SafeString) return value.value
    if (value instanceof Undefined) {
      if (this.#host.strict) throw new UndefinedError(value.hint)
      return ''
    }
    if (value === undefined) return ''
    const text = toStr(value)
    return this.autoescape ? escapeHtml(text) : text
  }

  /**
   * A value at the start of a URL attribute: escaped, and a `javascript:`, `vbscript:` or `data:`
   * URL (however it is spelled: case, leading spaces, tabs or newlines inside the scheme) is
   * replaced by `about:invalid#blocked`. Markup marked safe passes as is.
   */
  escUrl(value: unknown): string {
    if (value instanceof SafeString) return value.value
    const text = this.esc(value)
    // Browsers skip control characters and spaces inside a scheme (`java\tscript:`): so do we.
    const head = Array.from(text.slice(0, 64))
      .filter((c) => c > ' ')
      .join('')
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(head)
    if (scheme && /^(javascript|vbscript|data)$/i.test(scheme[1]!)) return 'about:invalid#blocked'
    return text
  }

  /** What a macro or captured block returns: markup when autoescaping, so it is not escaped twice. */
  markup(text: string): string | SafeString {
    return this.autoescape ? new SafeString(text) : text
  }

  lookup(ctx: Context, name: string): unknown {
    const value = ctx[name]
    if (value !== undefined) return value
    return new Undefined(() => `'${name}' is undefined`)
  }

  readonly #makeUndefined = (hint: string | (() => string)) => new Undefined(hint)

  getattr(obj: unknown, name: string): unknown {
    return getattr(obj, name, this.#makeUndefined)
  }

  getitem(obj: unknown, key: unknown): unknown {
    return getitem(obj, key, this.#makeUndefined)
  }

  dict(entries: Array<[unknown, unknown]>): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [k, v] of entries)
      Object.defineProperty(out, toStr(k), {
        value: v,
        writable: true,
        enumerable: true,
        configurable: true,
      })
    return out
  }

  unpack(value: unknown, count: number): unknown[] {
    const items = toList(value)
    if (items.length !== count)
      throw new TypeError(
        `cannot unpack ${items.length} value${items.length === 1 ? '' : 's'} into ${count} name${count === 1 ? '' : 's'}`,
      )
    return items
  }

  nsset(ns: unknown, attr: string, value: unknown): void {
    if (!(ns instanceof Namespace))
      throw new TypeError(`cannot assign attribute '${attr}' on a non-namespace object`)
    Object.defineProperty(ns, attr, { value, writable: true, enumerable: true, configurable: true })
  }

  // -- Calls ----------------------------------------------------------------------------------

  call(
    callee: unknown,
    args: unknown[],
    kw: Record<string, unknown> | undefined,
    star?: unknown,
    starstar?: unknown,
  ): unknown {
    if (star !== undefined) args = [...args, ...toList(star)]
    if (starstar !== undefined) kw = { ...(starstar as Record<string, unknown>), ...kw }
    if (callee instanceof Macro) return callee.invoke(args, kw)
    if (callee instanceof Loop) return callee.recurse(args[0])
    if (callee instanceof Undefined) throw new UndefinedError(callee.hint)
    if (typeof callee !== 'function')
      throw new TypeError(
        `'${typeof callee === 'object' && callee !== null ? 'object' : String(callee)}' is not callable`,
      )
    const all = kw !== undefined && Object.keys(kw).length > 0 ? [...args, markKwargs(kw)] : args
    return (callee as (...a: unknown[]) => unknown)(...all)
  }

  macro(
    name: string,
    params: string[],
    varargs: boolean,
    kwargs: boolean,
    caller: boolean,
    fn: (args: unknown[]) => unknown,
  ): Macro {
    return new Macro(name, params, varargs, kwargs, caller, fn)
  }

  /**
   * Arguments of a filter or test known only at render time (`*args`/`**kwargs` at the call
   * site, or `ctx.filter(...)`): the same placement as the compiler's (`compile-expr.ts`).
   */
  spread(
    params: readonly string[],
    args: unknown[],
    kw: Record<string, unknown>,
    star: unknown,
    starstar: unknown,
  ): unknown[] {
    const positional = star === undefined ? [...args] : [...args, ...toList(star)]
    const keywords = { ...(starstar as Record<string, unknown> | undefined), ...kw }
    const named = params.filter((p) => p !== '*args' && p !== '**kwargs')
    if (!params.includes('*args') && positional.length > named.length)
      throw new TypeError(`takes at most ${named.length} arguments, got ${positional.length}`)
    const slots = positional.slice(0, named.length)
    const extra = positional.slice(named.length)
    const rest: Record<string, unknown> = {}
    let hasRest = false
    for (const [key, value] of Object.entries(keywords)) {
      const at = named.indexOf(key)
      if (at === -1) {
        if (!params.includes('**kwargs'))
          throw new TypeError(`unexpected keyword argument '${key}'`)
        rest[key] = value
        hasRest = true
        continue
      }
      while (slots.length < at) slots.push(undefined)
      slots[at] = value
    }
    if (extra.length > 0 || hasRest) while (slots.length < named.length) slots.push(undefined)
    return [...slots, ...extra, ...(hasRest ? [markKwargs(rest)] : [])]
  }

  /** Keyword arguments passed on to a filter declaring `'**kwargs'`. */
  kwargs(values: Record<string, unknown>): Record<string, unknown> {
    return markKwargs(values)
  }

  filterFn(name: string): FilterFn {
    return this.#host.filter(name).fn
  }

  testFn(name: string): TestFn {
    return this.#host.test(name).fn
  }

  tagFn(name: string) {
    return this.#host.tag(name)
  }

  #applyFilter(name: string, value: unknown, args: unknown[], kw?: Record<string, unknown>) {
    if (!this.#host.hasFilter(name)) throw new TypeError(`no filter named '${name}'`)
    const f = this.#host.filter(name)
    return f.fn(
      this.evalContext,
      value,
      ...this.spread(f.params, args, kw ?? {}, undefined, undefined),
    )
  }

  #applyTest(name: string, value: unknown, args: unknown[], kw?: Record<string, unknown>) {
    if (!this.#host.hasTest(name)) throw new TypeError(`no test named '${name}'`)
    const t = this.#host.test(name)
    return t.fn(
      this.evalContext,
      value,
      ...this.spread(t.params, args, kw ?? {}, undefined, undefined),
    )
  }

  // -- Templates ------------------------------------------------------------------------------

  load(name: unknown, _forExtends: boolean): LoadedTemplate {
    return this.#host.load(name, this.name)
  }

  /** Render `parent` with the child's blocks taking precedence. */
  extend(parent: LoadedTemplate, ctx: Context, blocks: BlockChain): string {
    const chain: BlockChain = { ...blocks }
    for (const [name, fn] of Object.entries(parent.module.blocks))
      chain[name] = [...(chain[name] ?? []), fn]
    return parent.module.root(ctx, chain)
  }

  /** Streaming `extends`: the parent's stream blocks after the child's. */
  async *extendStream(
    parent: LoadedTemplate,
    ctx: Context,
    blocks: StreamChain,
  ): AsyncGenerator<string> {
    const chain: StreamChain = { ...blocks }
    for (const [name, fn] of Object.entries(parent.streamModule.blocks))
      chain[name] = [...(chain[name] ?? []), fn]
    yield* parent.streamModule.root(ctx, chain)
  }

  async *blockStream(blocks: StreamChain, name: string, ctx: Context): AsyncGenerator<string> {
    const chain = blocks[name]
    if (chain !== undefined && chain.length > 0) yield* chain[0]!(ctx, blocks, 0)
  }

  async superBlockStream(
    blocks: StreamChain,
    name: string,
    level: number,
    ctx: Context,
  ): Promise<string | SafeString> {
    const next = blocks[name]?.[level + 1]
    if (next === undefined)
      throw new TypeError(`super() in block '${name}': no parent template defines this block`)
    let out = ''
    for await (const chunk of next(ctx, blocks, level + 1)) out += chunk
    return this.markup(out)
  }

  /** What a streamed loop iterates: promises are awaited, async iterables collected. */
  async toListAsync(value: unknown): Promise<unknown[]> {
    let v = value
    if (
      v !== null &&
      typeof v === 'object' &&
      typeof (v as PromiseLike<unknown>).then === 'function'
    )
      v = await v
    if (v !== null && typeof v === 'object' && Symbol.asyncIterator in v) {
      const out: unknown[] = []
      for await (const item of v as AsyncIterable<unknown>) out.push(item)
      return out
    }
    return this.toList(v)
  }

  block(blocks: BlockChain, name: string, ctx: Context): string {
    const chain = blocks[name]
    if (chain === undefined || chain.length === 0) return ''
    return chain[0]!(ctx, blocks, 0)
  }

  superBlock(blocks: BlockChain, name: string, level: number, ctx: Context): string | SafeString {
    const next = blocks[name]?.[level + 1]
    if (next === undefined)
      throw new TypeError(`super() in block '${name}': no parent template defines this block`)
    return this.markup(next(ctx, blocks, level + 1))
  }

  /** `self`: each block of the template as a function rendering it (`self.title()`). */
  self(blocks: BlockChain | StreamChain, ctx: Context): Record<string, () => unknown> {
    const out: Record<string, () => unknown> = Object.create(null)
    for (const name of Object.keys(blocks)) {
      out[name] = () => {
        const rendered = (blocks as BlockChain)[name]![0]!(ctx, blocks as BlockChain, 0)
        if (typeof rendered !== 'string')
          throw new TypeError(`self.${name}() cannot be used while streaming; use render()`)
        return this.markup(rendered)
      }
    }
    return out
  }

  requiredBlock(name: string): Error {
    return new TypeError(`required block '${name}' was not overridden by a child template`)
  }

  derive(ctx: Context, locals: Record<string, unknown>): Context {
    const out = Object.create(ctx) as Context
    for (const [k, v] of Object.entries(locals)) out[k] = v
    return out
  }

  include(name: unknown, ctx: Context | null, ignoreMissing: boolean): string {
    const names = Array.isArray(name) ? name : [name]
    let lastError: unknown
    for (const candidate of names) {
      let template: LoadedTemplate
      try {
        template = this.#host.load(candidate, this.name)
      } catch (error) {
        if ((error as { code?: string })?.code !== 'PLINTH_TEMPLATE_NOT_FOUND') throw error
        lastError = error
        continue
      }
      const context = Object.create(ctx ?? this.#host.globalsContext()) as Context
      return template.module.root(context, blocksOf(template))
    }
    if (ignoreMissing) return ''
    throw lastError
  }

  importModule(name: unknown, ctx: Context | null): Record<string, unknown> {
    const template = this.#host.load(name, this.name)
    const context = Object.create(ctx ?? this.#host.globalsContext()) as Context
    template.module.root(context, blocksOf(template))
    const exports: Record<string, unknown> = {}
    for (const key of Object.keys(context))
      if (!key.startsWith('_'))
        Object.defineProperty(exports, key, { value: context[key], enumerable: true })
    return exports
  }

  fromModule(module: Record<string, unknown>, name: string): unknown {
    if (!Object.hasOwn(module, name)) throw new TypeError(`the template does not export '${name}'`)
    return module[name]
  }

  /** Attach the template and line to an error escaping a render. */
  fail(error: unknown, line: number): Error {
    if (error instanceof TemplateError) return error
    const message = error instanceof Error ? error.message : String(error)
    return new TemplateRuntimeError(message, {
      template: this.name,
      line,
      cause: error,
      source: this.source,
    })
  }
}

/** The blocks of a template rendered on its own (not extended). */
export function blocksOf(template: LoadedTemplate): BlockChain {
  const chain: BlockChain = {}
  for (const [name, fn] of Object.entries(template.module.blocks)) chain[name] = [fn]
  return chain
}

export { isKwargs, Loop, Macro, MISSING, Namespace }
