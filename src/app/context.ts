/**
 * `Context`: everything a handler sees for one request, and the response state it can set.
 *
 * Created once per request with a fixed shape (monomorphic for V8); everything expensive is lazy:
 * the query string, cookies and body are parsed on first access and at most once, the request id,
 * the logger child and the abort signal are created only when used.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { type Dependency, DependencyScope } from '../di/index.ts'
import { bufferEncodingFor, readBody } from '../http/body.ts'
import { isJsonMediaType, type MediaType, parseMediaType } from '../http/content-type.ts'
import { type CookieOptions, parseCookies, serializeCookie } from '../http/cookies.ts'
import { HttpError } from '../http/errors.ts'
import { JsonBodyError, parseJsonBody } from '../http/json.ts'
import { type FormRecord, parseMultipart } from '../http/multipart.ts'
import type { Signer } from '../http/signing.ts'
import { parseUrlEncoded, TooManyFieldsError } from '../http/urlencoded.ts'
import type { UrlParams, UrlQuery } from '../routing/index.ts'
import type { Limits } from './limits.ts'
import type { CompiledRoute } from './route.ts'
import type { AnyInputs, QueryRecord, RouteInputs } from './types.ts'

/** What a context needs from its app (implemented by `App`). */
export interface ContextHost {
  readonly limits: Limits
  readonly log: Logger
  readonly debug: boolean
  readonly uploadDir: string
  readonly signer: Signer | undefined
  /** `createApp({ headers })`: sent with every response, under all others. */
  readonly defaultHeaders: Readonly<Record<string, string>> | undefined
  readonly dependencyOverrides: ReadonlyMap<Dependency<any, any>, Dependency<any, any>>
  url(name: string, params?: UrlParams, query?: UrlQuery): string
  nextRequestId(): string
  /** The route table (debug 404 pages list it). */
  routes(): ReadonlyArray<{
    method: string
    path: string
    name: string | undefined
    handlerName?: string
  }>
}

/** The per-request context passed to handlers, middleware, hooks and dependencies. */
export class Context<I extends RouteInputs = AnyInputs> {
  readonly app: ContextHost
  /** The raw Node request (streams, socket). Prefer the typed accessors. */
  readonly req: IncomingMessage
  /** The raw Node response. Writing to it directly bypasses middleware and hooks. */
  readonly res: ServerResponse
  readonly method: string
  /** Decoded path, e.g. `/products/café`. */
  path: string
  /** Raw (still encoded) query string without `?`. */
  rawQuery: string
  /** The matched route, or `null` (404, 405, automatic OPTIONS). */
  route: CompiledRoute | null
  /** The error being answered, once an error response has been produced. */
  error: unknown
  /** Start time (`performance.now()`) when request logging is on, else 0 (it costs ~40 ns). */
  startTime: number

  /** @internal */ _paramValues: string[] | null = null
  /** @internal */ _params: unknown = undefined
  /** @internal */ _query: unknown = undefined
  /** @internal */ _headers: unknown = undefined
  /** @internal */ _cookies: unknown = undefined
  /** @internal */ _body: unknown = undefined
  /** @internal */ _deps: unknown = undefined
  /** @internal */ _state: Record<string, unknown> | undefined = undefined
  /** @internal */ _raw: Promise<Buffer> | undefined = undefined
  /** @internal */ _form: Promise<FormRecord> | undefined = undefined
  /** @internal */ _scope: DependencyScope<Context<any>> | undefined = undefined
  /** @internal */ _cleanups: Array<() => unknown> | undefined = undefined
  /** @internal */ _status = 0
  /** @internal */ _resHeaders: Record<string, string | string[]> | undefined = undefined
  /** @internal */ _id: string | undefined = undefined
  /** @internal */ _log: Logger | undefined = undefined
  /** @internal */ _abort: AbortController | undefined = undefined
  /** @internal */ _invalidPath: string | undefined = undefined

  constructor(app: ContextHost, req: IncomingMessage, res: ServerResponse) {
    this.app = app
    this.req = req
    this.res = res
    this.method = req.method!
    this.path = '/'
    this.rawQuery = ''
    this.route = null
    this.error = undefined
    this.startTime = 0
  }

  /** Path parameters: validated values when the route declares `params`, otherwise strings. */
  get params(): I['params'] {
    if (this._params === undefined) {
      this._params =
        this.route === null ? Object.create(null) : this.route.makeParams(this._paramValues ?? [])
    }
    return this._params as I['params']
  }

  /** Query values: validated when the route declares `query`, otherwise parsed strings/arrays. */
  get query(): I['query'] {
    if (this._query === undefined) this._query = this.parsedQuery()
    return this._query as I['query']
  }

  /** @internal The query string parsed without validation. */
  parsedQuery(): QueryRecord {
    try {
      return parseUrlEncoded(this.rawQuery, this.app.limits.fields)
    } catch (error) {
      if (error instanceof TooManyFieldsError) {
        throw new HttpError(400, `The query string has more than ${error.limit} parameters.`, {
          code: 'too_many_parameters',
        })
      }
      throw error
    }
  }

  /** Request headers (lower-case names): validated when the route declares `headers`. */
  get headers(): I['headers'] {
    return (this._headers ?? this.req.headers) as I['headers']
  }

  /** Cookies (null-prototype record): validated when the route declares `cookies`. */
  get cookies(): I['cookies'] {
    if (this._cookies === undefined) this._cookies = parseCookies(this.req.headers.cookie)
    return this._cookies as I['cookies']
  }

  /** The validated body (declare `body` on the route). For unvalidated access use `json()`, `form()`, `text()`. */
  get body(): I['body'] {
    return this._body as I['body']
  }

  /** Resolved route dependencies (declare `deps` on the route). */
  get deps(): I['deps'] {
    return (this._deps ?? {}) as I['deps']
  }

  /** A per-request bag for middleware to share values. Prefer dependencies for typed values. */
  get state(): Record<string, unknown> {
    if (this._state === undefined) this._state = Object.create(null)
    return this._state!
  }

  /** Request id: unique per process, included in logs and in 5xx bodies. */
  get id(): string {
    if (this._id === undefined) this._id = this.app.nextRequestId()
    return this._id
  }

  /** A logger bound to this request's id. */
  get log(): Logger {
    if (this._log === undefined) this._log = this.app.log.child({ reqId: this.id })
    return this._log
  }

  /** Aborted when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    if (this._abort === undefined) {
      const controller = new AbortController()
      this._abort = controller
      this.res.once('close', () => {
        if (!this.res.writableFinished) controller.abort(new Error('The client disconnected.'))
      })
    }
    return this._abort.signal
  }

  /**
   * The client address: the peer's, or the one `trustedProxies()` (plinth/security) found in
   * `X-Forwarded-For` when the peer is a configured proxy. Proxy headers are never read here.
   */
  get ip(): string | undefined {
    const forwarded = this._state?.clientIp
    return typeof forwarded === 'string' ? forwarded : this.req.socket.remoteAddress
  }

  /** The parsed `Content-Type`, or `null` when absent or invalid. */
  get contentType(): MediaType | null {
    const header = this.req.headers['content-type']
    return header === undefined ? null : parseMediaType(header)
  }

  /** @internal Effective limits for this request (route overrides applied). */
  get limits(): Limits {
    return this.route?.limits ?? this.app.limits
  }

  /** The raw body bytes (decompressed, limited to `limits.bodySize`). Read once, cached. */
  bytes(): Promise<Buffer> {
    if (this._raw === undefined) this._raw = readBody(this.req, this.limits.bodySize)
    return this._raw
  }

  /** The body as text, decoded with the `charset` of its content type (UTF-8 by default). */
  async text(): Promise<string> {
    const encoding = bufferEncodingFor(this.contentType?.params.charset)
    return (await this.bytes()).toString(encoding)
  }

  /**
   * The body parsed as JSON. Requires a JSON content type (415 otherwise); malformed, too deep or
   * prototype-poisoning input is answered with 400.
   */
  async json(): Promise<unknown> {
    const type = this.contentType
    if (type === null || !isJsonMediaType(type.essence)) {
      throw new HttpError(415, 'Expected a JSON body (Content-Type: application/json).', {
        code: 'unsupported_media_type',
      })
    }
    const charset = type.params.charset
    if (
      charset !== undefined &&
      charset.toLowerCase() !== 'utf-8' &&
      charset.toLowerCase() !== 'utf8'
    ) {
      throw new HttpError(415, 'JSON bodies must be UTF-8.', { code: 'unsupported_charset' })
    }
    const bytes = await this.bytes()
    try {
      return parseJsonBody(bytes.toString('utf8'), this.limits.jsonDepth)
    } catch (error) {
      if (error instanceof JsonBodyError)
        throw new HttpError(400, error.reason, { code: 'invalid_json' })
      throw error
    }
  }

  /**
   * The body parsed as a form: `application/x-www-form-urlencoded` or `multipart/form-data`
   * (streamed; files above `limits.fileMemorySize` are spooled to disk and removed after the
   * response). Repeated names become arrays; files are `UploadedFile` (a `File`).
   */
  form(): Promise<FormRecord> {
    if (this._form === undefined) this._form = this.#readForm()
    return this._form
  }

  async #readForm(): Promise<FormRecord> {
    const type = this.contentType
    if (type?.essence === 'application/x-www-form-urlencoded') {
      const text = (await this.bytes()).toString('utf8')
      try {
        return parseUrlEncoded(text, this.limits.fields)
      } catch (error) {
        if (error instanceof TooManyFieldsError) {
          throw new HttpError(413, `The form has more than ${error.limit} fields.`, {
            code: 'too_many_fields',
          })
        }
        throw error
      }
    }
    if (type?.essence === 'multipart/form-data') {
      const parsed = await parseMultipart(this.req, type, this.limits, {
        uploadDir: this.app.uploadDir,
      })
      this.onCleanup(parsed.cleanup)
      return parsed.fields
    }
    throw new HttpError(
      415,
      'Expected a form body (application/x-www-form-urlencoded or multipart/form-data).',
      {
        code: 'unsupported_media_type',
      },
    )
  }

  /** The value of a signed cookie when its signature verifies (needs the app's `secretKey`). */
  signedCookie(name: string): string | undefined {
    const raw = (parseCookies(this.req.headers.cookie) as Record<string, string>)[name]
    if (raw === undefined) return undefined
    return this.#signer().unsign(raw, name) ?? undefined
  }

  #signer(): Signer {
    const signer = this.app.signer
    if (signer === undefined) {
      throw new HttpError(500, 'Signed cookies need a secret key: createApp({ secretKey }).', {
        code: 'missing_secret_key',
      })
    }
    return signer
  }

  /** Resolve a dependency in this request's scope (computed at most once per request). */
  use<T>(dependency: Dependency<T, any>): Promise<T> {
    this._scope ??= new DependencyScope<Context<any>>(this, this.app.dependencyOverrides)
    return this._scope.resolve(dependency)
  }

  /** Register work to run after the response has been sent (temp files, connections). */
  onCleanup(fn: () => unknown): void {
    this._cleanups ??= []
    this._cleanups.push(fn)
  }

  /** Reverse a named route (`app.url`). */
  url(name: string, params?: UrlParams, query?: UrlQuery): string {
    return this.app.url(name, params, query)
  }

  /** Status for a plain returned value (a `Reply` carries its own). */
  setStatus(status: number): this {
    this._status = status
    return this
  }

  /** Add a response header (merged under the reply's own headers). */
  setHeader(name: string, value: string | string[]): this {
    this._resHeaders ??= Object.create(null) as Record<string, string | string[]>
    const headers = this._resHeaders
    const key = name.toLowerCase()
    if (key === 'set-cookie')
      headers[key] = ((headers[key] as string[] | undefined) ?? []).concat(value)
    else headers[key] = value
    return this
  }

  /** Set a cookie on the response. With `signed: true` the value is HMAC-signed with the app's secret key. */
  setCookie(name: string, value: string, options: CookieOptions & { signed?: boolean } = {}): this {
    const { signed, ...attributes } = options
    const stored = signed ? this.#signer().sign(value, name) : value
    return this.setHeader('set-cookie', serializeCookie(name, stored, attributes))
  }

  /** Expire a cookie (use the same `path`/`domain` it was set with). */
  deleteCookie(
    name: string,
    options: Pick<CookieOptions, 'path' | 'domain' | 'secure' | 'sameSite'> = {},
  ): this {
    return this.setHeader(
      'set-cookie',
      serializeCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) }),
    )
  }

  /** Request headers as a plain record (for debugging); `headers` is the typed accessor. */
  get rawHeaders(): IncomingHttpHeaders {
    return this.req.headers
  }
}
