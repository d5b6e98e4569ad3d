/**
 * Route registration shared by `App` and `Router` (Flask's blueprints, FastAPI's `APIRouter`,
 * Django's `include()`).
 *
 * A `Router` is a group of routes with its own middleware, hooks, error handlers, URL-name
 * namespace and OpenAPI tags. It is mounted with `app.include(router, { prefix })`; nothing is
 * compiled until the app starts, so routers can be built in any order.
 */
import { PlinthError } from '../http/errors.ts'
import type {
  ErrorHandler,
  ErrorMatcher,
  Handler,
  HandlerResult,
  HookMap,
  InputsOf,
  Middleware,
  RouteOptions,
} from './types.ts'

/** A route as registered, before flattening. */
export interface RouteDefinition {
  methods: readonly string[]
  path: string
  options: RouteOptions
  handler: Handler<any>
}

/** Hooks a router can have (the app adds `startup` and `shutdown`). */
export type GroupHookName = 'request' | 'response' | 'error'

/** Options of a {@link Router}. */
export interface RouterOptions {
  /** Prefix used when the router is included without one. */
  prefix?: string
  /** Route names inside become `namespace:name` (Django's `app_name`). */
  namespace?: string
  /** OpenAPI tags added to every route. */
  tags?: readonly string[]
  /** Middleware for every route of the router. */
  middleware?: readonly Middleware[]
}

type Options<O> = O & RouteOptions

const STANDARD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const
const METHOD_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Z-]+$/

/** Registration API shared by apps and routers. */
export class RouteGroup {
  /** @internal */ readonly _routes: RouteDefinition[] = []
  /** @internal */ readonly _middleware: Middleware[] = []
  /** @internal */ readonly _hooks: { [K in GroupHookName]: Array<HookMap[K]> } = {
    request: [],
    response: [],
    error: [],
  }
  /** @internal */ readonly _errorHandlers: Array<{
    matcher: ErrorMatcher
    handler: ErrorHandler
  }> = []
  /** @internal */ readonly _children: Array<{ router: Router; prefix: string }> = []

  /** @internal Throws once the owning app has started; overridden by `App`. */
  protected assertOpen(): void {}

  /** Register a `GET` route (`HEAD` is answered from it automatically). */
  get<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  get<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  get(path: string, a: unknown, b?: unknown): this {
    return this.#add(['GET'], path, a, b)
  }

  /** Register a `POST` route. */
  post<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  post<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  post(path: string, a: unknown, b?: unknown): this {
    return this.#add(['POST'], path, a, b)
  }

  /** Register a `PUT` route. */
  put<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  put<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  put(path: string, a: unknown, b?: unknown): this {
    return this.#add(['PUT'], path, a, b)
  }

  /** Register a `PATCH` route. */
  patch<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  patch<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  patch(path: string, a: unknown, b?: unknown): this {
    return this.#add(['PATCH'], path, a, b)
  }

  /** Register a `DELETE` route. */
  delete<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  delete<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  delete(path: string, a: unknown, b?: unknown): this {
    return this.#add(['DELETE'], path, a, b)
  }

  /** Register an explicit `HEAD` route (otherwise `HEAD` uses the `GET` route without a body). */
  head<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  head<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  head(path: string, a: unknown, b?: unknown): this {
    return this.#add(['HEAD'], path, a, b)
  }

  /** Register an explicit `OPTIONS` route (otherwise `OPTIONS` answers 204 with `Allow`). */
  options<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  options<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  options(path: string, a: unknown, b?: unknown): this {
    return this.#add(['OPTIONS'], path, a, b)
  }

  /** Register a route answering every method not registered explicitly for the same path. */
  all<const P extends string>(path: P, handler: Handler<InputsOf<P, {}>>): this
  all<const P extends string, const O extends RouteOptions>(
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  all(path: string, a: unknown, b?: unknown): this {
    return this.#add(['*'], path, a, b)
  }

  /**
   * Register a route for one or several methods, including non-standard ones (`PROPFIND`).
   *
   * @example
   * app.route(['GET', 'POST'], '/search', { query: SearchQuery }, (ctx) => search(ctx.query))
   */
  route<const P extends string>(
    methods: string | readonly string[],
    path: P,
    handler: Handler<InputsOf<P, {}>>,
  ): this
  route<const P extends string, const O extends RouteOptions>(
    methods: string | readonly string[],
    path: P,
    options: Options<O>,
    handler: Handler<InputsOf<P, O>, HandlerResult<O>>,
  ): this
  route(methods: string | readonly string[], path: string, a: unknown, b?: unknown): this {
    const list = (typeof methods === 'string' ? [methods] : [...methods]).map((m) =>
      m.toUpperCase(),
    )
    for (const method of list) {
      if (!METHOD_TOKEN.test(method)) {
        throw new PlinthError(
          'PLINTH_ROUTING_INVALID_METHOD',
          `${JSON.stringify(method)} is not a valid HTTP method.`,
        )
      }
    }
    return this.#add(list, path, a, b)
  }

  #add(methods: readonly string[], path: string, a: unknown, b: unknown): this {
    this.assertOpen()
    const [options, handler] = b === undefined ? [{}, a] : [a, b]
    if (typeof handler !== 'function') {
      throw new PlinthError(
        'PLINTH_ROUTE_INVALID',
        `${methods.join(',')} ${path}: the handler must be a function.`,
      )
    }
    if (options === null || typeof options !== 'object') {
      throw new PlinthError(
        'PLINTH_ROUTE_INVALID',
        `${methods.join(',')} ${path}: route options must be an object.`,
      )
    }
    this._routes.push({
      methods,
      path,
      options: options as RouteOptions,
      handler: handler as Handler<any>,
    })
    return this
  }

  /**
   * Add middleware for every route of this app or router (and, on the app, for 404/405 answers).
   *
   * @example
   * app.use(async (ctx, next) => (await next()).header('x-frame-options', 'DENY'))
   */
  use(...middleware: Middleware[]): this {
    this.assertOpen()
    for (const mw of middleware) {
      if (typeof mw !== 'function')
        throw new PlinthError('PLINTH_MIDDLEWARE_INVALID', 'Middleware must be a function.')
      this._middleware.push(mw)
    }
    return this
  }

  /**
   * Add a lifecycle hook: `request` (before middleware; return a response to answer early),
   * `response` (may change or replace every reply), `error` (observe errors).
   */
  hook<K extends GroupHookName>(name: K, fn: HookMap[K]): this {
    this.assertOpen()
    if (!(name in this._hooks)) {
      throw new PlinthError(
        'PLINTH_HOOK_UNKNOWN',
        `Unknown hook "${String(name)}"; use request, response or error.`,
      )
    }
    ;(this._hooks[name] as Array<HookMap[K]>).push(fn)
    return this
  }

  /**
   * Handle errors of a class (and subclasses) or of a status code.
   *
   * @example
   * app.errorHandler(OutOfStock, (error, ctx) => json({ error: 'out_of_stock', sku: error.sku }, { status: 409 }))
   * app.errorHandler(404, () => html(notFoundPage, { status: 404 }))
   */
  errorHandler<E>(
    matcher: (abstract new (...args: any[]) => E) | number,
    handler: ErrorHandler<E>,
  ): this {
    this.assertOpen()
    if (
      typeof matcher !== 'function' &&
      !(Number.isInteger(matcher) && matcher >= 400 && matcher <= 599)
    ) {
      throw new PlinthError(
        'PLINTH_ERROR_HANDLER_INVALID',
        'errorHandler() takes an error class or a status from 400 to 599.',
      )
    }
    this._errorHandlers.push({ matcher, handler })
    return this
  }

  /**
   * Mount a router's routes under a prefix.
   *
   * @example
   * const api = new Router({ namespace: 'api', tags: ['api'] })
   * api.get('/products/:id', { name: 'product-detail' }, getProduct)
   * app.include(api, { prefix: '/api' })
   * app.url('api:product-detail', { id: 3 }) // '/api/products/3'
   */
  include(router: Router, options: { prefix?: string } = {}): this {
    this.assertOpen()
    if (!(router instanceof Router))
      throw new PlinthError('PLINTH_ROUTER_INVALID', 'include() takes a Router.')
    if (router === (this as unknown))
      throw new PlinthError('PLINTH_ROUTER_INVALID', 'A router cannot include itself.')
    const prefix = options.prefix ?? router.prefix
    if (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/'))) {
      throw new PlinthError(
        'PLINTH_ROUTER_INVALID_PREFIX',
        `Router prefix ${JSON.stringify(prefix)} must start with "/" and not end with "/".`,
      )
    }
    this._children.push({ router, prefix })
    return this
  }
}

/** A group of routes mounted into an app with `app.include()`. */
export class Router extends RouteGroup {
  readonly prefix: string
  readonly namespace: string | undefined
  readonly tags: readonly string[]

  constructor(options: RouterOptions = {}) {
    super()
    this.prefix = options.prefix ?? ''
    this.namespace = options.namespace
    this.tags = options.tags ?? []
    if (options.middleware) this.use(...options.middleware)
  }
}

export { STANDARD_METHODS }
