/**
 * Pending logins, kept in the visitor's server-side session between `/login/<provider>` and
 * `/callback/<provider>`.
 *
 * Why the session and not a signed cookie: a flow is taken out of the session (server-side) the
 * moment its callback arrives, so a replayed callback URL finds nothing, even when it comes with
 * the same cookies; a signed cookie cannot be "used up". The session also ties the flow to the
 * browser that started it (a callback URL sent to someone else fails), and it is already loaded
 * by the login that follows. Each flow expires after a few minutes and a session holds at most
 * {@link MAX_PENDING_FLOWS}, so links to `/login/…` cannot grow it.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { Session } from '../../sessions/index.ts'

/** What `/login/<provider>` remembers for its callback. */
export interface PendingFlow {
  provider: string
  state: string
  nonce: string
  /** The PKCE code verifier (its S256 challenge went to the provider). */
  verifier: string
  /** Where to go after login (checked to be on this site). */
  next: string | null
  /** The logged-in user who asked (by POST) to link the identity to their account, or null. */
  userId: number | string | null
  expiresAt: number
}

/** The session key holding pending flows. */
export const FLOWS_SESSION_KEY = 'plinth.oidc.flows'
/** Most pending flows per session (several tabs); the oldest are dropped first. */
export const MAX_PENDING_FLOWS = 5
/** Default lifetime of a pending flow: 10 minutes to log in at the provider. */
export const DEFAULT_FLOW_TIMEOUT_MS = 10 * 60 * 1000

function isFlow(value: unknown): value is PendingFlow {
  const flow = value as PendingFlow | null
  return (
    typeof flow === 'object' &&
    flow !== null &&
    typeof flow.provider === 'string' &&
    typeof flow.state === 'string' &&
    typeof flow.nonce === 'string' &&
    typeof flow.verifier === 'string' &&
    typeof flow.expiresAt === 'number'
  )
}

function pending(session: Session, now: number): PendingFlow[] {
  const stored = session.get<unknown[]>(FLOWS_SESSION_KEY)
  return Array.isArray(stored) ? stored.filter(isFlow).filter((f) => f.expiresAt > now) : []
}

function save(session: Session, flows: PendingFlow[]): void {
  if (flows.length === 0) session.delete(FLOWS_SESSION_KEY)
  else session.set(FLOWS_SESSION_KEY, flows.slice(-MAX_PENDING_FLOWS))
}

/** Remember a new flow (expired ones and the oldest beyond the cap are dropped). */
export function rememberFlow(session: Session, flow: PendingFlow, now: number): void {
  save(session, [...pending(session, now), flow])
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/**
 * Take the flow of `provider` whose state is `state` out of the session: it can be used once.
 * States are compared in constant time (as SHA-256 digests, so lengths do not matter either),
 * and every pending flow is compared, so timing reveals nothing about which one matched.
 */
export function takeFlow(
  session: Session,
  provider: string,
  state: unknown,
  now: number,
): PendingFlow | null {
  const flows = pending(session, now)
  if (typeof state !== 'string' || state === '' || state.length > 512) {
    save(session, flows)
    return null
  }
  const given = digest(state)
  let found = -1
  flows.forEach((flow, index) => {
    if (timingSafeEqual(digest(flow.state), given) && flow.provider === provider) found = index
  })
  const flow = found === -1 ? null : flows[found]!
  save(session, found === -1 ? flows : flows.filter((_, index) => index !== found))
  return flow
}
