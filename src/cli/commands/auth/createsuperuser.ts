/**
 * `plinth createsuperuser`: create a user with every permission (Django's command).
 *
 * In a terminal it asks for the user name (default: the login name of whoever runs it), the email
 * address and the password twice without echo; a password the validators refuse can be kept after
 * a `[y/N]` question. With `--no-input` (deploy scripts) nothing is asked: the values come from
 * `--username`/`--email` or `PLINTH_SUPERUSER_USERNAME`/`PLINTH_SUPERUSER_EMAIL`, the password from
 * `PLINTH_SUPERUSER_PASSWORD` (never a flag: flags end up in shell history and `ps`), and a
 * password the validators refuse is an error. Afterwards the view/add/change/delete permissions
 * of every configured model are created (`syncPermissions`).
 */
import { userInfo } from 'node:os'
import { PlinthError } from '../../../http/index.ts'
import { type Command, type CommandIO, defineCommand } from '../../command.ts'
import { isYes, type Prompter, terminalPrompter } from './prompt.ts'
import {
  type AuthCommandOptions,
  fieldProblem,
  normalizeUsername,
  passwordProblems,
  sharedOptions,
  type UserCommandContext,
  usernameProblem,
  withUserDatabase,
} from './support.ts'

const options = {
  username: { type: 'string', description: 'The user name', placeholder: '<name>' },
  email: { type: 'string', description: 'The email address', placeholder: '<address>' },
  'no-input': {
    type: 'boolean',
    description: 'Ask nothing: the password comes from PLINTH_SUPERUSER_PASSWORD (for scripts)',
  },
  ...sharedOptions,
} as const

interface Values {
  username?: string | undefined
  email?: string | undefined
}

function invalid(message: string): PlinthError {
  return new PlinthError('PLINTH_AUTH_CLI_INVALID_INPUT', message)
}

function missing(message: string): PlinthError {
  return new PlinthError('PLINTH_AUTH_CLI_MISSING_INPUT', message)
}

/** `--no-input`: every value from flags and the environment, every problem an error. */
async function collectWithoutInput(
  { api, auth }: UserCommandContext,
  values: Values,
  env: CommandIO['env'],
): Promise<{ username: string; email: string; password: string }> {
  const given = values.username ?? env.PLINTH_SUPERUSER_USERNAME
  if (given === undefined || given === '')
    throw missing(
      '--no-input needs the user name: pass --username <name> or set PLINTH_SUPERUSER_USERNAME.',
    )
  const username = normalizeUsername(given)
  const usernameError = await usernameProblem(auth, username)
  if (usernameError !== undefined) throw invalid(`Username "${username}": ${usernameError}`)
  const email = (values.email ?? env.PLINTH_SUPERUSER_EMAIL ?? '').trim()
  const emailError = email === '' ? undefined : fieldProblem(auth, 'email', email)
  if (emailError !== undefined) throw invalid(`Email address "${email}": ${emailError}`)
  const password = env.PLINTH_SUPERUSER_PASSWORD
  if (password === undefined || password === '')
    throw missing(
      '--no-input needs the password in the environment variable PLINTH_SUPERUSER_PASSWORD.',
    )
  const { problems } = passwordProblems(api, auth, password, { username, email })
  if (problems.length > 0)
    throw invalid(
      `The password in PLINTH_SUPERUSER_PASSWORD was refused: ${problems.map((p) => p.message).join(' ')} ` +
        'Choose a stronger one (validation cannot be bypassed with --no-input).',
    )
  return { username, email, password }
}

/** In a terminal: ask until each value is acceptable (Ctrl-C to stop). */
async function collectInteractively(
  { api, auth }: UserCommandContext,
  values: Values,
  prompter: Prompter,
  io: CommandIO,
): Promise<{ username: string; email: string; password: string }> {
  const error = (message: string) => io.stderr.write(`Error: ${message}\n`)
  let username = values.username === undefined ? undefined : normalizeUsername(values.username)
  if (username !== undefined) {
    const problem = await usernameProblem(auth, username)
    if (problem !== undefined) {
      error(problem)
      username = undefined
    }
  }
  const fallback = defaultUsername()
  const suggestion =
    fallback !== '' && (await usernameProblem(auth, fallback)) === undefined ? fallback : ''
  while (username === undefined) {
    const answer = normalizeUsername(
      (
        await prompter.ask(
          suggestion ? `Username (leave blank to use '${suggestion}'): ` : 'Username: ',
        )
      ).trim(),
    )
    const candidate = answer === '' ? suggestion : answer
    const problem = await usernameProblem(auth, candidate)
    if (problem === undefined) username = candidate
    else error(problem)
  }

  let email = values.email?.trim()
  if (email !== undefined && email !== '' && fieldProblem(auth, 'email', email) !== undefined) {
    error(fieldProblem(auth, 'email', email)!)
    email = undefined
  }
  while (email === undefined) {
    const answer = (await prompter.ask('Email address: ')).trim()
    const problem = answer === '' ? undefined : fieldProblem(auth, 'email', answer)
    if (problem === undefined) email = answer
    else error(problem)
  }

  for (;;) {
    const password = await prompter.askSecret('Password: ')
    const again = await prompter.askSecret('Password (again): ')
    if (password !== again) {
      error("Your passwords didn't match.")
      continue
    }
    if (password.trim() === '') {
      error("Blank passwords aren't allowed.")
      continue
    }
    const { tooLong, problems } = passwordProblems(api, auth, password, { username, email })
    if (problems.length === 0) return { username, email, password }
    for (const problem of problems) io.stderr.write(`${problem.message}\n`)
    if (tooLong) continue
    if (isYes(await prompter.ask('Bypass password validation and create user anyway? [y/N]: ')))
      return { username, email, password }
  }
}

/** Who runs the command (Django's `getpass.getuser()`), or '' when unknown. */
function defaultUsername(): string {
  try {
    return normalizeUsername(userInfo().username)
  } catch {
    return ''
  }
}

/**
 * The `createsuperuser` command with a prompter of your choice (tests script the answers).
 *
 * @example
 * commands.register(createsuperuser({ prompter: () => myPrompter }))
 */
export function createsuperuser(factory: AuthCommandOptions = {}): Command<typeof options> {
  return defineCommand({
    name: 'createsuperuser',
    summary: 'Create a user with every permission (staff and superuser)',
    description:
      'Ask for a user name, an email address and a password (typed twice, not shown), then create the ' +
      'user as staff and superuser and the view/add/change/delete permissions of every configured model. ' +
      'With --no-input nothing is asked: give --username (or PLINTH_SUPERUSER_USERNAME), optionally --email ' +
      '(or PLINTH_SUPERUSER_EMAIL), and the password in PLINTH_SUPERUSER_PASSWORD; a weak password is then an error. ' +
      'The database and models come from the migration configuration, as for plinth migrate.',
    options,
    async run({ values }, io) {
      // Refuse before touching the database when a terminal is needed but missing.
      const prompter = values['no-input']
        ? undefined
        : (factory.prompter?.(io) ??
          terminalPrompter(
            io,
            'run it in a terminal, or pass --no-input with --username and PLINTH_SUPERUSER_PASSWORD.',
          ))
      return await withUserDatabase(values, io, async (context) => {
        const { username, email, password } =
          prompter === undefined
            ? await collectWithoutInput(context, values, io.env)
            : await collectInteractively(context, values, prompter, io)
        const { api, auth, config, db } = context
        const fields: Record<string, unknown> = {
          username,
          isStaff: true,
          isSuperuser: true,
          isActive: true,
        }
        if (auth.userModel.meta.fields.has('email')) fields.email = api.normalizeEmail(email)
        await auth.createUser({ ...fields, username, password })
        const created = await api.syncPermissions({
          models: config.modules.flatMap((m) => m.models),
          database: db,
        })
        io.stdout.write('Superuser created successfully.\n')
        if (created > 0) io.stdout.write(`Created ${created} missing permissions.\n`)
        return 0
      })
    },
  })
}

/** The `createsuperuser` command, asking in the terminal. */
export const createsuperuserCommand = createsuperuser()
