/**
 * Flattening an app's routers into a route table: prefixes joined, names namespaced, middleware
 * and hooks ordered outermost-first, error scopes ordered innermost-first, schemas compiled.
 * Runs once, when the app starts.
 */
import {
  assertNoCycles,
  type DependencyMap,
  type DependencyMeta,
  isDependency,
} from '../di/index.ts'
import { PlinthError } from '../http/errors.ts'
import type { Reply } from '../http/reply.ts'
import {
  compileUrlBuilder,
  paramsFactory,
  RouteTree,
  type UrlParams,
  type UrlQuery,
} from '../routing/index.ts'
import { compose, type Entry, requestHookMiddleware, responseHookMiddleware } from './compose.ts'
import type { Context } from './context.ts'
import { type ErrorScope, errorReplier } from './errors.ts'
import { type Limits, resolveLimits } from './limits.ts'
import { toReply } from './respond.ts'
import { type CompiledRoute, compilePipeline, compileResponses } from './route.ts'
import type { RouteGroup, Router } from './router.ts'
import type { Middleware, RouteInfo, SecurityRequirement } from './types.ts'

/** One level of nesting (the app, then each router down to the route). */
interface Level {
  middleware: Middleware[]
  errors: ErrorScope
}

/** The result of compiling an app. */
export interface CompiledApp {
  tree: RouteTree<CompiledRoute>
  routes: CompiledRoute[]
  urls: Map<string, (params?: UrlParams, query?: UrlQuery) => string>
  /** App-level middleware and hooks around the 404/405/OPTIONS answer. */
  fallback: (terminal: Entry) => Entry
  /** Error replies with only the app's scope (requests that matched no route). */
  appErrorReply: (ctx: Context, error: unknown) => Reply | Promise<Reply>
}

/** Settings the compiler needs from the app. */
export interface CompileSettings {
  limits: Limits
  debug: boolean
  maxParamLength: number
}

function levelOf(group: RouteGroup, extra: readonly Middleware[] = []): Level {
  return {
    // Response hooks outermost (they see short-circuits too), then request hooks, then middleware.
    middleware: [
      ...group._hooks.response.map(responseHookMiddleware),
      ...group._hooks.request.map(requestHookMiddleware),
      ...group._middleware,
      ...extra,
    ],
    errors: { handlers: group._errorHandlers, hooks: group._hooks.error },
  }
}

function dependencySecurity(
  deps: DependencyMap | undefined,
  seen = new Set<unknown>(),
): SecurityRequirement[] {
  const out: SecurityRequirement[] = []
  for (const dep of Object.values(deps ?? {})) {
    if (!isDependency(dep) || seen.has(dep)) continue
    seen.add(dep)
    out.push(
      ...((dep.meta as DependencyMeta).security ?? []),
      ...dependencySecurity(dep.deps, seen),
    )
  }
  return out
}

function uniqueRequirements(list: SecurityRequirement[]): SecurityRequirement[] {
  const seen = new Set<string>()
  return list.filter((requirement) => {
    const key = JSON.stringify(Object.entries(requirement).sort(([a], [b]) => a.localeCompare(b)))
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Compile the app's route table. */
export function compileApp(app: RouteGroup, settings: CompileSettings): CompiledApp {
  const tree = new RouteTree<CompiledRoute>({ maxParamLength: settings.maxParamLength })
  const routes: CompiledRoute[] = []
  const urls = new Map<string, (params?: UrlParams, query?: UrlQuery) => string>()
  const appLevel = levelOf(app)
  const replyFor = (ctx: Context, value: unknown, status: number) => toReply(ctx, value, status)

  const visit = (
    group: RouteGroup,
    prefix: string,
    namespaces: string[],
    tags: string[],
    levels: Level[],
    seen: Set<Router>,
  ) => {
    for (const def of group._routes) {
      const path = prefix + def.path
      const options = def.options
      const where = `${def.methods.join(',')} ${path}`
      assertNoCycles(options.deps, where)
      const name = options.name === undefined ? undefined : [...namespaces, options.name].join(':')
      const status = options.status ?? 200
      if (!Number.isInteger(status) || status < 100 || status > 599) {
        throw new PlinthError(
          'PLINTH_ROUTE_INVALID',
          `${where}: status must be an HTTP status code.`,
        )
      }
      const limits = resolveLimits(settings.limits, options.limits, where)
      const routeLevels = [
        ...levels,
        { middleware: [...(options.middleware ?? [])], errors: { handlers: [], hooks: [] } },
      ]
      const middleware = routeLevels.flatMap((level) => level.middleware)
      const scopes = routeLevels.map((level) => level.errors).reverse()
      const errorReply = errorReplier(scopes, settings.debug, replyFor)
      const responses = compileResponses(options, status)
      const pipeline = compilePipeline(options, def.handler)
      const entry = compose(middleware, pipeline, toReply, errorReply)
      const security = uniqueRequirements([
        ...(options.security ?? []),
        ...dependencySecurity(options.deps),
      ])
      for (const method of def.methods) {
        const info: RouteInfo = {
          method: method === '*' ? 'ALL' : method,
          path,
          name,
          options,
          tags: [...new Set([...tags, ...(options.tags ?? [])])],
          security,
          handlerName: def.handler.name || 'anonymous',
        }
        const route: CompiledRoute = {
          method,
          path,
          name,
          options,
          limits,
          status,
          makeParams: paramsFactory(path),
          ...responses,
          entry,
          errorReply,
          info,
        }
        tree.add(method, path, route)
        routes.push(route)
      }
      if (name !== undefined) {
        if (urls.has(name)) {
          throw new PlinthError(
            'PLINTH_ROUTING_DUPLICATE_NAME',
            `Route name "${name}" is used twice; names (with namespaces) must be unique.`,
          )
        }
        urls.set(name, compileUrlBuilder(path, name))
      }
    }
    for (const { router, prefix: childPrefix } of group._children) {
      if (seen.has(router)) {
        throw new PlinthError(
          'PLINTH_ROUTER_CYCLE',
          'A router includes itself through its children.',
        )
      }
      const childNamespaces =
        router.namespace === undefined ? namespaces : [...namespaces, router.namespace]
      visit(
        router,
        prefix + childPrefix,
        childNamespaces,
        [...tags, ...router.tags],
        [...levels, levelOf(router)],
        new Set([...seen, router]),
      )
    }
  }

  visit(app, '', [], [], [appLevel], new Set())
  const appErrorReply = errorReplier([appLevel.errors], settings.debug, replyFor)
  return {
    tree,
    routes,
    urls,
    fallback: (terminal) => compose(appLevel.middleware, terminal, toReply, appErrorReply),
    appErrorReply,
  }
}
