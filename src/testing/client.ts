/**
 * The test client: send requests to an app in-process and inspect the responses.
 *
 * Requests travel as real HTTP/1.1 bytes through Node's own client and server parsers over an
 * in-memory connection, so behaviour is identical to a real server (framing, header validation,
 * limits, timeouts) without opening a port. Cookies are kept in a jar between requests.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import type { App } from '../app/index.ts'
import { type CreatedServer, createServer, type ServerOptions } from '../server/index.ts'
import { connectInMemory } from './in-memory-socket.ts'

/** Per-request options. */
export interface RequestOptions {
  headers?: Record<string, string | string[]>
  /** Appended to the path's query string; arrays repeat the key. */
  query?: Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>
  /** JSON body (sets `content-type: application/json`). */
  json?: unknown
  /** `application/x-www-form-urlencoded` body. */
  form?: Record<string, string | number | boolean | ReadonlyArray<string | number | boolean>>
  /** `multipart/form-data` body; `File`/`Blob` values become file parts. */
  multipart?: Record<string, string | Blob | ReadonlyArray<string | Blob>>
  /** Raw body. */
  body?: string | Uint8Array
  /** Follow redirects for this request (default: the client's setting). */
  followRedirects?: boolean
  /** Send the jar's cookies and store received ones (default true). */
  cookies?: boolean
}

/** A received response. */
export interface TestResponse {
  status: number
  /** Lower-case names; repeated headers (`set-cookie`) are arrays. */
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
  /** Parse the body as JSON (throws with the body in the message when it is not JSON). */
  json<T = any>(): T
  /** The `URL` path of the final request (after redirects). */
  url: string
}

/** Client options. */
export interface TestClientOptions {
  /** Headers sent with every request. */
  headers?: Record<string, string>
  /** Follow 3xx responses (default false, so redirects can be asserted). */
  followRedirects?: boolean
  /** `Host` header (default `testserver`). */
  host?: string
  /** Peer address the app sees (default `127.0.0.1`). */
  remoteAddress?: string
  /** Server settings (timeouts, header size) as for `serve()`. */
  server?: ServerOptions
}

/** Cookies kept between requests (name → value). */
export class CookieJar {
  readonly #cookies = new Map<string, string>()
  get(name: string): string | undefined {
    return this.#cookies.get(name)
  }
  set(name: string, value: string): void {
    this.#cookies.set(name, value)
  }
  delete(name: string): void {
    this.#cookies.delete(name)
  }
  clear(): void {
    this.#cookies.clear()
  }
  /** All cookies as a record. */
  all(): Record<string, string> {
    return Object.fromEntries(this.#cookies)
  }
  /** @internal */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  }
  /** @internal Apply `Set-Cookie` headers (expired cookies are removed). */
  store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair = '', ...attributes] = line.split(';')
      const eq = pair.indexOf('=')
      if (eq <= 0) continue
      const name = pair.slice(0, eq).trim()
      const value = pair.slice(eq + 1).trim()
      const expired = attributes.some((a) => {
        const [key = '', val = ''] = a.split('=').map((s) => s.trim())
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now()
        return false
      })
      if (expired) this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }
}

function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
  }
  const qs = params.toString()
  if (!qs) return path
  return path + (path.includes('?') ? '&' : '?') + qs
}

async function encodeBody(
  options: RequestOptions,
): Promise<{ body?: Buffer; contentType?: string }> {
  if (options.json !== undefined)
    return { body: Buffer.from(JSON.stringify(options.json)), contentType: 'application/json' }
  if (options.form !== undefined) {
    const params = new URLSearchParams()
    for (const [key, value] of Object.entries(options.form)) {
      for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item))
    }
    return {
      body: Buffer.from(params.toString()),
      contentType: 'application/x-www-form-urlencoded',
    }
  }
  if (options.multipart !== undefined) {
    const data = new FormData()
    for (const [key, value] of Object.entries(options.multipart)) {
      for (const item of Array.isArray(value) ? value : [value])
        data.append(key, item as string | Blob)
    }
    // Let the platform encode it (boundary and all), exactly as a browser's fetch would.
    const encoded = new Response(data)
    return {
      body: Buffer.from(await encoded.arrayBuffer()),
      contentType: encoded.headers.get('content-type')!,
    }
  }
  if (options.body !== undefined) return { body: Buffer.from(options.body) }
  return {}
}

/** An in-process HTTP client for one app. */
export class TestClient {
  readonly app: App
  readonly cookies = new CookieJar()
  readonly #options: TestClientOptions
  readonly #server: CreatedServer
  readonly #agent: Agent
  #started: Promise<void> | undefined

  constructor(app: App, options: TestClientOptions = {}) {
    this.app = app
    this.#options = options
    this.#server = createServer(app, options.server)
    const server = this.#server.server
    const remote = options.remoteAddress ?? '127.0.0.1'
    this.#agent = new Agent({ keepAlive: true, maxSockets: 16 })
    ;(this.#agent as unknown as { createConnection: unknown }).createConnection = () =>
      connectInMemory(server, remote)
  }

  /** Send a request with any method. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<TestResponse> {
    this.#started ??= this.app.start()
    await this.#started
    let response = await this.#send(method, path, options)
    const follow = options.followRedirects ?? this.#options.followRedirects ?? false
    for (
      let hops = 0;
      follow && hops < 10 && response.status >= 300 && response.status < 400;
      hops++
    ) {
      const location = response.headers.location
      if (!location) break
      const target = new URL(
        location,
        `http://${this.#options.host ?? 'testserver'}${response.url}`,
      )
      const keepMethod = response.status === 307 || response.status === 308
      response = await this.#send(
        keepMethod ? method : 'GET',
        target.pathname + target.search,
        keepMethod ? options : { headers: options.headers ?? {} },
      )
    }
    return response
  }

  async #send(method: string, path: string, options: RequestOptions): Promise<TestResponse> {
    const url = withQuery(path, options.query)
    const { body, contentType } = await encodeBody(options)
    const headers: Record<string, string | string[]> = {
      host: this.#options.host ?? 'testserver',
      ...this.#options.headers,
    }
    if (contentType) headers['content-type'] = contentType
    if (body) headers['content-length'] = String(body.length)
    const useJar = options.cookies ?? true
    const cookie = useJar ? this.cookies.header() : undefined
    if (cookie) headers.cookie = cookie
    Object.assign(headers, options.headers)
    return new Promise<TestResponse>((resolve, reject) => {
      const req = httpRequest({ method, path: url, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          if (useJar) this.cookies.store(res.headers['set-cookie'])
          const data = Buffer.concat(chunks)
          const text = data.toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: data,
            text,
            url,
            json() {
              try {
                return JSON.parse(text)
              } catch {
                throw new Error(
                  `Response body is not JSON (status ${res.statusCode}): ${text.slice(0, 500)}`,
                )
              }
            },
          })
        })
      })
      req.on('error', reject)
      req.end(body)
    })
  }

  get(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('GET', path, options)
  }
  head(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('HEAD', path, options)
  }
  post(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('POST', path, options)
  }
  put(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PUT', path, options)
  }
  patch(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PATCH', path, options)
  }
  delete(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('DELETE', path, options)
  }
  options(path: string, options?: RequestOptions): Promise<TestResponse> {
    return this.request('OPTIONS', path, options)
  }

  /**
   * Write raw bytes on a fresh connection and collect everything the server sends back until it
   * closes the connection (or `timeout` ms pass). For framing and hostile-input tests.
   *
   * @example
   * const reply = await client.raw('GET / HTTP/1.1\r\nHost : x\r\n\r\n') // 'HTTP/1.1 400 Bad Request…'
   */
  async raw(
    data: string | Uint8Array | ReadonlyArray<string | Uint8Array>,
    options: { timeout?: number; delay?: number } = {},
  ): Promise<string> {
    this.#started ??= this.app.start()
    await this.#started
    const socket = connectInMemory(this.#server.server, this.#options.remoteAddress ?? '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    const finished = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.timeout ?? 2000)
      socket.on('end', () => {
        clearTimeout(timer)
        resolve()
      })
      socket.on('close', () => {
        clearTimeout(timer)
        resolve()
      })
    })
    const parts = typeof data === 'string' || data instanceof Uint8Array ? [data] : data
    for (const part of parts) {
      if (socket.destroyed) break
      socket.write(part)
      if (options.delay) await new Promise((r) => setTimeout(r, options.delay))
    }
    await finished
    socket.destroy()
    return Buffer.concat(chunks).toString('utf8')
  }

  /** Run the app's shutdown hooks and drop pooled connections. */
  async close(): Promise<void> {
    this.#agent.destroy()
    this.#server.server.closeAllConnections()
    if (this.#started) await this.app.stop()
    this.#started = undefined
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/**
 * Create a test client for an app.
 *
 * @example
 * const client = testClient(app)
 * const res = await client.post('/products', { json: { name: 'Lamp', price: 25 } })
 * assert.equal(res.status, 201)
 */
export function testClient(app: App, options?: TestClientOptions): TestClient {
  return new TestClient(app, options)
}
