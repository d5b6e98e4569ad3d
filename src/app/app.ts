/**
 * `App`: configuration, the route table, the lifespan, and the Node request listener.
 *
 * Configuration is an explicit object validated when the app is created; nothing is read from
 * globals. Routes and middleware can be added until the app starts (first request, `ready()`,
 * `start()`), then the app is frozen and compiled.
 */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import type { Dependency } from '../di/index.ts'
import { HttpError, PlinthError } from '../http/errors.ts'
import { redirect } from '../http/redirect.ts'
import { noContent, type Reply } from '../http/reply.ts'
import { Signer } from '../http/signing.ts'
import { createLogger, type Logger, type LoggerOptions } from '../logging/index.ts'
import { parseRequestTarget, type UrlParams, type UrlQuery } from '../routing/index.ts'
import { type CompiledApp, compileApp } from './compile.ts'
import type { Context, ContextHost } from './context.ts'
import { resolveDefaultHeaders } from './default-headers.ts'
import { handleRequest, type Runtime } from './lifecycle.ts'
import { DEFAULT_LIMITS, type Limits, resolveLimits } from './limits.ts'
import { type GroupHookName, RouteGroup } from './router.ts'
import type { HookMap, LifespanHook, RouteInfo } from './types.ts'

/** Options of {@link createApp}. Every field is optional and validated. */
export interface AppOptions {
  /**
   * Debug mode: debug pages and stack traces in 5xx answers, response validation, pretty logs.
   * Default: `process.env.NODE_ENV === 'development'`. Never enable it in production.
   */
  debug?: boolean
  /** Secret key(s) for signed cookies, newest first (each at least 32 characters). */
  secretKey?: string | readonly string[]
  /** Request limits (body size, JSON depth, form fields, uploads). */
  limits?: Partial<Limits>
  /** `'redirect'` (default): `/a/` ↔ `/a` answer 308 to the registered form. `'strict'`: 404. */
  trailingSlash?: 'redirect' | 'strict'
  /** Longest value a `:param` segment may have (longer paths do not match). Default 1000. */
  maxParamLength?: number
  /** Logger options, a pino logger, or `false` to discard logs. */
  logger?: LoggerOptions | Logger | false
  /** One log line per request (method, path, status, duration). Default: on in debug mode. */
  logRequests?: boolean
  /** Check JSON responses against declared response schemas. Default: on in debug mode. */
  validateResponses?: boolean
  /** Directory for spooled uploads. Default: the OS temp directory. */
  uploadDir?: string
  /**
   * Headers sent with every response the app writes (errors and 404s included), under any the
   * handler, middleware or reply sets, e.g. `{ server: 'shop' }`. Cheaper than a response hook
   * for fixed values. Not for per-response headers (`content-type`, `content-length`,
   * `transfer-encoding`, `set-cookie`), which are refused at startup.
   */
  headers?: Readonly<Record<string, string>>
}

/** A plugin: a function that configures the app, or a named object with `setup`. */
export type Plugin = ((app: App) => void) | { name: string; setup(app: App): void }

type AppHookName = GroupHookName | 'startup' | 'shutdown'

const OPTION_KEYS = new Set([
  'debug',
  'secretKey',
  'limits',
  'trailingSlash',
  'maxParamLength',
  'logger',
  'logRequests',
  'validateResponses',
  'uploadDir',
  'headers',
])

function isLogger(value: unknown): value is Logger {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Logger).child === 'function' &&
    typeof (value as Logger).info === 'function'
  )
}

/** The application: routes, middleware, configuration and lifespan. */
export class App extends RouteGroup implements ContextHost, Runtime {
  readonly debug: boolean
  readonly limits: Limits
  readonly log: Logger
  readonly signer: Signer | undefined
  readonly uploadDir: string
  readonly logRequests: boolean
  readonly validateResponses: boolean
  readonly trailingSlash: 'redirect' | 'strict'
  readonly maxParamLength: number
  readonly defaultHeaders: Readonly<Record<string, string>> | undefined
  readonly dependencyOverrides = new Map<Dependency<any, any>, Dependency<any, any>>()
  /** The Node request listener: `http.createServer(app.handler)`. */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void

  readonly #lifespan: { startup: LifespanHook[]; shutdown: LifespanHook[] } = {
    startup: [],
    shutdown: [],
  }
  readonly #plugins = new Set<string>()
  readonly #requestIdPrefix = randomBytes(3).toString('hex')
  #requestCount = 0
  #compiled: CompiledApp | undefined
  #fallback: ((ctx: Context) => unknown) | undefined
  #started = false

  constructor(options: AppOptions = {}) {
    super()
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.has(key)) {
        throw new PlinthError(
          'PLINTH_CONFIG_INVALID',
          `Unknown app option "${key}"; known options: ${[...OPTION_KEYS].join(', ')}.`,
        )
      }
    }
    this.debug = options.debug ?? process.env.NODE_ENV === 'development'
    if (typeof this.debug !== 'boolean')
      throw new PlinthError('PLINTH_CONFIG_INVALID', 'Option "debug" must be a boolean.')
    this.limits = resolveLimits(DEFAULT_LIMITS, options.limits, 'createApp({ limits })')
    this.signer = options.secretKey === undefined ? undefined : new Signer(options.secretKey)
    this.trailingSlash = options.trailingSlash ?? 'redirect'
    if (this.trailingSlash !== 'redirect' && this.trailingSlash !== 'strict') {
      throw new PlinthError(
        'PLINTH_CONFIG_INVALID',
        'Option "trailingSlash" must be "redirect" or "strict".',
      )
    }
    this.maxParamLength = options.maxParamLength ?? 1000
    if (!Number.isSafeInteger(this.maxParamLength) || this.maxParamLength <= 0) {
      throw new PlinthError(
        'PLINTH_CONFIG_INVALID',
        'Option "maxParamLength" must be a positive integer.',
      )
    }
    this.uploadDir = options.uploadDir ?? tmpdir()
    this.defaultHeaders = resolveDefaultHeaders(options.headers)
    this.log =
      options.logger === false
        ? createLogger({ level: 'silent' })
        : isLogger(options.logger)
          ? options.logger
          : createLogger(options.logger ?? {}, this.debug)
    this.logRequests = options.logRequests ?? this.debug
    this.validateResponses = options.validateResponses ?? this.debug
    this.handler = (req, res) => handleRequest(this, req, res)
  }

  /** @internal */
  get host(): ContextHost {
    return this
  }

  protected override assertOpen(): void {
    if (this.#compiled !== undefined) {
      throw new PlinthError(
        'PLINTH_APP_FROZEN',
        'The app has already started handling requests; register routes, middleware and hooks before that.',
      )
    }
  }

  /** Add a hook: `request`, `response`, `error`, or the lifespan hooks `startup` and `shutdown`. */
  override hook<K extends AppHookName>(
    name: K,
    fn: K extends keyof HookMap ? HookMap[K] : never,
  ): this {
    if (name === 'startup' || name === 'shutdown') {
      if (typeof fn !== 'function')
        throw new PlinthError('PLINTH_HOOK_INVALID', `The ${name} hook must be a function.`)
      this.#lifespan[name as 'startup' | 'shutdown'].push(fn as LifespanHook)
      return this
    }
    return super.hook(name as GroupHookName, fn as HookMap[GroupHookName])
  }

  /**
   * Apply a plugin (a function that registers routes, hooks or middleware). Named plugins are
   * applied once even if registered twice.
   */
  register(plugin: Plugin): this {
    if (typeof plugin === 'function') {
      plugin(this)
      return this
    }
    if (this.#plugins.has(plugin.name)) return this
    this.#plugins.add(plugin.name)
    plugin.setup(this)
    return this
  }

  /** Compile the route table and freeze registration. Called automatically on first use. */
  ready(): this {
    this.#compile()
    return this
  }

  #compile(): CompiledApp {
    if (this.#compiled !== undefined) return this.#compiled
    const compiled = compileApp(this, {
      limits: this.limits,
      debug: this.debug,
      maxParamLength: this.maxParamLength,
    })
    this.#compiled = compiled
    this.#fallback = compiled.fallback((ctx) => this.#noRoute(ctx))
    return compiled
  }

  /** Run startup hooks (once). `serve()` and the test client call this. */
  async start(): Promise<void> {
    this.ready()
    if (this.#started) return
    this.#started = true
    try {
      for (const hook of this.#lifespan.startup) await hook()
    } catch (error) {
      // Let the caller retry or stop; shutdown hooks of a half-started app are the caller's call.
      this.#started = false
      throw error
    }
  }

  /** Run shutdown hooks, newest first; every hook runs even if one fails. */
  async stop(): Promise<void> {
    if (!this.#started) return
    this.#started = false
    const errors: unknown[] = []
    for (const hook of [...this.#lifespan.shutdown].reverse()) {
      try {
        await hook()
      } catch (error) {
        errors.push(error)
        this.log.error({ err: error }, 'shutdown hook failed')
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'Shutdown hooks failed')
  }

  /**
   * Build the URL of a named route.
   *
   * @example
   * app.get('/products/:id', { name: 'product-detail' }, getProduct)
   * app.url('product-detail', { id: 3 }, { tab: 'reviews' }) // '/products/3?tab=reviews'
   */
  url(name: string, params?: UrlParams, query?: UrlQuery): string {
    const build = this.#compile().urls.get(name)
    if (build === undefined) {
      const known = [...this.#compile().urls.keys()]
      throw new PlinthError(
        'PLINTH_ROUTING_UNKNOWN_NAME',
        `No route is named "${name}"${known.length ? `; named routes: ${known.join(', ')}` : ''}.`,
      )
    }
    return build(params, query)
  }

  /** The route table, in registration order. */
  routes(): RouteInfo[] {
    return this.#compile().routes.map((route) => route.info)
  }

  /**
   * Replace a dependency (tests: a fake database, a fixed clock). Takes effect for new requests.
   *
   * @example
   * app.overrideDependency(currentUser, dependency(() => testUser))
   */
  overrideDependency<T>(original: Dependency<T, any>, replacement: Dependency<T, any>): this {
    this.dependencyOverrides.set(original, replacement)
    return this
  }

  /** Remove all dependency overrides. */
  clearDependencyOverrides(): this {
    this.dependencyOverrides.clear()
    return this
  }

  /** @internal */
  nextRequestId(): string {
    this.#requestCount = (this.#requestCount + 1) % Number.MAX_SAFE_INTEGER
    return `${this.#requestIdPrefix}-${this.#requestCount.toString(36)}`
  }

  /** @internal Match the route and run its chain. */
  dispatch(ctx: Context): unknown {
    const compiled = this.#compiled ?? this.#compile()
    const url = ctx.req.url!
    const q = url.indexOf('?')
    let path = q === -1 ? url : url.slice(0, q)
    // Fast path: a plain path needs no decoding or checks beyond these characters.
    if (path.charCodeAt(0) !== 0x2f || /[%\\]|\/\/|\/\.|\.\//.test(path)) {
      try {
        path = decodeTarget(path)
      } catch (error) {
        ctx._invalidPath = (error as Error).message
        return this.#fallback!(ctx)
      }
    }
    ctx.path = path
    ctx.rawQuery = q === -1 ? '' : url.slice(q + 1)
    const hit = compiled.tree.find(ctx.method, path)
    if (hit === undefined) return this.#fallback!(ctx)
    ctx.route = hit.value
    ctx._paramValues = hit.values
    return hit.value.entry(ctx)
  }

  /** @internal */
  errorReply(ctx: Context, error: unknown): Reply | Promise<Reply> {
    if (ctx.route !== null) return ctx.route.errorReply(ctx, error)
    return this.#compile().appErrorReply(ctx, error)
  }

  /** 400 for refused paths, automatic OPTIONS, 405 with `Allow`, trailing-slash redirects, 404. */
  #noRoute(ctx: Context): unknown {
    if (ctx._invalidPath !== undefined)
      throw new HttpError(400, ctx._invalidPath, { code: 'invalid_path' })
    const tree = this.#compiled!.tree
    const allowed = tree.allowedMethods(ctx.path)
    allowed.delete('*')
    if (allowed.size > 0) {
      allowed.add('OPTIONS')
      const allow = [...allowed].sort().join(', ')
      if (ctx.method === 'OPTIONS') return noContent({ headers: { allow } })
      throw new HttpError(405, `Method ${ctx.method} is not allowed here; allowed: ${allow}.`, {
        code: 'method_not_allowed',
        headers: { allow },
      })
    }
    if (this.trailingSlash === 'redirect' && ctx.path !== '/') {
      const other = ctx.path.endsWith('/') ? ctx.path.slice(0, -1) : `${ctx.path}/`
      if (tree.find(ctx.method, other) !== undefined) {
        const url = ctx.req.url!
        const q = url.indexOf('?')
        const raw = q === -1 ? url : url.slice(0, q)
        const target =
          (raw.endsWith('/') ? raw.slice(0, -1) : `${raw}/`) + (q === -1 ? '' : url.slice(q))
        return redirect(target, 308)
      }
    }
    throw new HttpError(404, `No route matches ${ctx.method} ${ctx.path}.`, { code: 'not_found' })
  }
}

function decodeTarget(rawPath: string): string {
  return parseRequestTarget(rawPath).path
}

/**
 * Create an application.
 *
 * @example
 * const app = createApp({ debug: true })
 * app.get('/hello/:name', (ctx) => ({ hello: ctx.params.name }))
 */
export function createApp(options?: AppOptions): App {
  return new App(options)
}
