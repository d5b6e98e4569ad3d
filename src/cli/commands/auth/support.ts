/**
 * What `createsuperuser` and `changepassword` share: the project's database and modules from the
 * migration configuration (found exactly as `plinth migrate` finds it), the user model, and an
 * `Auth` over them.
 *
 * The user model: `--user-model module.Model` when given; otherwise the one model of the
 * configured modules (outside the built-in `auth` module) that has the user fields
 * (`{ ...userFields() }`); otherwise the built-in `User` of `authModule`, which must then be in
 * the configuration.
 */
import type { AnyUserModel, Auth, PasswordProblem } from '../../../auth/index.ts'
import { PlinthError } from '../../../http/index.ts'
import type { MigrationConfig } from '../../../migrations/index.ts'
import { type AnyModel, type Database, lookup, ModelValidationError } from '../../../orm/index.ts'
import { type CommandIO, UsageError } from '../../command.ts'
import { configOption, loadMigrationConfig } from '../../load-migration-config.ts'
import type { Prompter } from './prompt.ts'

// Loaded when a command runs, not when `plinth` starts: auth pulls in password hashing and
// token libraries that `plinth start` or `plinth migrate` never need.
type AuthApi = typeof import('../../../auth/index.ts')

/** Options of the auth command factories (tests inject a scripted prompter). */
export interface AuthCommandOptions {
  /** Asks the questions. Default: the terminal (refused when stdin is not one). */
  prompter?: (io: CommandIO) => Prompter
}

/** The options both commands take. */
export const sharedOptions = {
  config: configOption,
  'user-model': {
    type: 'string',
    description: 'The user model, when the configuration has several models with user fields',
    placeholder: '<module.Model>',
  },
} as const

const USER_FIELDS = ['username', 'password', 'isActive', 'isStaff', 'isSuperuser']

function hasUserFields(model: AnyModel): boolean {
  return USER_FIELDS.every((name) => model.meta.fields.has(name))
}

/** The user model the configuration implies (see the module comment). */
export function findUserModel(
  config: MigrationConfig,
  builtIn: AnyModel,
  flag: string | undefined,
): AnyModel {
  const models = config.modules.flatMap((m) => m.models)
  if (flag !== undefined) {
    const found = models.filter((m) => flag === m.name || flag === `${m.meta.module}.${m.name}`)
    if (found.length !== 1 || !hasUserFields(found[0]!))
      throw new UsageError(
        `--user-model ${flag}: name one model of the configured modules built with userFields(), as module.Model.`,
      )
    return found[0]!
  }
  const custom = models.filter((m) => m !== builtIn && hasUserFields(m))
  if (custom.length === 1) return custom[0]!
  if (custom.length > 1)
    throw new PlinthError(
      'PLINTH_AUTH_CLI_USER_MODEL',
      `Several models have user fields (${custom.map((m) => `${m.meta.module}.${m.name}`).join(', ')}): pick one with --user-model module.Model.`,
    )
  if (models.includes(builtIn)) return builtIn
  throw new PlinthError(
    'PLINTH_AUTH_CLI_USER_MODEL',
    'No user model in the migration configuration: add authModule (from plinth/auth) to its modules, or your own model built with userFields().',
  )
}

/** What a command's body receives. */
export interface UserCommandContext {
  api: AuthApi
  auth: Auth<AnyUserModel>
  config: MigrationConfig
  db: Database
}

/** Load the configuration and open its database, run `fn` with an `Auth` over it, close it. */
export async function withUserDatabase(
  values: { config?: string | undefined; 'user-model'?: string | undefined },
  io: CommandIO,
  fn: (context: UserCommandContext) => Promise<number>,
): Promise<number> {
  const loaded = await loadMigrationConfig(values.config, io.cwd)
  try {
    const api = await import('../../../auth/index.ts')
    const userModel = findUserModel(loaded.config, api.User, values['user-model'])
    const db = await loaded.database()
    const auth: Auth<AnyUserModel> = api.createAuth({
      userModel: userModel as AnyUserModel,
      database: db,
    })
    await checkTable(auth)
    return await fn({ api, auth, config: loaded.config, db })
  } finally {
    await loaded.close()
  }
}

/** Fail with a hint when the user table is missing, before asking anything. */
async function checkTable(auth: Auth<AnyUserModel>): Promise<void> {
  try {
    await auth.users().count()
  } catch (error) {
    throw new PlinthError(
      'PLINTH_AUTH_CLI_NO_USER_TABLE',
      `Could not read the ${auth.userModel.name} table (${(error as Error)?.message ?? String(error)}). Run \`plinth migrate\` first.`,
    )
  }
}

/** Django's `normalize_username`: NFKC. */
export function normalizeUsername(value: string): string {
  return value.normalize('NFKC')
}

/** Why a user name cannot be used (the model's rules, or taken), or `undefined`. */
export async function usernameProblem(
  auth: Auth<AnyUserModel>,
  username: string,
): Promise<string | undefined> {
  if (username === '') return 'This field cannot be blank.'
  const problem = fieldProblem(auth, 'username', username)
  if (problem !== undefined) return problem
  if (await auth.findUser({ username: lookup.iexact(username) }))
    return 'That username is already taken.'
  return undefined
}

/** The model's own rules for one field value (length, format, validators), or `undefined`. */
export function fieldProblem(
  auth: Auth<AnyUserModel>,
  field: string,
  value: unknown,
): string | undefined {
  const row = (
    auth.userModel.objects as unknown as { build(v: object): { validate(): void } }
  ).build({
    username: field === 'username' ? value : 'placeholder',
    password: '!',
    [field]: value,
  })
  try {
    row.validate()
    return undefined
  } catch (error) {
    if (!(error instanceof ModelValidationError)) throw error
    return error.issues.find((i) => i.path[0] === field)?.message
  }
}

/** Problems with a new password: over the hasher's cap first (never bypassable), then the validators. */
export function passwordProblems(
  api: AuthApi,
  auth: Auth<AnyUserModel>,
  password: string,
  user: object,
): { tooLong: boolean; problems: PasswordProblem[] } {
  const max = auth.passwords.maxLength
  if (password.length > max || Buffer.byteLength(password, 'utf8') > max)
    return {
      tooLong: true,
      problems: [
        {
          code: 'password_too_long',
          message: `This password is too long. It must be at most ${max} bytes long.`,
        },
      ],
    }
  return { tooLong: false, problems: api.validatePassword(password, { user }) }
}
