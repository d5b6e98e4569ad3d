/**
 * Templates in an app: the thin layer between the engine (`plinth/templates`, which knows nothing
 * of HTTP) and handlers. `app.register(templates(env))` gives every template the `request`,
 * `url('route-name', id=3)` / `{% url 'route-name' 3 %}`, `static('css/site.css')` and, once the
 * CSRF middleware has put one on the request, `{% csrf_token %}` (and `csrf_token()` for a
 * `<meta>` tag that fetch code reads); `render(ctx, name, data)` answers
 * with the page as `text/html; charset=utf-8`.
 */
import { escapeHtml, html, type Reply, type ReplyInit, stream } from '../http/index.ts'
import type { UrlParams } from '../routing/index.ts'
import { type Environment, kwargs, markSafe, splitArgs } from '../templates/index.ts'
import type { Plugin } from './app.ts'
import type { ContextHost } from './context.ts'

/** What templates need of a request context (any route's `Context` has it). */
export interface RenderContext {
  readonly app: ContextHost
  readonly method: string
  readonly path: string
  readonly query: unknown
  readonly state: Record<string, unknown>
}

/** Options of {@link templates}. */
export interface TemplatesOptions {
  /** URL prefix of static files for `static('path')` (default `/static/`). */
  staticUrl?: string
  /** Extra variables every template of a request gets (the user, say). */
  context?: (ctx: RenderContext) => Record<string, unknown>
}

interface Installed {
  env: Environment
  options: TemplatesOptions
}

const installed = new WeakMap<ContextHost, Installed>()
/**
 * Where a request's CSRF token comes from (set by the CSRF middleware): a function returning a
 * fresh token, called only when a template asks (so the CSRF cookie is set only for pages with a
 * form), optionally with the form field's name as `fieldName`; or a fixed string.
 */
export const CSRF_TOKEN_KEY = 'csrfToken'
/** Where a request's CSP nonce is kept (set by `secureHeaders({ csp: { nonce: true } })`). */
export const CSP_NONCE_KEY = 'cspNonce'
/**
 * The request's context, for tags (`url`, `csrf_token`). Not an identifier, so templates cannot
 * name it: they see the plain `request` view only, never the Node request or response objects.
 */
const REQUEST = '@request'

/** The request's CSRF token and its form field name, or `undefined` without CSRF middleware. */
function csrfTokenOf(ctx: RenderContext): { token: string; field: string } | undefined {
  const source = ctx.state[CSRF_TOKEN_KEY]
  if (typeof source === 'string') return { token: source, field: 'csrf_token' }
  if (typeof source !== 'function') return undefined
  const field = (source as { fieldName?: unknown }).fieldName
  return { token: String(source()), field: typeof field === 'string' ? field : 'csrf_token' }
}

function urlFor(ctx: RenderContext, args: unknown[]): string {
  const [positional, keywords] = splitArgs(args)
  const [name, ...rest] = positional
  if (typeof name !== 'string')
    throw new TypeError('url() needs a route name: url("product", id=3)')
  const params: Record<string, string | number> = {}
  for (const [k, v] of Object.entries(keywords)) params[k] = v as string | number
  // Positional values fill the route's parameters in order (`{% url 'product' 3 %}`).
  if (rest.length > 0) {
    const route = ctx.app.routes().find((r) => r.name === name)
    const names = route ? [...route.path.matchAll(/[:*](\w+)/g)].map((m) => m[1]!) : []
    for (const [i, v] of rest.entries()) if (names[i]) params[names[i]] = v as string | number
  }
  return ctx.app.url(name, params as UrlParams)
}

/**
 * Use `env` for `render()` in this app, with the request helpers in every template.
 *
 * @example
 * const env = createEnvironment({ loader: fileSystemLoader(new URL('./templates/', import.meta.url)) })
 * app.register(templates(env))
 * app.get('/', (ctx) => render(ctx, 'home.html', { products }))
 */
export function templates(env: Environment, options: TemplatesOptions = {}): Plugin {
  return {
    name: 'templates',
    setup(app) {
      installed.set(app as unknown as ContextHost, { env, options })
      const prefix = options.staticUrl ?? '/static/'
      env.addTag('url', (context, args, keywords) => {
        const request = context[REQUEST] as RenderContext
        return urlFor(request, [...args, kwargs({ ...keywords })])
      })
      env.addTag('csrf_token', (context) => {
        const csrf = csrfTokenOf(context[REQUEST] as RenderContext)
        if (csrf === undefined) return ''
        return markSafe(
          `<input type="hidden" name="${escapeHtml(csrf.field)}" value="${escapeHtml(csrf.token)}">`,
        )
      })
      env.addGlobal('static', (path: unknown) => {
        const clean = String(path).replace(/^\/+/, '')
        if (clean.split('/').includes('..'))
          throw new TypeError('static() paths cannot contain ".."')
        return `${prefix}${clean.split('/').map(encodeURIComponent).join('/')}`
      })
    },
  }
}

/**
 * Render a template as the response: `text/html; charset=utf-8`.
 *
 * @example
 * app.get('/products', (ctx) => render(ctx, 'products.html', { products }))
 */
export function render(
  ctx: RenderContext,
  name: string,
  data: object = {},
  init?: ReplyInit,
): Reply {
  const { env, variables } = prepare(ctx, data)
  return html(env.render(name, variables), init)
}

/**
 * Stream a large page as it renders (`Template#stream`): the head goes out first, long loops
 * hand over their rows as they go, and loops may iterate promises and async iterables (a
 * database cursor). A template error after the first chunk ends the response early (the status
 * line is already sent), so prefer `render` unless the page is large.
 *
 * @example
 * app.get('/export', (ctx) => renderStream(ctx, 'rows.html', { rows: Row.objects.iterate() }))
 */
export function renderStream(
  ctx: RenderContext,
  name: string,
  data: object = {},
  init?: ReplyInit,
): Reply {
  const { env, variables } = prepare(ctx, data)
  const template = env.getTemplate(name)
  return stream(template.stream(variables), {
    ...init,
    contentType: 'text/html; charset=utf-8',
  })
}

function prepare(ctx: RenderContext, data: object) {
  const found = installed.get(ctx.app)
  if (found === undefined)
    throw new TypeError('render() needs the templates plugin: app.register(templates(env)).')
  const extra = found.options.context?.(ctx) ?? {}
  const variables = {
    ...extra,
    ...data,
    request: { method: ctx.method, path: ctx.path, query: ctx.query },
    // `<script nonce="{{ csp_nonce }}">` when the CSP uses per-request nonces.
    csp_nonce: typeof ctx.state[CSP_NONCE_KEY] === 'string' ? ctx.state[CSP_NONCE_KEY] : '',
    url: (...args: unknown[]) => urlFor(ctx, args),
    // `<meta name="csrf-token" content="{{ csrf_token() }}">` for fetch code; '' without CSRF.
    csrf_token: () => csrfTokenOf(ctx)?.token ?? '',
    [REQUEST]: ctx,
  }
  return { env: found.env, variables }
}

/**
 * `render`, checked by the compiler against the template contexts `plinth templates:types`
 * generates: the name must be a known template and the data must have what it reads.
 *
 * @example
 * import type { TemplateContexts } from './template-contexts.ts'
 * const render = typedRender<TemplateContexts>()
 * app.get('/products', (ctx) => render(ctx, 'products.html', { products }))
 */
export function typedRender<Contexts>(): <Name extends keyof Contexts & string>(
  ctx: RenderContext,
  name: Name,
  // The data may be left out when the template needs nothing (or only optional variables).
  ...rest: {} extends Contexts[Name]
    ? [data?: Contexts[Name], init?: ReplyInit]
    : [data: Contexts[Name], init?: ReplyInit]
) => Reply {
  // Only the parameter types differ: the runtime function is `render` itself.
  return render as never
}
