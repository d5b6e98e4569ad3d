/**
 * CORS middleware: lets chosen browser origins read this app's responses (and send credentials),
 * and answers preflight requests.
 *
 * Safe by construction: origins match exactly (no prefix, suffix or pattern matching), the `null`
 * origin is never allowed, `'*'` cannot be combined with credentials, requested headers are checked
 * against an allow-list and never reflected, and `Vary` is appended (never replaced) so shared caches
 * do not serve one origin's answer to another. CORS is not access control: a refused origin still
 * reaches the route (it just cannot read the answer); refused preflights are answered here and never
 * reach a route. Register it with `app.use` so preflights for paths with automatic `OPTIONS`
 * handling (and unknown paths) are answered too.
 */
import { type AnyInputs, appendVary, type Context, type Middleware } from '../app/index.ts'
import { noContent, PlinthError, type Reply, text } from '../http/index.ts'

/** Decides whether a (syntactically valid, non-`null`) origin may read responses. */
export type OriginPredicate = (
  origin: string,
  ctx: Context<AnyInputs>,
) => boolean | Promise<boolean>

/** Options of {@link cors}. */
export interface CorsOptions {
  /**
   * Exact origins (`'https://app.example'`, scheme + host + non-default port, no path), a function
   * deciding per request, or `'*'` for public resources (not allowed with `credentials`).
   */
  origins: '*' | readonly string[] | OriginPredicate
  /** Methods allowed cross-origin. Default GET, HEAD, POST, PUT, PATCH, DELETE. */
  methods?: readonly string[]
  /** Request headers allowed beyond the CORS-safelisted ones (Accept, Accept-Language, Content-Language, Content-Type). Default none. */
  allowHeaders?: readonly string[]
  /** Response headers scripts may read beyond the safelisted ones. Default none. */
  exposeHeaders?: readonly string[]
  /** Allow cookies / HTTP auth on cross-origin requests (`Access-Control-Allow-Credentials`). Default false. */
  credentials?: boolean
  /** How long (seconds) browsers may cache a preflight answer. Default: header not sent. */
  maxAge?: number
}

interface Config {
  readonly any: boolean
  readonly list: ReadonlySet<string> | null
  readonly predicate: OriginPredicate | null
  readonly methods: ReadonlySet<string>
  readonly allowMethods: string
  /** Lower-case name → name as configured. */
  readonly allowHeaders: ReadonlyMap<string, string>
  readonly exposeHeaders: string
  readonly credentials: boolean
  readonly maxAge: string | undefined
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']
const SAFELISTED_HEADERS = ['Accept', 'Accept-Language', 'Content-Language', 'Content-Type']
const PREFLIGHT_VARY = ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers']
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** A serialized origin as browsers send it: lower-case scheme and host, optional port, nothing else. */
const ORIGIN =
  /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_SECURITY_CORS_CONFIG', `cors(): ${message}`)
}

function checkOrigin(origin: unknown): string {
  if (origin === '*')
    throw configError(`use origins: '*' on its own (without credentials), not inside a list.`)
  if (origin === 'null')
    throw configError(
      `the 'null' origin (sandboxed iframes, file: URLs, redirects) cannot be allowed: any page can send it.`,
    )
  const value = String(origin)
  let canonical: string | undefined
  try {
    const url = new URL(value)
    if (url.protocol === 'http:' || url.protocol === 'https:') canonical = url.origin
  } catch {}
  if (ORIGIN.test(value) && (canonical === undefined || canonical === value)) return value
  const hint = canonical !== undefined ? ` Write it as '${canonical}'.` : ''
  throw configError(
    `origin ${JSON.stringify(origin)} is not an exact origin (scheme://host[:port], lower case, no path, no trailing slash, no wildcards).${hint}`,
  )
}

function checkTokens(kind: string, names: readonly string[] | undefined): string[] {
  if (names === undefined) return []
  if (!Array.isArray(names)) throw configError(`${kind} must be a list of names.`)
  for (const name of names) {
    if (name === '*')
      throw configError(`${kind} cannot contain '*': list the names you need explicitly.`)
    if (typeof name !== 'string' || !TOKEN.test(name))
      throw configError(`${kind} contains an invalid name: ${JSON.stringify(name)}.`)
  }
  return [...names]
}

function resolveOptions(options: CorsOptions): Config {
  if (options === null || typeof options !== 'object')
    throw configError(`pass options, e.g. cors({ origins: ['https://app.example'] }).`)
  const { origins } = options
  const credentials = options.credentials ?? false
  if (typeof credentials !== 'boolean') throw configError('credentials must be true or false.')
  if (origins === '*' && credentials)
    throw configError(
      `origins: '*' cannot be combined with credentials: true (browsers refuse it, and it would let every site act as the signed-in user). List the trusted origins, e.g. origins: ['https://app.example'].`,
    )
  if (origins !== '*' && typeof origins !== 'function' && !Array.isArray(origins))
    throw configError(
      `origins must be a list of exact origins, a function (origin, ctx) => boolean, or '*'.`,
    )
  const methods = checkTokens('methods', options.methods ?? DEFAULT_METHODS).map((m) =>
    m.toUpperCase(),
  )
  const allowHeaders = new Map<string, string>()
  for (const name of [...SAFELISTED_HEADERS, ...checkTokens('allowHeaders', options.allowHeaders)])
    allowHeaders.set(name.toLowerCase(), name)
  const { maxAge } = options
  if (maxAge !== undefined && !(Number.isSafeInteger(maxAge) && maxAge >= 0))
    throw configError(`maxAge must be a whole number of seconds (>= 0), got ${String(maxAge)}.`)
  return {
    any: origins === '*',
    list: Array.isArray(origins) ? new Set(origins.map(checkOrigin)) : null,
    predicate: typeof origins === 'function' ? origins : null,
    methods: new Set(methods),
    allowMethods: [...new Set(methods)].join(', '),
    allowHeaders,
    exposeHeaders: checkTokens('exposeHeaders', options.exposeHeaders).join(', '),
    credentials,
    maxAge: maxAge === undefined ? undefined : String(maxAge),
  }
}

/** Whether `origin` may read responses. `null` and malformed origins never pass. */
async function originAllowed(config: Config, origin: string, ctx: Context): Promise<boolean> {
  if (config.any) return true
  if (config.list !== null) return config.list.has(origin)
  if (!ORIGIN.test(origin)) return false
  return (await config.predicate!(origin, ctx)) === true
}

function refused(ctx: Context, reason: string): Reply {
  const reply = text(`CORS preflight refused: ${reason}.`, { status: 403 })
  appendVary(ctx, reply, PREFLIGHT_VARY)
  return reply
}

async function answerPreflight(config: Config, ctx: Context, origin: string): Promise<Reply> {
  if (!(await originAllowed(config, origin, ctx))) return refused(ctx, 'origin not allowed')
  const method = ctx.req.headers['access-control-request-method']!
  if (!config.methods.has(method)) return refused(ctx, 'method not allowed')
  const granted: string[] = []
  for (const raw of (ctx.req.headers['access-control-request-headers'] ?? '').split(',')) {
    const name = raw.trim().toLowerCase()
    if (name === '') continue
    const allowed = config.allowHeaders.get(name)
    if (allowed === undefined) return refused(ctx, 'request header not allowed')
    if (!granted.includes(allowed)) granted.push(allowed)
  }
  const reply = noContent()
  reply.header('access-control-allow-origin', config.any ? '*' : origin)
  if (config.credentials) reply.header('access-control-allow-credentials', 'true')
  reply.header('access-control-allow-methods', config.allowMethods)
  if (granted.length > 0) reply.header('access-control-allow-headers', granted.join(', '))
  if (config.maxAge !== undefined) reply.header('access-control-max-age', config.maxAge)
  appendVary(ctx, reply, PREFLIGHT_VARY)
  return reply
}

/**
 * CORS middleware. Register it on the app (`app.use(cors(...))`) so it also answers preflights for
 * paths handled by automatic `OPTIONS`. Allowed origins get `Access-Control-Allow-Origin` with their
 * exact origin (or `*`); others get no CORS headers. Preflights (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) are answered here: 204 with the allow headers, or 403 without
 * them. Throws `PLINTH_SECURITY_CORS_CONFIG` at setup for unsafe or malformed options.
 *
 * @example
 * app.use(
 *   cors({
 *     origins: ['https://app.example', 'https://admin.example'],
 *     allowHeaders: ['Authorization', 'X-Request-Id'],
 *     exposeHeaders: ['X-Request-Id'],
 *     credentials: true,
 *     maxAge: 600,
 *   }),
 * )
 *
 * @example
 * // Decide per request (the function never sees `null` or malformed origins):
 * app.use(cors({ origins: (origin) => tenants.hasOrigin(origin) }))
 */
export function cors(options: CorsOptions): Middleware {
  const config = resolveOptions(options)
  const middleware: Middleware = async (ctx, next) => {
    const origin = ctx.req.headers.origin
    if (
      origin !== undefined &&
      ctx.method === 'OPTIONS' &&
      ctx.req.headers['access-control-request-method'] !== undefined
    )
      return answerPreflight(config, ctx, origin)
    const allowed = origin !== undefined && (await originAllowed(config, origin, ctx))
    const reply = await next()
    // With a list or function the answer depends on Origin, so caches must key on it, including
    // for requests without one (Fetch standard, "CORS protocol and HTTP caches").
    if (!config.any) appendVary(ctx, reply, ['Origin'])
    if (!allowed) return reply
    reply.header('access-control-allow-origin', config.any ? '*' : origin)
    if (config.credentials) reply.header('access-control-allow-credentials', 'true')
    if (config.exposeHeaders !== '')
      reply.header('access-control-expose-headers', config.exposeHeaders)
    return reply
  }
  Object.defineProperty(middleware, 'name', { value: 'cors' })
  return middleware
}
