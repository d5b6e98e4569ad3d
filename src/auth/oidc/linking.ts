/**
 * Account linking: which local user an OpenID identity logs in as.
 *
 * 1. An identity already linked logs in as its user.
 * 2. A logged-in user who started the flow gets the identity linked to them.
 * 3. With `linkByVerifiedEmail` on the provider, and `email_verified: true` from it, the one
 *    non-staff local account with that email is linked.
 * 4. Otherwise a new user is created (unusable password), unless a local account already has
 *    that verified email (409: log in with it first, then link) or sign-up is closed.
 *
 * Email matching is never the default: a provider that lets people claim an address they do
 * not own, or a local account created with someone else's address, would otherwise hand one
 * person's account to another (account takeover).
 */
import type { Context } from '../../app/index.ts'
import { type AnyModel, lookup, type QuerySet, UniqueViolationError } from '../../orm/index.ts'
import type { AnyUserModel, Auth } from '../auth.ts'
import type { UserRow } from '../models.ts'
import { OidcLoginError } from './errors.ts'
import { baseUsername, type OidcIdentity, storedClaims, suffixedUsername } from './identity.ts'
import type { SocialAccountRow } from './models.ts'
import type { OidcProvider } from './provider.ts'

/** What an `onLogin` hook is told besides the identity. */
export interface OidcLoginContext {
  /** The existing link of this identity, or null on its first login. */
  account: SocialAccountRow | null
  /** The user the existing link points to, or null. */
  linkedUser: UserRow | null
  /** The logged-in user who started this login (their account is being linked), or null. */
  currentUser: UserRow | null
}

/**
 * Decide who logs in: return a user (linked to the identity if it is not yet), `undefined` to
 * apply the default policy, or `null` to refuse (403 `oidc_login_refused`). Throw an `HttpError`
 * for another answer.
 */
export type OidcLoginHook = (
  ctx: Context,
  identity: OidcIdentity,
  context: OidcLoginContext,
) => UserRow | null | undefined | Promise<UserRow | null | undefined>

/** @internal What linking needs from `oidcLogin()`'s options. */
export interface LinkingOptions {
  readonly auth: Auth<AnyUserModel>
  readonly accountModel: AnyModel
  readonly createUsers: boolean
  readonly onLogin: OidcLoginHook | undefined
  readonly newUserFields: ((identity: OidcIdentity) => Record<string, unknown>) | undefined
}

function accounts(options: LinkingOptions): QuerySet<AnyModel> {
  const all = (options.accountModel as unknown as { objects: QuerySet<AnyModel> }).objects
  return options.auth.database ? all.using(options.auth.database) : all
}

/** A user to log in as, and whether it was created for this login. */
interface Chosen {
  user: UserRow
  created: boolean
}

async function defaultUser(
  options: LinkingOptions,
  provider: OidcProvider,
  identity: OidcIdentity,
  context: OidcLoginContext,
): Promise<Chosen> {
  if (context.linkedUser !== null) return { user: context.linkedUser, created: false }
  if (context.currentUser !== null) return { user: context.currentUser, created: false }
  if (identity.emailVerified && identity.email !== null) {
    const sameEmail = (await options.auth
      .users()
      .filter({ email: lookup.iexact(identity.email) } as never)
      .limit(2)
      .all()) as unknown as UserRow[]
    const [only] = sameEmail
    if (
      provider.linkByVerifiedEmail &&
      sameEmail.length === 1 &&
      only &&
      !only.isStaff &&
      !only.isSuperuser
    ) {
      return { user: only, created: false }
    }
    if (sameEmail.length > 0) {
      throw new OidcLoginError(
        409,
        `An account with the email ${identity.email} already exists. Log in to it first, then connect ${provider.label}.`,
        'oidc_email_in_use',
      )
    }
  }
  if (!options.createUsers) {
    throw new OidcLoginError(
      403,
      `There is no account for this ${provider.label} login.`,
      'oidc_signup_closed',
    )
  }
  return { user: await createUser(options, identity), created: true }
}

async function createUser(options: LinkingOptions, identity: OidcIdentity): Promise<UserRow> {
  const { auth } = options
  const base = baseUsername(identity)
  const claims = identity.claims
  const fields: Record<string, unknown> = {
    // Only a verified email is copied: an unverified one would let the newcomer receive the
    // password reset mails of whoever really owns the address.
    email: identity.emailVerified ? identity.email : '',
    firstName: typeof claims.given_name === 'string' ? claims.given_name.slice(0, 150) : '',
    lastName: typeof claims.family_name === 'string' ? claims.family_name.slice(0, 150) : '',
    ...options.newUserFields?.(identity),
  }
  let username =
    (await auth.findUser({ username: lookup.iexact(base) })) === null
      ? base
      : suffixedUsername(base)
  for (let attempt = 0; ; attempt++) {
    try {
      return await auth.createUser({ ...fields, username, password: null })
    } catch (error) {
      // Someone took the name meanwhile: try another suffix, a few times.
      if (!(error instanceof UniqueViolationError) || attempt >= 3) throw error
      username = suffixedUsername(base)
    }
  }
}

/**
 * Find or create the user `identity` logs in as, link the identity to them, and return them.
 * Throws an {@link OidcLoginError} when the login must be refused.
 */
export async function linkIdentity(
  ctx: Context,
  options: LinkingOptions,
  provider: OidcProvider,
  identity: OidcIdentity,
  currentUser: UserRow | null,
): Promise<UserRow> {
  const account = ((await accounts(options)
    .filter({ provider: provider.name, subject: identity.subject } as never)
    .first()) ?? null) as SocialAccountRow | null
  const linkedUser = account === null ? null : await options.auth.findUser({ id: account.userId })
  if (linkedUser !== null && currentUser !== null && linkedUser.id !== currentUser.id)
    throw linkedElsewhere(provider)
  const context: OidcLoginContext = { account, linkedUser, currentUser }
  const chosen = options.onLogin ? await options.onLogin(ctx, identity, context) : undefined
  if (chosen === null)
    throw new OidcLoginError(403, 'This login is not allowed.', 'oidc_login_refused')
  const { user, created } =
    chosen === undefined
      ? await defaultUser(options, provider, identity, context)
      : { user: chosen, created: false }
  if (linkedUser !== null && user.id !== linkedUser.id) throw linkedElsewhere(provider)
  if (!user.isActive)
    throw new OidcLoginError(403, 'This account is disabled.', 'oidc_user_inactive')
  const fields = {
    email: identity.email ?? '',
    claims: storedClaims(identity.claims),
    lastLoginAt: new Date(),
  }
  if (account !== null) {
    await accounts(options)
      .filter({ id: account.id } as never)
      .update(fields as never)
    return user
  }
  try {
    await accounts(options).create({
      provider: provider.name,
      subject: identity.subject,
      userId: user.id,
      ...fields,
    } as never)
    return user
  } catch (error) {
    if (!(error instanceof UniqueViolationError)) throw error
  }
  // A concurrent login (another tab) linked the same identity first: that link wins, and a user
  // created for this login alone is removed again.
  const winner = (await accounts(options)
    .filter({ provider: provider.name, subject: identity.subject } as never)
    .first()) as SocialAccountRow | undefined
  if (created)
    await options.auth
      .users()
      .filter({ id: user.id } as never)
      .delete()
  const winnerUser =
    winner === undefined ? null : await options.auth.findUser({ id: winner.userId })
  if (winnerUser === null || (!created && winnerUser.id !== user.id))
    throw linkedElsewhere(provider)
  if (!winnerUser.isActive)
    throw new OidcLoginError(403, 'This account is disabled.', 'oidc_user_inactive')
  return winnerUser
}

function linkedElsewhere(provider: OidcProvider): OidcLoginError {
  return new OidcLoginError(
    409,
    `This ${provider.label} account is already connected to another user.`,
    'oidc_account_linked_elsewhere',
  )
}
