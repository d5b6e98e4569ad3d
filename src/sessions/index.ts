/**
 * Plinth sessions: server-side sessions behind an unguessable cookie token (only its SHA-256
 * reaches the store), idle and absolute expiry, rotation against fixation, memory / database /
 * Redis stores, and flash messages. Guide: docs/sessions.md.
 *
 * @example
 * app.use(sessions({ store: databaseSessionStore() }))
 * app.get('/', async (ctx) => {
 *   const session = await getSession(ctx)
 *   session.set('visits', (session.get<number>('visits') ?? 0) + 1)
 *   return { visits: session.get('visits'), messages: await consumeMessages(ctx) }
 * })
 */
export {
  DatabaseSessionStore,
  type DatabaseSessionStoreOptions,
  databaseSessionStore,
} from './database-store.ts'
export {
  MemorySessionStore,
  type MemorySessionStoreOptions,
  memorySessionStore,
} from './memory-store.ts'
export {
  consumeMessages,
  type FlashMessage,
  flash,
  MAX_QUEUED_MESSAGES,
  MESSAGE_LEVELS,
  MESSAGES_SESSION_KEY,
  type MessageLevel,
} from './messages.ts'
export { getSession, peekSession, sessions } from './middleware.ts'
export { SessionModel } from './model.ts'
export { sessionsModule } from './module.ts'
export {
  DEFAULT_ABSOLUTE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  type SessionsOptions,
} from './options.ts'
export {
  RedisSessionStore,
  type RedisSessionStoreOptions,
  redisSessionStore,
} from './redis-store.ts'
export { Session } from './session.ts'
export {
  type JsonValue,
  parseSessionRecord,
  type SessionRecord,
  type SessionStore,
} from './store.ts'
