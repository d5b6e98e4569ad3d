/**
 * The environment: configuration (loader, autoescaping, whitespace options, strict undefined),
 * the registries of filters, tests, globals and tags, and the cache of compiled templates.
 *
 * Configuration is fixed when the environment is made; nothing a template renders (request data
 * included) can change it. Templates compile once (source → tokens → nodes → JavaScript →
 * `new Function`) and are cached by name; with `autoReload` a changed file is recompiled.
 */
import { compile } from './compiler.ts'
import { TemplateError, TemplateNotFoundError, TemplateSyntaxError } from './errors.ts'
import { builtinFilters } from './filters/index.ts'
import { globals as builtinGlobals } from './globals.ts'
import { describeLoader, type LoadedSource, type Loader } from './loaders.ts'
import { parse } from './parser.ts'
import {
  blocksOf,
  type CompiledModule,
  type Context,
  type LoadedTemplate,
  type RuntimeHost,
  type StreamChain,
  type StreamModule,
  TemplateRuntime,
} from './runtime/core.ts'
import type { Callable, FilterFn, TestFn } from './runtime/types.ts'
import { builtinTests } from './tests.ts'

/** A custom tag: `{% name arg, key=value %}`; its result is written (escaped unless safe). */
export type TagFn = (context: Context, args: unknown[], kwargs: Record<string, unknown>) => unknown

export interface EnvironmentOptions {
  /** Where templates come from (`fileSystemLoader`, `memoryLoader`, `moduleLoader`, …). */
  loader?: Loader
  /**
   * Escape output: `true`, `false`, or per template name. Default: on for `.html`, `.htm`,
   * `.xml` and `.svg` templates and for strings rendered with `renderString`.
   */
  autoescape?: boolean | ((name: string) => boolean)
  /** Remove the first newline after a block tag. */
  trimBlocks?: boolean
  /** Strip spaces and tabs from the start of a line up to a block tag. */
  lstripBlocks?: boolean
  /** Keep a single trailing newline at the end of a template. */
  keepTrailingNewline?: boolean
  /** `'strict'`: using an undefined value (other than `is defined`) is an error naming it. */
  undefined?: 'default' | 'strict'
  /** Recompile templates whose source changed (development). */
  autoReload?: boolean
  filters?: Record<string, FilterFn | Callable<FilterFn>>
  tests?: Record<string, TestFn | Callable<TestFn>>
  globals?: Record<string, unknown>
  tags?: Record<string, TagFn>
  /**
   * Templates compiled ahead of time (`env.precompile()` / `plinth templates:compile`): used
   * instead of loading and compiling them, so production starts without parsing templates.
   */
  precompiled?: Readonly<Record<string, PrecompiledTemplate>>
}

/** One template as `precompile()` writes it: the module factories of both render modes. */
export interface PrecompiledTemplate {
  string: (rt: unknown) => unknown
  stream: (rt: unknown) => unknown
}

const AUTOESCAPED = /\.(html|htm|xml|svg)$/i

/** A compiled template. */
export class Template implements LoadedTemplate {
  readonly name: string
  readonly module: CompiledModule
  readonly #env: Environment
  readonly source: LoadedSource
  readonly #compileStream: () => StreamModule
  #streamModule: StreamModule | undefined
  constructor(
    env: Environment,
    source: LoadedSource,
    module: CompiledModule,
    compileStream: () => StreamModule,
  ) {
    this.#env = env
    this.name = source.name
    this.source = source
    this.module = module
    this.#compileStream = compileStream
  }

  /** The template compiled for streaming (on first use). */
  get streamModule(): StreamModule {
    this.#streamModule ??= this.#compileStream()
    return this.#streamModule
  }

  /**
   * Render once the context's promises have settled (`{ products: Product.objects.all() }`);
   * async iterables are collected first.
   *
   * @example
   * const html = await env.getTemplate('products.html').renderAsync({ products: query.all() })
   */
  async renderAsync(context: object = {}): Promise<string> {
    return this.render(await settle(context, true))
  }

  /**
   * Render as a stream of chunks, for large pages: the start of the page is yielded before the
   * rest is rendered, long loops hand over their output as they go (every 16 KB), and loops may
   * iterate promises and async iterables (a database cursor, say).
   *
   * @example
   * for await (const chunk of template.stream({ rows: Product.objects.iterate() })) res.write(chunk)
   */
  async *stream(context: object = {}): AsyncGenerator<string> {
    const module = this.streamModule
    const chain: StreamChain = {}
    for (const [name, fn] of Object.entries(module.blocks)) chain[name] = [fn]
    yield* module.root(this.#env.context(await settle(context, false)), chain)
  }

  /**
   * Render with `context` (its own enumerable properties become template variables).
   *
   * @example
   * env.getTemplate('products.html').render({ products })
   */
  render(context: object = {}): string {
    return this.module.root(this.#env.context(context), blocksOf(this))
  }
}

/** Create an environment. */
export function createEnvironment(options: EnvironmentOptions = {}): Environment {
  return new Environment(options)
}

export class Environment {
  readonly options: Readonly<EnvironmentOptions>
  readonly #filters = new Map<string, Callable<FilterFn>>()
  readonly #tests = new Map<string, Callable<TestFn>>()
  readonly #tags = new Map<string, TagFn>()
  readonly #globals: Context = Object.create(null)
  readonly #cache = new Map<string, Template>()

  constructor(options: EnvironmentOptions = {}) {
    this.options = Object.freeze({ ...options })
    for (const [k, v] of Object.entries(builtinFilters)) this.#filters.set(k, v)
    for (const [k, v] of Object.entries(builtinTests)) this.#tests.set(k, v)
    for (const [k, v] of Object.entries(builtinGlobals)) this.#globals[k] = v
    for (const [k, v] of Object.entries(options.filters ?? {})) this.addFilter(k, v)
    for (const [k, v] of Object.entries(options.tests ?? {})) this.addTest(k, v)
    for (const [k, v] of Object.entries(options.globals ?? {})) this.addGlobal(k, v)
    for (const [k, v] of Object.entries(options.tags ?? {})) this.addTag(k, v)
  }

  /** Register a filter (a function, or `defineFilter(params, fn)` for keyword arguments). */
  addFilter(name: string, filter: FilterFn | Callable<FilterFn>): this {
    this.#filters.set(checkName(name, 'filter'), callable(filter))
    this.#cache.clear()
    return this
  }

  addTest(name: string, test: TestFn | Callable<TestFn>): this {
    this.#tests.set(checkName(name, 'test'), callable(test))
    this.#cache.clear()
    return this
  }

  addGlobal(name: string, value: unknown): this {
    this.#globals[checkName(name, 'global')] = value
    return this
  }

  addTag(name: string, tag: TagFn): this {
    this.#tags.set(checkName(name, 'tag'), tag)
    this.#cache.clear()
    return this
  }

  /** A template by name (compiled once, then cached). */
  getTemplate(name: string): Template {
    const cached = this.#cache.get(name)
    if (cached !== undefined && (!this.options.autoReload || cached.source.isFresh?.() !== false))
      return cached
    const ready = this.options.precompiled
    if (ready !== undefined && Object.hasOwn(ready, name)) {
      const factories = ready[name]!
      const rt = this.#runtime({ name, source: '' })
      const template = new Template(
        this,
        { name, source: '' },
        factories.string(rt) as CompiledModule,
        () => factories.stream(rt) as StreamModule,
      )
      this.#cache.set(name, template)
      return template
    }
    const loader = this.options.loader
    const source = loader?.load(name)
    if (source === undefined)
      throw new TemplateNotFoundError(name, loader ? describeLoader(loader, name) : [])
    const template = this.#compile(source)
    this.#cache.set(name, template)
    return template
  }

  /**
   * The source of an ES module holding `names` compiled (both render modes), for
   * `createEnvironment({ precompiled })` in production. The module's functions need an
   * environment with the same filters, tests and tags.
   *
   * @example
   * writeFileSync('templates.compiled.js', env.precompile(['base.html', 'products.html']))
   */
  precompile(names: readonly string[]): string {
    const entries = names.map((name) => {
      const loader = this.options.loader
      const source = loader?.load(name)
      if (source === undefined)
        throw new TemplateNotFoundError(name, loader ? describeLoader(loader, name) : [])
      const nodes = this.#parse(source)
      const body = (mode: 'string' | 'stream') =>
        `function (rt) {\n${this.#generate(nodes, source, mode)}\n}`
      return `  ${JSON.stringify(name)}: {\n    string: ${body('string')},\n    stream: ${body('stream')},\n  },`
    })
    return [
      '// Templates precompiled by Plinth (env.precompile / plinth templates:compile). Do not edit.',
      '/* eslint-disable */',
      'export default {',
      ...entries,
      '}',
      '',
    ].join('\n')
  }

  /** Compile a template from a string (not cached). */
  fromString(source: string, name = '<string>'): Template {
    return this.#compile({ name, source })
  }

  /** Render the template `name`. */
  render(name: string, context: object = {}): string {
    return this.getTemplate(name).render(context)
  }

  /** Render template source directly. */
  renderString(source: string, context: object = {}): string {
    return this.fromString(source).render(context)
  }

  /** A render context: the globals, then the caller's variables. */
  context(vars: object): Context {
    const ctx = Object.create(this.#globals) as Context
    for (const key of Object.keys(vars)) {
      // A `__proto__` key in request data must not become the context's prototype.
      if (key === '__proto__') continue
      ctx[key] = (vars as Record<string, unknown>)[key]
    }
    return ctx
  }

  #autoescape(name: string): boolean {
    const option = this.options.autoescape
    if (typeof option === 'function') return option(name)
    if (typeof option === 'boolean') return option
    return name === '<string>' || AUTOESCAPED.test(name)
  }

  #runtime(source: LoadedSource): TemplateRuntime {
    const host: RuntimeHost = {
      strict: this.options.undefined === 'strict',
      filter: (n) => this.#filters.get(n)!,
      test: (n) => this.#tests.get(n)!,
      hasFilter: (n) => this.#filters.has(n),
      hasTest: (n) => this.#tests.has(n),
      tag: (n) => this.#tags.get(n)!,
      load: (n, from) => this.#load(n, from),
      globalsContext: () => Object.create(this.#globals) as Context,
    }
    return new TemplateRuntime(host, source.name, source.source, this.#autoescape(source.name))
  }

  #parse(source: LoadedSource) {
    return parse(source.source, source.name, {
      trimBlocks: this.options.trimBlocks,
      lstripBlocks: this.options.lstripBlocks,
      keepTrailingNewline: this.options.keepTrailingNewline,
      tags: new Set(this.#tags.keys()),
    })
  }

  #generate(nodes: ReturnType<typeof parse>, source: LoadedSource, mode: 'string' | 'stream') {
    return compile(
      nodes,
      source.name,
      source.source,
      {
        autoescape: this.#autoescape(source.name),
        filterParams: (n) => this.#filters.get(n)?.params,
        testParams: (n) => this.#tests.get(n)?.params,
        hasTag: (n) => this.#tags.has(n),
      },
      mode,
    )
  }

  #compile(source: LoadedSource): Template {
    const nodes = this.#parse(source)
    const rt = this.#runtime(source)
    const build = <M>(mode: 'string' | 'stream'): M => {
      const code = this.#generate(nodes, source, mode)
      try {
        return new Function('rt', code)(rt) as M
      } catch (error) {
        // The compiler produced invalid JavaScript: a bug in Plinth, not in the template.
        throw new TemplateSyntaxError(
          `Internal error compiling the template (${(error as Error).message}); please report it.`,
          { template: source.name, line: 1, column: 1, source: source.source },
        )
      }
    }
    return new Template(this, source, build<CompiledModule>('string'), () =>
      build<StreamModule>('stream'),
    )
  }

  #load(name: unknown, from: string): Template {
    if (name instanceof Template) return name
    if (typeof name !== 'string')
      throw new TemplateError(
        'PLINTH_TEMPLATE_NAME',
        `A template name must be a string (in ${from}), got ${typeof name}.`,
      )
    return this.getTemplate(name)
  }
}

/** The context with its top-level promises settled (and async iterables collected, if asked). */
async function settle(context: object, collect: boolean): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {}
  await Promise.all(
    Object.keys(context).map(async (key) => {
      if (key === '__proto__') return
      let value = (context as Record<string, unknown>)[key]
      if (
        value !== null &&
        typeof value === 'object' &&
        typeof (value as PromiseLike<unknown>).then === 'function'
      )
        value = await value
      if (collect && value !== null && typeof value === 'object' && Symbol.asyncIterator in value) {
        const items: unknown[] = []
        for await (const item of value as AsyncIterable<unknown>) items.push(item)
        value = items
      }
      out[key] = value
    }),
  )
  return out
}

function checkName(name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(name))
    throw new TemplateError(
      'PLINTH_TEMPLATE_CONFIG',
      `A ${what} name must be an identifier (letters, digits, _), got ${JSON.stringify(name)}.`,
    )
  return name
}

function callable<F extends (...args: never[]) => unknown>(f: F | Callable<F>): Callable<F> {
  if (typeof f === 'function') {
    // Parameter names of a plain function: up to the first default or rest (best effort).
    return { fn: f, params: ['*args'] }
  }
  return f
}
