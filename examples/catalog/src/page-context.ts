/**
 * Every page shows who is logged in and the flash messages waiting for them (`base.html` reads
 * `user` and `messages`): `pageRender` adds both to what a handler passes, so no handler forgets.
 */
import { type Context, type Reply, type ReplyInit, typedRender } from 'plinth'
import { getUser } from 'plinth/auth'
import { consumeMessages } from 'plinth/sessions'
import type { TemplateContexts } from './template-contexts.ts'

/** `render()` checked against what each template reads (`npm run templates:types` updates it). */
const render = typedRender<TemplateContexts>()

type PageData<Name extends keyof TemplateContexts> = Omit<
  TemplateContexts[Name],
  'user' | 'messages'
>

/**
 * Render a page with the current user and the pending flash messages.
 *
 * @example
 * return pageRender(ctx, 'account.html', { account })
 */
export async function pageRender<Name extends keyof TemplateContexts & string>(
  ctx: Context<any>,
  name: Name,
  data: PageData<Name>,
  init?: ReplyInit,
): Promise<Reply> {
  const user = await getUser(ctx)
  const messages = await consumeMessages(ctx)
  const full = { ...data, user: user && { username: user.username }, messages }
  return (render as (ctx: Context<any>, name: Name, data: unknown, init?: ReplyInit) => Reply)(
    ctx,
    name,
    full,
    init,
  )
}
