/**
 * Flash messages (Django's messages framework) on top of the session: queue a message while
 * handling one request (`flash(ctx, 'Saved.', 'success')`), show it on the next page that renders
 * (`consumeMessages(ctx)`), typically after a redirect.
 */
import type { Context } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'
import { getSession } from './middleware.ts'

/** Message levels, from least to most severe (Django's). */
export const MESSAGE_LEVELS = ['debug', 'info', 'success', 'warning', 'error'] as const
export type MessageLevel = (typeof MESSAGE_LEVELS)[number]

/** A queued message, as templates receive it: `{{ m.level }}`, `{{ m.message }}`. */
export interface FlashMessage {
  level: MessageLevel
  message: string
}

/** The session key holding queued messages. */
export const MESSAGES_SESSION_KEY = 'plinth.messages'
/** Most messages kept per session; older ones are dropped first (a page that is never shown cannot grow the session forever). */
export const MAX_QUEUED_MESSAGES = 50

function queued(value: unknown): FlashMessage[] {
  if (!Array.isArray(value)) return []
  return value.filter(
    (item): item is FlashMessage =>
      item !== null &&
      typeof item === 'object' &&
      typeof item.message === 'string' &&
      MESSAGE_LEVELS.includes(item.level),
  )
}

/**
 * Queue a message for the next page this visitor sees. Needs the `sessions()` middleware.
 *
 * @example
 * app.post('/profile', async (ctx) => {
 *   // … save …
 *   await flash(ctx, 'Profile saved.', 'success')
 *   return redirect('/profile')
 * })
 */
export async function flash(
  ctx: Context<any>,
  message: string,
  level: MessageLevel = 'info',
): Promise<void> {
  if (typeof message !== 'string') {
    throw new PlinthError(
      'PLINTH_SESSIONS_INVALID_MESSAGE',
      `flash(ctx, message): message must be a string, got ${typeof message}.`,
    )
  }
  if (!MESSAGE_LEVELS.includes(level)) {
    throw new PlinthError(
      'PLINTH_SESSIONS_INVALID_MESSAGE',
      `flash(ctx, message, level): level must be one of ${MESSAGE_LEVELS.join(', ')}, got ${JSON.stringify(level)}.`,
    )
  }
  const session = await getSession(ctx)
  const messages = queued(session.get(MESSAGES_SESSION_KEY))
  messages.push({ level, message })
  session.set(MESSAGES_SESSION_KEY, messages.slice(-MAX_QUEUED_MESSAGES))
}

/**
 * The queued messages, oldest first, removed from the session (each message is shown once).
 * Messages are plain text: templates escape them like any other value.
 *
 * @example
 * app.get('/profile', async (ctx) =>
 *   render(ctx, 'profile.html', { messages: await consumeMessages(ctx) }),
 * )
 * // profile.html:
 * // {% for m in messages %}<p class="message {{ m.level }}">{{ m.message }}</p>{% endfor %}
 */
export async function consumeMessages(ctx: Context<any>): Promise<FlashMessage[]> {
  const session = await getSession(ctx)
  if (!session.has(MESSAGES_SESSION_KEY)) return []
  const messages = queued(session.get(MESSAGES_SESSION_KEY))
  session.delete(MESSAGES_SESSION_KEY)
  return messages
}
