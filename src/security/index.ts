/**
 * Plinth security middleware: CORS, secure headers with CSP nonces, allowed hosts, trusted
 * proxies and rate limiting. Each piece is a plain middleware built on the public APIs of the
 * app and HTTP modules, exactly as a user's own module would be. Guide: docs/security.md.
 *
 * @example
 * app.use(trustedProxies({ proxies: ['loopback'] }))
 * app.use(allowedHosts(['shop.example', '.shop.example']))
 * app.use(secureHeaders({ nonce: true }))
 * app.use(cors({ origins: ['https://app.shop.example'], credentials: true }))
 * app.use(rateLimit({ limit: 100, windowMs: 60_000 }))
 */
export { type CorsOptions, cors, type OriginPredicate } from './cors.ts'
export { csrf, csrfExempt, getCsrfToken, rotateCsrfToken } from './csrf.ts'
export { CSRF_COOKIE_MAX_AGE, type CsrfOptions } from './csrf-options.ts'
export { requestOrigin } from './csrf-origin.ts'
export {
  CSP_NONCE_KEY,
  type CspDirectives,
  type CspOptions,
  DEFAULT_CSP_DIRECTIVES,
  type HstsOptions,
  type SecureHeadersConfig,
  type SecureHeadersOptions,
  secureHeaders,
} from './headers.ts'
export { allowedHosts, type ParsedHost, parseHost } from './hosts.ts'
export {
  CLIENT_IP_KEY,
  FORWARDED_HOST_KEY,
  HOST_KEY,
  PROTOCOL_KEY,
  type TrustedProxiesOptions,
  trustedProxies,
} from './proxies.ts'
export * from './rate-limit/index.ts'
