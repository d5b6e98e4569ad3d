/**
 * The `node:http` server for an app, with safe timeouts and the shutdown behaviour `serve()` and
 * the test client share.
 *
 * Timeouts (all configurable): headers must arrive within 30 s, the whole request within 120 s,
 * idle keep-alive connections close after 72 s (longer than common load-balancer idle timeouts, as
 * Fastify does). Once shutdown starts, every response carries `Connection: close` and requests that
 * arrive on existing keep-alive connections get 503, so clients move to another instance.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import type { Socket } from 'node:net'
import type { App } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'

/** Server timeouts and limits. */
export interface ServerOptions {
  /** Milliseconds to receive the request headers (slowloris bound). Default 30 000. */
  headersTimeout?: number
  /** Milliseconds to receive the whole request, body included. Default 120 000. */
  requestTimeout?: number
  /** Milliseconds an idle keep-alive connection stays open. Default 72 000. */
  keepAliveTimeout?: number
  /** Maximum bytes of request headers (431 beyond). Default 16 384. */
  maxHeaderSize?: number
  /** Requests served per connection before it is closed (0 = unlimited). Default 0. */
  maxRequestsPerSocket?: number
}

/** A server with its shutdown switch. */
export interface CreatedServer {
  server: Server
  /** True once shutdown has begun. */
  readonly closing: boolean
  /** Start refusing new work: `Connection: close` on responses, 503 for new requests. */
  beginShutdown(): void
  /** Number of requests being handled right now. */
  readonly inFlight: number
  /** Resolves once no request is being handled (immediately when none is). */
  whenIdle(): Promise<void>
}

const DEFAULTS = {
  headersTimeout: 30_000,
  requestTimeout: 120_000,
  keepAliveTimeout: 72_000,
  maxHeaderSize: 16_384,
  maxRequestsPerSocket: 0,
} satisfies Required<ServerOptions>

/** Validate server options (positive integers; headers timeout not above request timeout). */
export function resolveServerOptions(options: ServerOptions = {}): Required<ServerOptions> {
  const resolved = { ...DEFAULTS }
  for (const [key, value] of Object.entries(options)) {
    if (!(key in DEFAULTS)) continue
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new PlinthError(
        'PLINTH_CONFIG_INVALID',
        `Server option "${key}" must be a non-negative integer, got ${JSON.stringify(value)}.`,
      )
    }
    resolved[key as keyof ServerOptions] = value
  }
  if (resolved.requestTimeout > 0 && resolved.headersTimeout > resolved.requestTimeout) {
    throw new PlinthError(
      'PLINTH_CONFIG_INVALID',
      'Server option "headersTimeout" must not exceed "requestTimeout".',
    )
  }
  return resolved
}

const SHUTDOWN_BODY = JSON.stringify({
  error: {
    status: 503,
    code: 'shutting_down',
    message: 'The server is shutting down; retry on another connection.',
  },
})

/** Parser and timeout errors with a more precise status than 400 (as Node's default handler). */
const CLIENT_ERROR_STATUS: Record<string, readonly [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'Payload Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
}

/**
 * Create (but do not start) the HTTP server for an app.
 *
 * @example
 * const { server } = createServer(app, { requestTimeout: 30_000 })
 * server.listen(8000)
 */
export function createServer(app: App, options?: ServerOptions): CreatedServer {
  const settings = resolveServerOptions(options)
  let closing = false
  // Connections, not requests, are tracked: one Set entry per keep-alive connection instead of a
  // Set entry and a listener per request, which kept every response alive until 'close' and cost
  // 5-30% of throughput in GC (bench/README.md). The request in flight on a connection is found,
  // when needed, from the socket's current response.
  const sockets = new Set<Socket>()
  const handler = app.handler
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (closing) {
      res.shouldKeepAlive = false
      res.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'retry-after': '1',
      })
      res.end(SHUTDOWN_BODY)
      return
    }
    handler(req, res)
  }
  const server = createHttpServer(
    {
      headersTimeout: settings.headersTimeout,
      requestTimeout: settings.requestTimeout,
      keepAliveTimeout: settings.keepAliveTimeout,
      maxHeaderSize: settings.maxHeaderSize,
      connectionsCheckingInterval: Math.min(
        5_000,
        Math.max(100, Math.floor(settings.headersTimeout / 4)),
      ),
      requireHostHeader: true,
    },
    listener,
  )
  server.maxRequestsPerSocket = settings.maxRequestsPerSocket
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const inFlight = (): ServerResponse[] => {
    const responses: ServerResponse[] = []
    for (const socket of sockets) {
      const res = currentResponse(socket)
      if (res !== null && !res.writableFinished) responses.push(res)
    }
    return responses
  }
  // Never let a socket error (ECONNRESET from a client that vanished) become an uncaught exception.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // A response already under way on this socket (a streamed reply to a slow upload): raw status
    // bytes would corrupt it, so the only honest signal left is closing the connection.
    const current = currentResponse(socket as Socket)
    if (error.code === 'ECONNRESET' || !socket.writable || current?.headersSent) {
      socket.destroy()
      return
    }
    const [status, reason] = CLIENT_ERROR_STATUS[error.code ?? ''] ?? [400, 'Bad Request']
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
  })
  return {
    server,
    get closing() {
      return closing
    },
    beginShutdown() {
      closing = true
      // Requests already being handled finish normally but close their connection afterwards.
      for (const res of inFlight()) if (!res.headersSent) res.shouldKeepAlive = false
    },
    get inFlight() {
      return inFlight().length
    },
    whenIdle() {
      const pending = inFlight()
      if (pending.length === 0) return Promise.resolve()
      return new Promise<void>((resolve) => {
        let left = pending.length
        const done = () => {
          if (--left === 0) resolve()
        }
        for (const res of pending) res.once('close', done)
      })
    },
  }
}

/** The response being written on a connection (Node keeps it on the socket), or null when idle. */
function currentResponse(socket: Socket): ServerResponse | null {
  return (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? null
}
