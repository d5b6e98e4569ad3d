/**
 * `csrf()`: refuse forged cross-site requests that ride on the browser's cookies.
 *
 * Every unsafe method (anything but GET, HEAD, OPTIONS, TRACE), whatever its Content-Type, must
 * (1) come from this site according to the browser (`Sec-Fetch-Site`, `Origin`, or over HTTPS the
 * `Referer`) and (2) carry a masked token matching the client's secret cookie, in the form field
 * `csrf_token` or the `X-CSRF-Token` header. Requests with `Authorization: Bearer` are exempt (a
 * browser never attaches a bearer token on its own), as are routes marked with `csrfExempt`.
 * The secret cookie is created lazily, the first time a page asks for a token.
 */
import {
  type AnyInputs,
  appendVary,
  type Context,
  CSRF_TOKEN_KEY,
  type Middleware,
} from '../app/index.ts'
import { HttpError, PlinthError, type Reply } from '../http/index.ts'
import {
  type CsrfConfig,
  type CsrfOptions,
  csrfCookie,
  resolveCsrfOptions,
} from './csrf-options.ts'
import { checkCsrfOrigin, csrfFailure, requestProtocol } from './csrf-origin.ts'
import {
  csrfTokenMatches,
  decodeCsrfSecret,
  encodeCsrfSecret,
  maskCsrfSecret,
  newCsrfSecret,
} from './csrf-token.ts'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
const BEARER = /^bearer[ \t]+\S/i

/** What the middleware keeps for one request. */
interface CsrfRequest {
  readonly config: CsrfConfig
  /** The client's secret: from its cookie, or made on this request. */
  secret: Buffer | null
  /** A new secret must go out in `Set-Cookie`. */
  cookieChanged: boolean
  /** A token was handed out: the response depends on the cookie. */
  tokenIssued: boolean
  /** The middleware has returned: too late to add a cookie. */
  finished: boolean
}

const requests = new WeakMap<object, CsrfRequest>()

/**
 * Marks a route as not subject to CSRF checks, even with `csrf()` installed app-wide: put it in
 * the route's own `middleware` list. Only for routes no browser session can reach (webhooks that
 * verify their own signature, say): an exempt route accepts forged cross-site form posts.
 *
 * @example
 * app.use(csrf())
 * app.post('/webhooks/stripe', { middleware: [csrfExempt] }, handleStripeEvent)
 */
export const csrfExempt: Middleware = function csrfExempt(ctx, next) {
  // The marker works by being found in the route's options; elsewhere it would silently do nothing.
  if (!ctx.route?.options.middleware?.includes(csrfExempt)) {
    throw new PlinthError(
      'PLINTH_SECURITY_CSRF_EXEMPT_PLACEMENT',
      'csrfExempt only works in a route\'s own options: app.post(path, { middleware: [csrfExempt] }, handler). To exempt a group of routes, use csrf({ exempt: (ctx) => ctx.path.startsWith("/webhooks/") }).',
    )
  }
  return next()
}

function isExempt(ctx: Context<AnyInputs>, config: CsrfConfig): boolean {
  if (SAFE_METHODS.has(ctx.method)) return true
  const authorization = ctx.req.headers.authorization
  if (authorization !== undefined && BEARER.test(authorization)) return true
  if (ctx.route?.options.middleware?.includes(csrfExempt)) return true
  return config.exempt?.(ctx) === true
}

/** The token sent with the request: header first (no body read), else the form field. */
async function sentToken(ctx: Context<AnyInputs>, config: CsrfConfig): Promise<unknown> {
  const header = ctx.req.headers[config.headerName]
  if (header !== undefined) return header
  const essence = ctx.contentType?.essence
  if (essence !== 'application/x-www-form-urlencoded' && essence !== 'multipart/form-data')
    return undefined
  // ctx.form() caches: the handler reads the same parsed form.
  return (await ctx.form())[config.fieldName]
}

async function checkToken(ctx: Context<AnyInputs>, request: CsrfRequest): Promise<void> {
  const { config, secret } = request
  const { name, attributes } = csrfCookie(config, ctx.app.debug)
  if (secret === null) {
    // Browsers drop Secure cookies sent over plain HTTP: the usual cause in a local setup.
    const insecure =
      attributes.secure && requestProtocol(ctx) === 'http'
        ? ' This request came over plain HTTP, where browsers refuse the Secure cookie: use HTTPS (behind a proxy, install trustedProxies()), or in development createApp({ debug: true }) or csrf({ secure: false }).'
        : ''
    throw csrfFailure(
      'csrf_cookie_missing',
      `the ${name} cookie is not set. Load the page with the form first (rendering {% csrf_token %} sets it) and make sure the browser accepts cookies.${insecure}`,
    )
  }
  const token = await sentToken(ctx, config)
  if (token === undefined) {
    throw csrfFailure(
      'csrf_token_missing',
      `no token was sent. Put {% csrf_token %} inside the <form>, or send the token from getCsrfToken(ctx) in the ${config.headerLabel} header with fetch.`,
    )
  }
  if (!csrfTokenMatches(token, secret)) {
    throw csrfFailure(
      'csrf_token_invalid',
      `the token does not match this browser's ${name} cookie (the page is older than the last login or logout, or the token was forged or cut short). Reload the page to get a fresh form.`,
    )
  }
}

function finish(ctx: Context<AnyInputs>, request: CsrfRequest, reply: Reply): Reply {
  request.finished = true
  if (request.cookieChanged && request.secret !== null) {
    const { name, attributes } = csrfCookie(request.config, ctx.app.debug)
    reply.cookie(name, encodeCsrfSecret(request.secret), attributes)
  }
  // A page with a token is tied to this client's cookie: shared caches must not reuse it.
  if (request.tokenIssued) appendVary(ctx, reply, ['Cookie'])
  return reply
}

/**
 * CSRF protection for cookie-authenticated apps. Safe methods pass; every other request must come
 * from this site and carry a valid token (see the module comment), else it is refused with 403
 * and a `csrf_*` code explaining why. Pages get tokens from `{% csrf_token %}` or
 * {@link getCsrfToken}.
 *
 * @example
 * app.use(csrf({ trustedOrigins: ['https://admin.shop.example'] }))
 * app.get('/transfer', (ctx) => render(ctx, 'transfer.html')) // <form method="post">{% csrf_token %}…
 * app.post('/transfer', (ctx) => doTransfer(ctx))
 */
export function csrf(options: CsrfOptions = {}): Middleware {
  const config = resolveCsrfOptions(options)
  return async function csrfProtection(ctx, next) {
    let request = requests.get(ctx)
    if (request === undefined) {
      const { name } = csrfCookie(config, ctx.app.debug)
      request = {
        config,
        secret: decodeCsrfSecret((ctx.cookies as Record<string, string>)[name]),
        cookieChanged: false,
        tokenIssued: false,
        finished: false,
      }
      requests.set(ctx, request)
      // Templates call this lazily: the cookie is set only when a page renders a token.
      ctx.state[CSRF_TOKEN_KEY] = Object.assign(() => getCsrfToken(ctx), {
        fieldName: config.fieldName,
      })
    }
    if (!isExempt(ctx, config)) {
      try {
        checkCsrfOrigin(ctx, config)
        await checkToken(ctx, request)
      } catch (error) {
        // Like Django's django.security.csrf logger: refusals are worth seeing in production.
        if (error instanceof HttpError && error.code.startsWith('csrf_'))
          ctx.log.warn({ code: error.code, method: ctx.method, path: ctx.path }, error.message)
        throw error
      }
    }
    return finish(ctx, request, await next())
  }
}

function requestOf(ctx: Context<any>, caller: string): CsrfRequest {
  const request = requests.get(ctx)
  if (request === undefined) {
    throw new PlinthError(
      'PLINTH_SECURITY_CSRF_MISSING_MIDDLEWARE',
      `${caller} needs the CSRF middleware on this request: app.use(csrf()) before the routes (and before any middleware that calls it).`,
    )
  }
  return request
}

function replaceSecret(request: CsrfRequest, caller: string): Buffer {
  if (request.finished) {
    throw new PlinthError(
      'PLINTH_SECURITY_CSRF_TOO_LATE',
      `${caller} needs to set the CSRF cookie, but the response headers are already decided (a streamed page?). Call getCsrfToken(ctx) in the handler before renderStream() or stream().`,
    )
  }
  request.secret = newCsrfSecret()
  request.cookieChanged = true
  return request.secret
}

/**
 * A fresh masked token for this client (a different string on every call, all valid until the
 * secret rotates). Sets the secret cookie on the response if the client has none yet.
 *
 * @example
 * app.get('/api/csrf', (ctx) => ({ token: getCsrfToken(ctx) }))
 * // fetch('/api/orders', { method: 'POST', headers: { 'x-csrf-token': token }, body })
 */
export function getCsrfToken(ctx: Context<any>): string {
  const request = requestOf(ctx, 'getCsrfToken(ctx)')
  const secret = request.secret ?? replaceSecret(request, 'getCsrfToken(ctx)')
  request.tokenIssued = true
  return maskCsrfSecret(secret)
}

/**
 * Replace this client's secret (Django's `rotate_token`): every token issued before stops
 * working. Login and logout call it, so a token planted before login is useless after. Does
 * nothing on a request the CSRF middleware does not cover.
 *
 * @example
 * // after changing who is signed in (auth.login and auth.logout already do this):
 * app.post('/switch-account', async (ctx) => { await switchAccount(ctx); rotateCsrfToken(ctx); return redirect('/') })
 */
export function rotateCsrfToken(ctx: Context<any>): void {
  const request = requests.get(ctx)
  if (request !== undefined) replaceSecret(request, 'rotateCsrfToken(ctx)')
}
