/**
 * Type-level tests: handler inputs and results are typed from paths, schemas and dependencies.
 * `npm run typecheck` (and CI) compiles this file; each `@ts-expect-error` fails the build if the
 * line ever stops being an error. The runtime part only checks the routes register.
 */
import assert from 'node:assert/strict'
import { it } from 'node:test'
import { createApp, dependency, json, Router, text } from 'plinth'
import { z } from 'zod'

const app = createApp({ logger: false })

// Path parameters come from the path string.
app.get('/orgs/:org/repos/*path', (ctx) => {
  const org: string = ctx.params.org
  const path: string = ctx.params.path
  // @ts-expect-error there is no :repo parameter in this path
  ctx.params.repo
  return { org, path }
})

// Schemas replace the defaults and drive the types.
app.post(
  '/items/:id',
  {
    params: z.object({ id: z.number() }),
    query: z.object({ dry: z.boolean().default(false) }),
    body: z.object({ name: z.string(), tags: z.array(z.string()) }),
    headers: z.object({ 'x-version': z.number() }),
    cookies: z.object({ theme: z.enum(['dark', 'light']) }),
  },
  (ctx) => {
    const id: number = ctx.params.id
    const dry: boolean = ctx.query.dry
    const tags: string[] = ctx.body.tags
    const version: number = ctx.headers['x-version']
    const theme: 'dark' | 'light' = ctx.cookies.theme
    // @ts-expect-error the body has no price
    ctx.body.price
    return { id, dry, tags, version, theme }
  },
)

// Without a body schema there is no typed body; read it explicitly.
app.post('/raw', async (ctx) => {
  const body: undefined = ctx.body
  const parsed: unknown = await ctx.json()
  const query: string | string[] | undefined = ctx.query.q
  return { body, parsed, query }
})

// The response schema types what the handler may return.
const Product = z.object({ id: z.number(), name: z.string() })
app.get('/products/:id', { response: Product }, () => ({ id: 1, name: 'Lamp' }))
app.get('/products-async/:id', { response: Product }, async () => ({ id: 1, name: 'Lamp' }))
app.get('/products-reply/:id', { response: Product }, () =>
  json({ anything: 'goes through json()' }),
)
// @ts-expect-error name must be a string
app.get('/products-wrong/:id', { response: Product }, () => ({ id: 1, name: 2 }))

// Dependencies are typed into ctx.deps.
const user = dependency(() => ({ name: 'ada', staff: true }))
const guard = dependency(() => {
  throw new Error('always refuses')
})
app.get('/me', { deps: { user, guard } }, (ctx) => {
  const name: string = ctx.deps.user.name
  // @ts-expect-error no such dependency
  ctx.deps.session
  return { name }
})

// Routers share the same typed API.
const router = new Router({ namespace: 'r' })
router.get('/:slug', (ctx) => text(ctx.params.slug))
app.include(router, { prefix: '/r' })

it('registers the typed routes', () => {
  assert.equal(app.routes().length, 9)
})
