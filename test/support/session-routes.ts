/**
 * The shop routes session tests drive: fill a cart anonymously, log in (a new session id, the
 * cart carried over), log out (the session destroyed server-side).
 */
import type { App } from 'plinth'
import { getSession } from 'plinth/sessions'

/**
 * Add `POST /cart` (puts `['lamp']` in the cart), `POST /login` (rotates the session, sets user
 * `ada`, answers the cart it carried over) and `POST /logout` (destroys the session).
 */
export function addCartLoginLogout(app: App): void {
  app.post('/cart', async (ctx) => {
    ;(await getSession(ctx)).set('cart', ['lamp'])
    return { ok: true }
  })
  app.post('/login', async (ctx) => {
    const session = await getSession(ctx)
    await session.rotate()
    session.set('user', 'ada')
    return { cart: session.get('cart') }
  })
  app.post('/logout', async (ctx) => {
    await (await getSession(ctx)).destroy()
    return { ok: true }
  })
}
