/**
 * `secureHeaders()`: helmet's default response headers as Plinth middleware (catalogue §1.6, G10,
 * G11): a Content-Security-Policy with optional per-request nonces, COOP/CORP, Origin-Agent-Cluster,
 * Referrer-Policy, HSTS (production), nosniff, X-Frame-Options and the legacy X-* hardening set.
 *
 * Every value is validated once at setup, so a `;`, `,` or line break in configuration fails with
 * `PLINTH_SECURITY_HEADERS_CONFIG` instead of smuggling a directive or a header. Headers go on the
 * reply after the handler ran (errors, 404 and 405 included) and are mirrored on the Node response,
 * so even an error answer produced after a failed write (a missing file) carries them. A header the
 * handler set itself is never overwritten.
 */
import { randomBytes } from 'node:crypto'
import type { AnyInputs, Context, Middleware } from '../app/index.ts'
import { CSP_NONCE_KEY } from '../app/index.ts'
import { PlinthError, type Reply } from '../http/index.ts'

/** Where the request's CSP nonce is kept (`ctx.state[CSP_NONCE_KEY]`) when `nonce: true`. */
export { CSP_NONCE_KEY }

/** CSP directives: camelCase or kebab-case names; `true`/`[]` for a bare directive, `null`/`false` to drop a default. */
export type CspDirectives = Record<string, string | readonly string[] | boolean | null>

/** Options of the Content-Security-Policy header. */
export interface CspOptions {
  /** Merged over the defaults (unless `useDefaults: false`). */
  directives?: CspDirectives
  /** Start from helmet's default policy (default `true`). */
  useDefaults?: boolean
  /** Send `Content-Security-Policy-Report-Only` instead (default `false`). */
  reportOnly?: boolean
}

/** HSTS options; `maxAge` in seconds. */
export interface HstsOptions {
  maxAge?: number
  includeSubDomains?: boolean
  preload?: boolean
}

/** The headers, each disabled with `false`. */
export interface SecureHeadersConfig {
  contentSecurityPolicy?: false | CspOptions
  crossOriginEmbedderPolicy?: false | 'require-corp' | 'credentialless' | 'unsafe-none'
  crossOriginOpenerPolicy?: false | 'same-origin' | 'same-origin-allow-popups' | 'unsafe-none'
  crossOriginResourcePolicy?: false | 'same-origin' | 'same-site' | 'cross-origin'
  originAgentCluster?: boolean
  referrerPolicy?: false | string | readonly string[]
  /** Default: on when `production` is. Sent whenever enabled (browsers ignore it over plain HTTP). */
  hsts?: boolean | HstsOptions
  xContentTypeOptions?: boolean
  xDnsPrefetchControl?: false | 'on' | 'off'
  xDownloadOptions?: boolean
  xFrameOptions?: false | 'SAMEORIGIN' | 'DENY'
  xPermittedCrossDomainPolicies?: false | 'none' | 'master-only' | 'by-content-type' | 'all'
  xXssProtection?: boolean
}

/** Options of {@link secureHeaders}. */
export interface SecureHeadersOptions extends SecureHeadersConfig {
  /** Turns HSTS on by default. Default: `process.env.NODE_ENV === 'production'`. */
  production?: boolean
  /**
   * Add a fresh `'nonce-…'` per request (`ctx.state[CSP_NONCE_KEY]`, `{{ csp_nonce }}` in
   * templates) to `script-src`, so only `<script nonce="…">` runs inline. `{ styles: true }` also
   * nonces `style-src`; browsers then ignore its `'unsafe-inline'`, which blocks every `style=""`
   * attribute, so it is off by default.
   */
  nonce?: boolean | { styles?: boolean }
  /** Per-request changes, called after the handler: `false` sends none of these headers. */
  override?: (ctx: Context<AnyInputs>) => SecureHeadersConfig | false | undefined
}

/** helmet's default policy. */
export const DEFAULT_CSP_DIRECTIVES: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'font-src': ["'self'", 'https:', 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", 'https:', "'unsafe-inline'"],
  'upgrade-insecure-requests': [],
}

const REFERRER_POLICIES = new Set(
  'no-referrer no-referrer-when-downgrade origin origin-when-cross-origin same-origin strict-origin strict-origin-when-cross-origin unsafe-url'.split(
    ' ',
  ),
)
/** Enumerated headers: option → [header, default (`false` = off), allowed values]. */
const CHOICES: Record<string, [string, string | false, string]> = {
  crossOriginEmbedderPolicy: [
    'cross-origin-embedder-policy',
    false,
    'require-corp credentialless unsafe-none',
  ],
  crossOriginOpenerPolicy: [
    'cross-origin-opener-policy',
    'same-origin',
    'same-origin same-origin-allow-popups unsafe-none',
  ],
  crossOriginResourcePolicy: [
    'cross-origin-resource-policy',
    'same-origin',
    'same-origin same-site cross-origin',
  ],
  xDnsPrefetchControl: ['x-dns-prefetch-control', 'off', 'on off'],
  xFrameOptions: ['x-frame-options', 'SAMEORIGIN', 'SAMEORIGIN DENY'],
  xPermittedCrossDomainPolicies: [
    'x-permitted-cross-domain-policies',
    'none',
    'none master-only by-content-type all',
  ],
}
/** On/off headers: option → [header, value]. */
const SWITCHES: Record<string, [string, string]> = {
  originAgentCluster: ['origin-agent-cluster', '?1'],
  xContentTypeOptions: ['x-content-type-options', 'nosniff'],
  xDownloadOptions: ['x-download-options', 'noopen'],
  xXssProtection: ['x-xss-protection', '0'],
}
const KNOWN = new Set([
  'contentSecurityPolicy',
  'referrerPolicy',
  'hsts',
  'production',
  'nonce',
  'override',
  ...Object.keys(CHOICES),
  ...Object.keys(SWITCHES),
])
/** CSP keywords that only work quoted (`self` unquoted means a host named "self"). */
const KEYWORDS =
  /^(self|none|unsafe-inline|unsafe-eval|strict-dynamic|unsafe-hashes|wasm-unsafe-eval|report-sample)$/i

function fail(message: string): never {
  throw new PlinthError('PLINTH_SECURITY_HEADERS_CONFIG', message)
}

/** A compiled configuration: fixed headers plus the CSP, split so a nonce can be inserted. */
interface Compiled {
  headers: Array<[string, string]>
  csp: { name: string; directives: Array<[string, string[]]> } | undefined
}

function cspSource(directive: string, value: string): string {
  // Visible ASCII only: no `;`/`,` (new directive / second policy), no CR/LF/NUL (header injection).
  if (!/^[\x21-\x7e]+$/.test(value) || /[;,]/.test(value)) {
    fail(
      `CSP directive "${directive}" has an invalid source ${JSON.stringify(value)}: use one list item per source, without ";", "," or line breaks.`,
    )
  }
  if (KEYWORDS.test(value))
    fail(`CSP keyword ${value} in "${directive}" must be quoted: use "'${value}'".`)
  return value
}

function compileCsp(options: CspOptions): Compiled['csp'] {
  if (options === null || typeof options !== 'object')
    fail('contentSecurityPolicy must be false or { directives, useDefaults, reportOnly }.')
  const merged = new Map<string, string[]>()
  if (options.useDefaults !== false)
    for (const [k, v] of Object.entries(DEFAULT_CSP_DIRECTIVES)) merged.set(k, [...v])
  for (const [key, raw] of Object.entries(options.directives ?? {})) {
    const name = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
    if (!/^[a-z][a-z0-9-]*$/.test(name))
      fail(`CSP directive name ${JSON.stringify(key)} is invalid: use names like "scriptSrc".`)
    if (raw === null || raw === false) merged.delete(name)
    else if (raw === true) merged.set(name, [])
    else if (typeof raw === 'string' || Array.isArray(raw)) {
      const list = typeof raw === 'string' ? raw.split(/[ \t]+/).filter(Boolean) : raw
      merged.set(
        name,
        list.map((v: unknown) => cspSource(name, typeof v === 'string' ? v : String(v))),
      )
    } else fail(`CSP directive "${name}" must be a string, a list of sources, true or null.`)
  }
  if (merged.size === 0)
    fail('The Content-Security-Policy has no directives: set some or disable it with false.')
  const header = options.reportOnly
    ? 'content-security-policy-report-only'
    : 'content-security-policy'
  return { name: header, directives: [...merged] }
}

function compileHsts(option: boolean | HstsOptions): string {
  const hsts = option === true ? {} : option
  if (hsts === null || typeof hsts !== 'object')
    fail('hsts must be a boolean or { maxAge, includeSubDomains, preload }.')
  const maxAge = hsts.maxAge ?? 31536000
  if (!Number.isSafeInteger(maxAge) || maxAge < 0)
    fail(`hsts.maxAge must be a whole number of seconds, got ${JSON.stringify(maxAge)}.`)
  let value = `max-age=${maxAge}`
  if (hsts.includeSubDomains ?? true) value += '; includeSubDomains'
  if (hsts.preload) {
    if (maxAge < 31536000 || hsts.includeSubDomains === false)
      fail(
        'hsts.preload needs maxAge ≥ 31536000 and includeSubDomains (the preload list requires both).',
      )
    value += '; preload'
  }
  return value
}

function compile(options: SecureHeadersOptions, production: boolean): Compiled {
  if (options === null || typeof options !== 'object')
    fail('secureHeaders() takes an options object.')
  for (const key of Object.keys(options))
    if (!KNOWN.has(key)) fail(`Unknown secureHeaders option "${key}".`)
  const headers: Array<[string, string]> = []
  const csp = options.contentSecurityPolicy
  const compiledCsp = csp === false ? undefined : compileCsp(csp ?? {})
  const given = options as Record<string, unknown>
  for (const [key, [header, fallback, allowed]] of Object.entries(CHOICES)) {
    const value = given[key] ?? fallback
    if (value === false) continue
    const normal =
      key === 'xFrameOptions' && typeof value === 'string' ? value.toUpperCase() : value
    if (typeof normal !== 'string' || !allowed.split(' ').includes(normal))
      fail(`${key} must be false or one of: ${allowed}; got ${JSON.stringify(value)}.`)
    headers.push([header, normal])
  }
  for (const [key, pair] of Object.entries(SWITCHES)) {
    if (given[key] !== undefined && typeof given[key] !== 'boolean')
      fail(`${key} must be a boolean.`)
    if (given[key] !== false) headers.push(pair)
  }
  // Django's default, not helmet's `no-referrer`: under `no-referrer` browsers send `Origin: null`
  // on the site's own form posts, which the CSRF check must then refuse when `Sec-Fetch-Site` is
  // absent (older Safari). `same-origin` still sends nothing to other sites.
  const referrer = options.referrerPolicy ?? 'same-origin'
  if (referrer !== false) {
    const list = typeof referrer === 'string' ? [referrer] : referrer
    if (!Array.isArray(list) || list.length === 0 || !list.every((p) => REFERRER_POLICIES.has(p)))
      fail(`referrerPolicy must be false or policies from: ${[...REFERRER_POLICIES].join(', ')}.`)
    headers.push(['referrer-policy', list.join(',')])
  }
  const hsts = options.hsts ?? production
  if (hsts !== false) headers.push(['strict-transport-security', compileHsts(hsts)])
  return { headers, csp: compiledCsp }
}

function cspValue(
  csp: NonNullable<Compiled['csp']>,
  nonce: string | undefined,
  noncedDirectives: readonly string[],
): string {
  const parts: string[] = []
  const fallback = csp.directives.find(([name]) => name === 'default-src')?.[1]
  const nonced = new Set<string>()
  for (const [name, sources] of csp.directives) {
    let list = sources
    if (nonce !== undefined && noncedDirectives.includes(name)) {
      list = [...sources, `'nonce-${nonce}'`]
      nonced.add(name)
    }
    parts.push(list.length === 0 ? name : `${name} ${list.join(' ')}`)
  }
  // No script-src/style-src: they fall back to default-src, so copy it and add the nonce (nothing
  // inline was allowed there, so the nonce only adds a way in).
  if (nonce !== undefined && fallback !== undefined)
    for (const name of ['script-src', 'style-src'])
      if (!nonced.has(name)) parts.push(`${name} ${[...fallback, `'nonce-${nonce}'`].join(' ')}`)
  return parts.join('; ')
}

const fixedPolicies = new WeakMap<object, string>()

function apply(
  ctx: Context<AnyInputs>,
  reply: Reply,
  compiled: Compiled,
  nonce: string | undefined,
  noncedDirectives: readonly string[],
): void {
  const own = ctx._resHeaders
  const set = (name: string, value: string) => {
    // Honour what the handler chose (on the reply or with ctx.setHeader).
    if (reply.headers[name] !== undefined || own?.[name] !== undefined) return
    reply.headers[name] = value
    if (!ctx.res.headersSent) ctx.res.setHeader(name, value)
  }
  if (compiled.csp !== undefined) {
    let value: string | undefined
    if (nonce === undefined) {
      // Without a nonce the policy is the same on every response: build the string once.
      value = fixedPolicies.get(compiled.csp)
      if (value === undefined) {
        value = cspValue(compiled.csp, undefined, noncedDirectives)
        fixedPolicies.set(compiled.csp, value)
      }
    } else value = cspValue(compiled.csp, nonce, noncedDirectives)
    set(compiled.csp.name, value)
  }
  for (const [name, value] of compiled.headers) set(name, value)
  delete reply.headers['x-powered-by']
  if (own !== undefined) delete own['x-powered-by']
  if (!ctx.res.headersSent) ctx.res.removeHeader('x-powered-by')
}

/**
 * Secure response headers (helmet's defaults). Configure each header, or disable it with `false`;
 * `override(ctx)` changes them per request (return `false` to send none).
 *
 * @example
 * app.use(secureHeaders({ nonce: true, production: true }))
 * // in a template: <script nonce="{{ csp_nonce }}">…</script>, with
 * // templates(env, { context: (ctx) => ({ csp_nonce: ctx.state[CSP_NONCE_KEY] }) })
 *
 * @example
 * app.use(secureHeaders({
 *   contentSecurityPolicy: { directives: { imgSrc: ["'self'", 'https://cdn.example.com'] } },
 *   override: (ctx) => (ctx.path.startsWith('/admin') ? { xFrameOptions: 'DENY',
 *     contentSecurityPolicy: { directives: { frameAncestors: ["'none'"] } } } : undefined),
 * }))
 */
export function secureHeaders(options: SecureHeadersOptions = {}): Middleware {
  const production = options.production ?? process.env.NODE_ENV === 'production'
  const base = compile(options, production)
  const useNonce =
    options.nonce === true || (typeof options.nonce === 'object' && options.nonce !== null)
  const noncedDirectives =
    typeof options.nonce === 'object' && options.nonce?.styles === true
      ? ['script-src', 'style-src']
      : ['script-src']
  if (options.nonce !== undefined && typeof options.nonce !== 'boolean' && !useNonce)
    fail('nonce must be true, false or { styles: true }.')
  if (useNonce && base.csp === undefined)
    fail(
      'nonce: true needs the Content-Security-Policy: do not set contentSecurityPolicy to false.',
    )
  const override = options.override
  if (override !== undefined && typeof override !== 'function') fail('override must be a function.')
  const cache = new WeakMap<object, Compiled>()
  const compileOverride = (changes: SecureHeadersConfig): Compiled => {
    let compiled = cache.get(changes)
    if (compiled !== undefined) return compiled
    const baseCsp = options.contentSecurityPolicy
    const csp = changes.contentSecurityPolicy
    const merged: SecureHeadersOptions = {
      ...options,
      ...changes,
      override: undefined,
      nonce: undefined,
    }
    if (csp !== undefined && csp !== false && baseCsp !== false) {
      merged.contentSecurityPolicy = {
        useDefaults: csp.useDefaults ?? baseCsp?.useDefaults,
        reportOnly: csp.reportOnly ?? baseCsp?.reportOnly,
        directives: { ...baseCsp?.directives, ...csp.directives },
      }
    }
    compiled = compile(merged, production)
    cache.set(changes, compiled)
    return compiled
  }
  return async function secureHeadersMiddleware(ctx, next) {
    const nonce = useNonce ? randomBytes(16).toString('base64') : undefined
    if (nonce !== undefined) ctx.state[CSP_NONCE_KEY] = nonce
    const reply = await next()
    const changes = override?.(ctx)
    if (changes === false) return reply
    apply(ctx, reply, changes ? compileOverride(changes) : base, nonce, noncedDirectives)
    return reply
  }
}
