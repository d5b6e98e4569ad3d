/**
 * A minimal Redis connection for Plinth's shared stores (sessions, rate limits, later the cache).
 *
 * Plinth talks to Redis through one method, `command(args)`, so any client plugs in: pass a URL
 * and Plinth connects with `redis` (node-redis, an optional peer dependency, loaded on first use),
 * or wrap a client you already have with {@link redisFrom} (node-redis or ioredis). Scripts run
 * with `EVALSHA` and fall back to `EVAL` once when the server does not know them yet, so atomic
 * read-modify-write logic (a rate-limit window, say) costs one round trip.
 */
import { createHash } from 'node:crypto'
import { PlinthError } from '../http/index.ts'

/** One Redis connection as Plinth's stores use it. */
export interface Redis {
  /** Send one command, e.g. `['SET', 'k', 'v', 'PX', '1000']`; resolves with the raw reply. */
  command(args: ReadonlyArray<string | number>): Promise<unknown>
  /** Close the connection (only when Plinth opened it; a wrapped client stays yours to close). */
  close(): Promise<void>
}

/** A client Plinth can wrap: node-redis (`sendCommand`) or ioredis (`call`). */
export type RedisClientLike =
  | { sendCommand(args: string[]): Promise<unknown> }
  | { call(command: string, ...args: string[]): Promise<unknown> }

/** What stores accept: a URL (`redis://127.0.0.1:6379/0`), a wrapped client, or a {@link Redis}. */
export type RedisInput = string | Redis | RedisClientLike

/**
 * Wrap an existing client. Closing the wrapper does not close your client.
 *
 * @example
 * import { createClient } from 'redis'
 * const client = await createClient({ url: process.env.REDIS_URL }).connect()
 * const redis = redisFrom(client)
 */
export function redisFrom(client: RedisClientLike): Redis {
  if ('sendCommand' in client && typeof client.sendCommand === 'function') {
    return {
      command: (args) => client.sendCommand(args.map(String)),
      close: async () => {},
    }
  }
  if ('call' in client && typeof client.call === 'function') {
    return {
      command: (args) => client.call(String(args[0]), ...args.slice(1).map(String)),
      close: async () => {},
    }
  }
  throw new PlinthError(
    'PLINTH_REDIS_CLIENT',
    'Expected a node-redis client (with sendCommand) or an ioredis client (with call).',
  )
}

/**
 * A connection to `url`, opened on the first command with the `redis` package (install it with
 * `npm install redis`). Connection errors reject the command that needed the connection; the
 * next command tries again.
 *
 * @example
 * const redis = connectRedis('redis://127.0.0.1:6379')
 * await redis.command(['PING']) // 'PONG'
 * await redis.close()
 */
export function connectRedis(url: string): Redis {
  if (!/^rediss?:\/\//.test(url)) {
    throw new PlinthError(
      'PLINTH_REDIS_URL',
      `Redis URLs start with redis:// or rediss://, got ${JSON.stringify(url)}.`,
    )
  }
  let connecting: Promise<NodeRedisClient> | undefined
  const connect = (): Promise<NodeRedisClient> => {
    connecting ??= openNodeRedis(url).catch((error: unknown) => {
      connecting = undefined
      throw error
    })
    return connecting
  }
  return {
    async command(args) {
      const client = await connect()
      return client.sendCommand(args.map(String))
    },
    async close() {
      if (connecting === undefined) return
      const pending = connecting
      connecting = undefined
      const client = await pending.catch(() => undefined)
      await client?.close()
    },
  }
}

/** Resolve a store's `redis` option. */
export function toRedis(input: RedisInput): Redis {
  if (typeof input === 'string') return connectRedis(input)
  if ('command' in input && typeof input.command === 'function') return input as Redis
  return redisFrom(input as RedisClientLike)
}

interface NodeRedisClient {
  sendCommand(args: string[]): Promise<unknown>
  close(): Promise<void>
}

async function openNodeRedis(url: string): Promise<NodeRedisClient> {
  let module: { createClient(options: object): any }
  try {
    module = (await import('redis')) as typeof module
  } catch (cause) {
    throw new PlinthError(
      'PLINTH_REDIS_MISSING',
      'Connecting to Redis by URL needs the "redis" package: run `npm install redis`, or pass a client you created yourself.',
      { cause },
    )
  }
  let ready = false
  const client = module.createClient({
    url,
    // Fail a command fast instead of queueing it forever while Redis is down.
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 5_000,
      // Before the first connection succeeds, give up at once (the command rejects and the next
      // one tries again); once connected, keep reconnecting in the background.
      reconnectStrategy: (retries: number, cause: Error) =>
        ready ? Math.min(retries * 100, 2_000) : cause,
    },
  })
  client.on('ready', () => {
    ready = true
  })
  // Without a listener an 'error' event (Redis restarting) would crash the process.
  client.on('error', () => {})
  await client.connect()
  return {
    sendCommand: (args) => client.sendCommand(args),
    close: async () => {
      await (typeof client.close === 'function' ? client.close() : client.quit())
    },
  }
}

/** A Lua script run atomically on the server. Create once (module level) and reuse. */
export class RedisScript {
  readonly source: string
  readonly sha1: string
  constructor(source: string) {
    this.source = source
    this.sha1 = createHash('sha1').update(source).digest('hex')
  }

  /** Run with `EVALSHA`, loading the script with `EVAL` when the server answers `NOSCRIPT`. */
  async run(
    redis: Redis,
    keys: ReadonlyArray<string>,
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    try {
      return await redis.command(['EVALSHA', this.sha1, keys.length, ...keys, ...args])
    } catch (error) {
      if (!String((error as Error)?.message ?? error).includes('NOSCRIPT')) throw error
      return redis.command(['EVAL', this.source, keys.length, ...keys, ...args])
    }
  }
}
