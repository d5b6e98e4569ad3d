/**
 * Accounts: sign-up, login, logout and a page only logged-in users see. Every form carries a
 * CSRF token (`{% csrf_token %}`), logins are throttled per account and per IP, and logging in
 * rotates the session id. The handlers re-render the form with the problems on bad input and
 * redirect after success (post/redirect/get), as a Django view would.
 */
import { HttpError, Router, redirect, safeRedirect, ValidationError } from 'plinth'
import { attemptLogin, logout, requireLogin, signUp } from 'plinth/auth'
import { flash } from 'plinth/sessions'
import { pageRender } from '../page-context.ts'

const FORM_FIELDS = ['username', 'email', 'password', 'passwordConfirm'] as const

/** Field name → messages, from a sign-up `ValidationError`. */
function fieldErrors(error: ValidationError): Record<string, string[]> {
  const errors: Record<string, string[]> = {}
  for (const issue of error.issues) {
    const field = String(issue.path?.[0] ?? 'username')
    errors[field] = [...(errors[field] ?? []), issue.message]
  }
  return errors
}

export function accountRoutes(): Router {
  const account = new Router({ namespace: 'account', tags: ['account'] })

  account.get('/signup', { name: 'signup', hidden: true }, (ctx) =>
    pageRender(ctx, 'signup.html', { values: {}, errors: {} }),
  )

  account.post('/signup', { name: 'signup-submit', hidden: true }, async (ctx) => {
    const form = await ctx.form()
    const input = Object.fromEntries(FORM_FIELDS.map((f) => [f, String(form[f] ?? '')]))
    try {
      const user = await signUp(ctx, input, { login: true })
      await flash(ctx, `Welcome, ${user.username}! Your account is ready.`, 'success')
      return redirect(ctx.url('account:account'), 303)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const values = { username: input.username, email: input.email }
      return pageRender(ctx, 'signup.html', { values, errors: fieldErrors(error) }, { status: 422 })
    }
  })

  account.get('/login', { name: 'login', hidden: true }, (ctx) =>
    pageRender(ctx, 'login.html', { next: String(ctx.query.next ?? ''), username: '', error: '' }),
  )

  account.post('/login', { name: 'login-submit', hidden: true }, async (ctx) => {
    const form = await ctx.form()
    const next = String(form.next ?? '')
    try {
      await attemptLogin(ctx, { username: form.username, password: form.password })
    } catch (error) {
      // Wrong credentials (400) and too many attempts (429) re-render the form with the reason.
      if (!(error instanceof HttpError) || (error.status !== 400 && error.status !== 429))
        throw error
      const data = { next, username: String(form.username ?? ''), error: error.message }
      return pageRender(ctx, 'login.html', data, { status: error.status, headers: error.headers })
    }
    // `next` comes from the query string: only a path on this site is followed.
    return safeRedirect(next, ctx.url('account:account'), { status: 303 })
  })

  account.post('/logout', { name: 'logout', hidden: true }, async (ctx) => {
    await logout(ctx)
    await flash(ctx, 'You are logged out.', 'info')
    return redirect(ctx.url('pages:home'), 303)
  })

  account.get(
    '/account',
    { name: 'account', hidden: true, deps: { user: requireLogin } },
    (ctx) => {
      const { username, email, dateJoined } = ctx.deps.user
      const joined = dateJoined.toISOString().slice(0, 10)
      return pageRender(ctx, 'account.html', { account: { username, email, joined } })
    },
  )

  return account
}
