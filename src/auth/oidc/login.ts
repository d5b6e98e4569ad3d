/**
 * `oidcLogin()`: the two routes of an OpenID Connect login (authorization code flow with PKCE).
 *
 * `POST|GET /login/:provider` creates state, nonce and a PKCE verifier, keeps them in the session
 * (see flow.ts for why) and redirects to the provider. `GET /callback/:provider` takes the
 * pending flow out of the session by its state (constant-time, single use), lets openid-client
 * exchange the code with the verifier and check the ID token (signature, `iss`, `aud`, `exp`,
 * `nonce`), links the identity to a user and logs them in with `auth.login()` (a new session id).
 */

import * as client from 'openid-client'
import type { Context, Middleware } from '../../app/index.ts'
import { Router } from '../../app/index.ts'
import { isSafeRedirect, PlinthError, redirect, safeRedirect } from '../../http/index.ts'
import type { AnyModel } from '../../orm/index.ts'
import { flash, getSession } from '../../sessions/index.ts'
import type { AnyUserModel, Auth } from '../auth.ts'
import { User, type UserRow } from '../models.ts'
import { exchangeError, OidcLoginError, unavailable } from './errors.ts'
import { DEFAULT_FLOW_TIMEOUT_MS, rememberFlow, takeFlow } from './flow.ts'
import { identityFrom, type OidcIdentity } from './identity.ts'
import { type LinkingOptions, linkIdentity, type OidcLoginHook } from './linking.ts'
import { SocialAccount } from './models.ts'
import type { OidcProvider } from './provider.ts'

/** Options of {@link oidcLogin}. */
export interface OidcLoginOptions {
  /** The providers people can log in with (made with `oidcProvider()`). */
  providers: readonly OidcProvider[]
  /** Where to go after login when no safe `?next=` was given. Default `/`. */
  redirectTo?: string
  /**
   * Instead of answering a failed login with a 4xx error, flash its message (an `error` flash
   * message) and redirect here with `?error=<code>`. Default: none (the error response).
   */
  failureRedirect?: string
  /** Create a user on an identity's first login. Default `true`; `false` answers 403 `oidc_signup_closed`. */
  createUsers?: boolean
  /** Decide who an identity logs in as (see {@link OidcLoginHook}); the default policy otherwise. */
  onLogin?: OidcLoginHook
  /** Extra fields for users created by a first login. */
  newUserFields?: (identity: OidcIdentity) => Record<string, unknown>
  /** The linked-account model (default `SocialAccount`; needed with a custom user model). */
  accountModel?: AnyModel
  /**
   * Let `GET /login/<provider>` start a login (a plain link; it never links the identity to the
   * logged-in user: that takes a POST). Default `true`; `false` accepts POST only, which also
   * stops other sites from starting a login in the visitor's browser.
   */
  loginOnGet?: boolean
  /** How long a started login may take at the provider (ms). Default 10 minutes. */
  flowTimeoutMs?: number
}

function configError(message: string): PlinthError {
  return new PlinthError('PLINTH_AUTH_OIDC_CONFIG', `oidcLogin(): ${message}`)
}

function checkPath(what: string, value: string | undefined): void {
  if (value !== undefined && (!value.startsWith('/') || !isSafeRedirect(value))) {
    throw configError(
      `${what} must be a path on this site starting with "/", got ${JSON.stringify(value)}.`,
    )
  }
}

/** No cache may keep these answers, and the code in the callback URL must not leak in a Referer. */
const noStore: Middleware = async (_ctx, next) =>
  (await next()).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer')

/**
 * The social login routes, as a router to include under a prefix: `POST <prefix>/login/<provider>`
 * (a form button; when someone is logged in, it links the identity to them), `GET` on the same
 * path (a plain link that logs in; `loginOnGet: false` turns it off), both taking `next=/path`
 * to come back to, and `GET <prefix>/callback/<provider>` (the `redirectUri` registered at the
 * provider). Needs `sessions()` and the auth middleware on the app, and `csrf()` for the POST.
 *
 * @example
 * app.use(sessions({ store: databaseSessionStore() }))
 * app.use(auth.middleware)
 * app.include(oidcLogin(auth, { providers: [google] }), { prefix: '/auth' })
 * // <a href="/auth/login/google?next=/account">Sign in with Google</a>
 * // <form method="post" action="/auth/login/google">{% csrf_token %}<button>Connect Google</button></form>
 */
export function oidcLogin(auth: Auth<any>, options: OidcLoginOptions): Router {
  const providers = new Map<string, OidcProvider>()
  for (const provider of options?.providers ?? []) {
    if (providers.has(provider.name))
      throw configError(`two providers are named "${provider.name}".`)
    providers.set(provider.name, provider)
  }
  if (providers.size === 0)
    throw configError(
      'needs at least one provider: oidcLogin(auth, { providers: [oidcProvider({ … })] }).',
    )
  const redirectTo = options.redirectTo ?? '/'
  checkPath('redirectTo', redirectTo)
  checkPath('failureRedirect', options.failureRedirect)
  if (options.accountModel === undefined && auth.userModel !== User) {
    throw configError(
      'the built-in SocialAccount links to the built-in User; with a custom user model define a model with socialAccountFields(() => YourUser) and pass it as accountModel.',
    )
  }
  const flowTimeoutMs = options.flowTimeoutMs ?? DEFAULT_FLOW_TIMEOUT_MS
  if (!(flowTimeoutMs > 0))
    throw configError('flowTimeoutMs must be a positive number of milliseconds.')
  const linking: LinkingOptions = {
    auth: auth as Auth<AnyUserModel>,
    accountModel: options.accountModel ?? SocialAccount,
    createUsers: options.createUsers ?? true,
    onLogin: options.onLogin,
    newUserFields: options.newUserFields,
  }

  const providerOf = (ctx: Context): OidcProvider => {
    const provider = providers.get(String((ctx.params as { provider: string }).provider))
    if (provider === undefined)
      throw new OidcLoginError(404, 'There is no such login provider.', 'oidc_unknown_provider')
    return provider
  }
  /** The logged-in (session) user, or null. */
  const sessionUser = async (ctx: Context): Promise<UserRow | null> => {
    const authentication = await auth.authentication(ctx)
    return authentication?.method === 'session' ? authentication.user : null
  }

  const router = new Router({ middleware: [noStore] })
  /**
   * Start a login. Only a POST (CSRF-checked by the app's `csrf()` middleware) may link the
   * identity to the logged-in user: a GET can be triggered by any other site, and one that linked
   * would let an attacker who logged the victim's browser into the attacker's provider account
   * attach that account to the victim's (OmniAuth's CVE-2015-9284).
   */
  async function start(ctx: Context, link: boolean) {
    const provider = providerOf(ctx)
    const configuration = await provider.configuration().catch((error: unknown) => {
      throw unavailable(error, provider.label)
    })
    let next = (ctx.query as Record<string, unknown>).next
    if (next === undefined && link && ctx.contentType !== null) next = (await ctx.form()).next
    const user = link ? await sessionUser(ctx) : null
    const verifier = client.randomPKCECodeVerifier()
    const flow = {
      provider: provider.name,
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier,
      next: typeof next === 'string' && isSafeRedirect(next) ? next : null,
      userId: (user?.id as number | string | undefined) ?? null,
      expiresAt: Date.now() + flowTimeoutMs,
    }
    rememberFlow(await getSession(ctx), flow, Date.now())
    const url = client.buildAuthorizationUrl(configuration, {
      ...provider.authorizationParams,
      redirect_uri: provider.redirectUri.href,
      scope: provider.scopes.join(' '),
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    })
    // The target comes from the provider's discovered metadata, never from the request.
    return redirect(url.href, { status: link ? 303 : 302, allowExternal: true })
  }
  router.post('/login/:provider', { name: 'oidc-login', hidden: true }, (ctx) => start(ctx, true))
  if (options.loginOnGet ?? true) {
    router.get('/login/:provider', { hidden: true }, (ctx) => start(ctx, false))
  }

  router.get('/callback/:provider', { name: 'oidc-callback', hidden: true }, async (ctx) => {
    try {
      return await callback(ctx, providerOf(ctx))
    } catch (error) {
      if (
        options.failureRedirect === undefined ||
        !(error instanceof OidcLoginError) ||
        error.status === 404
      )
        throw error
      ctx.log.info({ err: error, code: error.code }, 'social login failed')
      await flash(ctx, error.message, 'error')
      return redirect(
        `${options.failureRedirect}${options.failureRedirect.includes('?') ? '&' : '?'}error=${error.code}`,
        303,
      )
    }
  })

  async function callback(ctx: Context, provider: OidcProvider) {
    const query = ctx.query as Record<string, unknown>
    const session = await getSession(ctx)
    // Taken out now, before anything can fail: a callback URL works once. (Only a 5xx, when the
    // provider is down, leaves the session unsaved; the provider still accepts each code once.)
    const flow = takeFlow(session, provider.name, query.state, Date.now())
    if (flow === null) {
      throw new OidcLoginError(
        400,
        'This sign-in link is not valid any more (expired, already used, or started in another browser). Please sign in again.',
        'oidc_state_mismatch',
      )
    }
    const configuration = await provider.configuration().catch((error: unknown) => {
      throw unavailable(error, provider.label)
    })
    // The URL the provider redirected to, rebuilt from configuration (not from the Host header).
    const currentUrl = new URL(provider.redirectUri)
    currentUrl.search = ctx.rawQuery
    let claims: Record<string, unknown>
    try {
      const tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      })
      claims = { ...tokens.claims()! }
      const subject = claims.sub
      if (typeof subject !== 'string' || subject === '' || subject.length > 255) {
        throw new OidcLoginError(
          400,
          `The ID token from ${provider.label} has no usable subject.`,
          'oidc_id_token_invalid',
        )
      }
      if (provider.userInfo && configuration.serverMetadata().userinfo_endpoint !== undefined) {
        // UserInfo only completes the ID token: its `sub` must match, and it never overrides.
        const userInfo = await client
          .fetchUserInfo(configuration, tokens.access_token, subject)
          .catch((error: unknown) => {
            // A UserInfo endpoint refusing a fresh access token is the provider's failure.
            throw error instanceof client.ClientError ? error : unavailable(error, provider.label)
          })
        claims = { ...userInfo, ...claims }
      }
    } catch (error) {
      throw exchangeError(error, provider.label, flow.nonce)
    }
    const identity = identityFrom(provider.name, claims)
    const current = await sessionUser(ctx)
    const linkTo =
      current !== null && flow.userId !== null && String(current.id) === String(flow.userId)
        ? current
        : null
    const user = await linkIdentity(ctx, linking, provider, identity, linkTo)
    await auth.login(ctx, user)
    return safeRedirect(flow.next, redirectTo, { status: 303 })
  }

  return router
}
