/**
 * `SocialAccount`: one identity at an OpenID provider (its `sub`) linked to one local user. The
 * pair (provider, subject) is unique, so an identity can never be linked to two users; a user
 * may have several identities (Google and the company's provider, say).
 */
import { type AnyModel, defineModel, field, type Row } from '../../orm/index.ts'
import { User } from '../models.ts'

/**
 * The fields of a linked-account model pointing at `userModel`. Projects with their own user
 * model (`createAuth({ userModel: Member })`) define their own linked-account model with these
 * fields, in their own module, and pass it as `oidcLogin(auth, { accountModel })`.
 *
 * @example
 * const MemberSocialAccount = defineModel('MemberSocialAccount', socialAccountFields(() => Member), {
 *   module: 'shop',
 *   table: 'shop_social_account',
 *   constraints: [{ type: 'unique', name: 'shop_social_account_provider_subject', fields: ['provider', 'subject'] }],
 * })
 */
export function socialAccountFields<M extends AnyModel>(userModel: () => M) {
  return {
    /** The provider's name in `oidcProvider({ name })`, e.g. `google`. */
    provider: field.string({ maxLength: 50 }),
    /** The provider's stable identifier for the person (`sub`, at most 255 characters by the spec). */
    subject: field.string({ maxLength: 255 }),
    user: field.foreignKey(userModel, { onDelete: 'cascade', relatedName: 'socialAccounts' }),
    /** The email the provider reported at the last login (verified or not: see `claims`). */
    email: field.string({ maxLength: 254, blank: true, default: '' }),
    /** The identity's claims at the last login (ID token and UserInfo, protocol claims left out). */
    claims: field.json<Record<string, unknown>>({ default: () => ({}) }),
    createdAt: field.datetime({ autoNowAdd: true }),
    lastLoginAt: field.datetime({ null: true }),
  }
}

/** The built-in linked-account model (table `plinth_auth_social_account`, module `auth_oidc`). */
export const SocialAccount = defineModel(
  'SocialAccount',
  socialAccountFields(() => User),
  {
    module: 'auth_oidc',
    table: 'plinth_auth_social_account',
    ordering: ['provider', 'subject'],
    constraints: [
      {
        type: 'unique',
        name: 'plinth_auth_social_account_provider_subject',
        fields: ['provider', 'subject'],
      },
    ],
  },
)

/** A linked-account row. */
export type SocialAccountRow = Row<typeof SocialAccount> & Record<string, unknown>
