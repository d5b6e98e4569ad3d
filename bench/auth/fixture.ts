/**
 * bench/auth.ts's fixture: the variants of servers/plinth-auth.ts, starting one pinned to CPU 0
 * with the credentials it prints, checking that it answers as it should, and wrk's command line
 * with those credentials.
 */
import { type RunningServer, startServer, type Test, wrkArgs } from '../harness.ts'

export interface Variant {
  id: string
  /** What the variant adds over `bare`, for the report. */
  description: string
}

export const VARIANTS: Variant[] = [
  { id: 'bare', description: 'no middleware, a fixed name (the baseline)' },
  {
    id: 'orm-lookup',
    description:
      'no middleware, the user fetched by id through the ORM (SQLite file) on every request — reference: the lookup every authenticator does',
  },
  {
    id: 'sessions-memory',
    description: "`sessions({ store: 'memory' })` + `auth.middleware` + `getUser(ctx)`",
  },
  {
    id: 'sessions-sqlite',
    description: '`sessions({ store: databaseSessionStore() })` on the SQLite file + auth',
  },
  {
    id: 'sessions-redis',
    description: '`sessions({ store: redisSessionStore() })` on 127.0.0.1:6379 + auth',
  },
  {
    id: 'full',
    description:
      '`secureHeaders()` + memory sessions + `csrf()` + `auth.middleware` + `requireLogin` as a dependency',
  },
  {
    id: 'jwt',
    description: '`jwtAuthenticator(tokens)` (HS256 bearer token) + `getUser(ctx)`, no sessions',
  },
]

export const ME: Test = {
  id: 'me',
  label: 'GET /me',
  path: '/me',
  pipeline: false,
  body: '{"user":"ada"}',
  contentType: /^application\/json\b/,
}

/** What the fixture prints once listening (empty strings when the variant needs none). */
interface FixtureLine {
  port: number
  cookie: string
  authorization: string
}

export interface Fixture extends RunningServer<FixtureLine> {
  /** Request headers that make the request authenticated (`Cookie`, `Authorization`). */
  headers: Record<string, string>
}

/** Start `servers/plinth-auth.ts --variant <id>` pinned to CPU 0 and read its credentials. */
export async function startFixture(
  variant: Variant,
  pinning: boolean,
  nodeFlags: readonly string[] = [],
): Promise<Fixture> {
  const server = await startServer<FixtureLine>(
    {
      label: `variant ${variant.id}`,
      script: 'servers/plinth-auth.ts',
      args: ['--variant', variant.id],
      startTimeout: 30_000,
    },
    pinning,
    nodeFlags,
  )
  const headers: Record<string, string> = {}
  if (server.line.cookie) headers.Cookie = server.line.cookie
  if (server.line.authorization) headers.Authorization = server.line.authorization
  return { ...server, headers }
}

/** 200 with the right user when authenticated; anything but that user when anonymous. */
export async function checkFixture(fixture: Fixture, variant: Variant): Promise<void> {
  const url = `http://127.0.0.1:${fixture.port}${ME.path}`
  const response = await fetch(url, { headers: fixture.headers })
  const body = await response.text()
  const type = response.headers.get('content-type') ?? ''
  if (response.status !== 200 || body !== ME.body || !ME.contentType.test(type)) {
    throw new Error(
      `variant ${variant.id} answered GET /me wrongly: ${response.status} ${type} ${JSON.stringify(body)} (expected 200 ${ME.body})`,
    )
  }
  if (variant.id === 'bare' || variant.id === 'orm-lookup') return
  // The auth stack must actually be deciding: without credentials, no user.
  const anonymous = await fetch(url)
  const anonymousBody = await anonymous.text()
  if (anonymous.status === 200 && anonymousBody === ME.body) {
    throw new Error(`variant ${variant.id} answered an anonymous GET /me with the user`)
  }
}

/** wrk against `GET /me` with the fixture's credentials (not pinned). */
export function fixtureWrkArgs(
  connections: number,
  fixture: Pick<Fixture, 'port' | 'headers'>,
  seconds: number,
): string[] {
  const args = wrkArgs(connections, ME, fixture.port, seconds)
  const url = args.pop()!
  for (const [name, value] of Object.entries(fixture.headers)) args.push('-H', `${name}: ${value}`)
  args.push(url)
  return args
}
