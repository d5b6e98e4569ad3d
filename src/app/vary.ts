/**
 * `appendVary`: add names to a response's `Vary` without losing what is there. Middleware that
 * makes a response depend on a request header (CORS on `Origin`, sessions on `Cookie`) must say so,
 * or a shared cache could serve one visitor's page to another.
 */
import type { Reply } from '../http/reply.ts'
import type { Context } from './context.ts'

function varyTokens(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '')
}

/**
 * Append `names` to the reply's `Vary`, keeping what the route put there (on the reply or with
 * `ctx.setHeader`); `*` absorbs everything.
 *
 * @example
 * app.use(async (ctx, next) => {
 *   const reply = await next()
 *   appendVary(ctx, reply, ['Accept-Language'])
 *   return reply
 * })
 */
export function appendVary(ctx: Context<any>, reply: Reply, names: readonly string[]): void {
  // Headers set with ctx.setHeader are merged *under* the reply's, so a Vary on the reply would
  // hide them: fold both into the reply's value.
  const tokens = [...varyTokens(ctx._resHeaders?.vary), ...varyTokens(reply.headers.vary)]
  if (tokens.includes('*')) {
    reply.header('vary', '*')
    return
  }
  // Names are case-insensitive: keep the first spelling of each, once.
  const seen = new Set<string>()
  const merged: string[] = []
  for (const name of [...tokens, ...names]) {
    if (seen.has(name.toLowerCase())) continue
    seen.add(name.toLowerCase())
    merged.push(name)
  }
  reply.header('vary', merged.join(', '))
}
