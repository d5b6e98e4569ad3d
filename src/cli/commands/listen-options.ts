/**
 * Options shared by the server commands (`start`, `dev`) and how they map onto `serve()`:
 * flags win over environment variables (`PORT`, `HOST`), which win over the defaults.
 *
 * The default host is 127.0.0.1 even for `start`, as with Django's runserver and Fastify: binding
 * every interface is a decision (`--host 0.0.0.0` or `HOST=0.0.0.0`, e.g. in a container), not an
 * accident.
 */
import type { OptionSpec } from '../command.ts'
import { UsageError } from '../command.ts'

export const appOption = {
  type: 'string',
  placeholder: '<module[#export]>',
  description: 'App module (default: "plinth.app" in package.json, else ./app.ts or ./src/app.ts)',
} satisfies OptionSpec

export const portOption = {
  type: 'string',
  short: 'p',
  placeholder: '<port>',
  description: 'Port to listen on (default: $PORT, else 8000; 0 picks a free port)',
} satisfies OptionSpec

export const hostOption = {
  type: 'string',
  placeholder: '<host>',
  description:
    'Interface to bind (default: $HOST, else 127.0.0.1; 0.0.0.0 accepts outside connections, e.g. in a container)',
} satisfies OptionSpec

/** Where to listen. */
export interface ListenSettings {
  port: number
  host: string
}

function parsePort(value: string, source: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new UsageError(`${source} must be a port number from 0 to 65535, got "${value}".`)
  }
  return Number(value)
}

/** Port and host from flags, then `PORT`/`HOST`, then 8000 and 127.0.0.1. */
export function resolveListenSettings(
  values: { port?: string | undefined; host?: string | undefined },
  env: Record<string, string | undefined>,
): ListenSettings {
  const port =
    values.port !== undefined
      ? parsePort(values.port, '--port')
      : env.PORT
        ? parsePort(env.PORT, 'The PORT environment variable')
        : 8000
  const host = values.host ?? (env.HOST || '127.0.0.1')
  if (host === '') throw new UsageError('--host must not be empty; try 127.0.0.1 or 0.0.0.0.')
  return { port, host }
}

/** Parse a non-negative integer option (milliseconds, counts). */
export function parseNonNegativeInteger(value: string, flag: string): number {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`${flag} must be a non-negative integer, got "${value}".`)
  }
  return Number(value)
}
