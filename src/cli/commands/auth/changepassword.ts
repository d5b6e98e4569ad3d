/**
 * `plinth changepassword <username>`: set a user's password from the terminal (Django's command).
 * The password is asked twice without echo and checked by the password validators; after three
 * refused attempts the command gives up. The user's existing sessions stop being valid, since
 * they remember a digest of the old password.
 */
import { PlinthError } from '../../../http/index.ts'
import { type Command, defineCommand, UsageError } from '../../command.ts'
import { terminalPrompter } from './prompt.ts'
import {
  type AuthCommandOptions,
  passwordProblems,
  sharedOptions,
  withUserDatabase,
} from './support.ts'

const MAX_ATTEMPTS = 3

/**
 * The `changepassword` command with a prompter of your choice (tests script the answers).
 *
 * @example
 * commands.register(changepassword({ prompter: () => myPrompter }))
 */
export function changepassword(factory: AuthCommandOptions = {}): Command<typeof sharedOptions> {
  return defineCommand({
    name: 'changepassword',
    summary: "Change a user's password",
    description:
      'Ask for a new password for <username> twice (not shown), check it with the password validators ' +
      'and store its hash; the sessions of that user end. Gives up after three refused attempts. ' +
      'Needs a terminal. The database and models come from the migration configuration, as for plinth migrate.',
    positionals: '<username>',
    options: sharedOptions,
    async run({ values, positionals }, io) {
      if (positionals.length !== 1)
        throw new UsageError(
          `Expected exactly one <username>, got ${positionals.length} arguments.`,
        )
      const username = positionals[0]!
      const prompter =
        factory.prompter?.(io) ?? terminalPrompter(io, 'run plinth changepassword in a terminal.')
      return await withUserDatabase(values, io, async ({ api, auth }) => {
        const user = await auth.findUser({ username })
        if (user === null)
          throw new PlinthError(
            'PLINTH_AUTH_CLI_USER_NOT_FOUND',
            `There is no user named "${username}".`,
          )
        io.stdout.write(`Changing password for user '${username}'\n`)
        for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
          const password = await prompter.askSecret('Password: ')
          const again = await prompter.askSecret('Password (again): ')
          if (password !== again) {
            io.stderr.write('Passwords do not match. Please try again.\n')
            continue
          }
          if (password.trim() === '') {
            io.stderr.write("Blank passwords aren't allowed.\n")
            continue
          }
          const { problems } = passwordProblems(api, auth, password, user)
          if (problems.length > 0) {
            for (const problem of problems) io.stderr.write(`${problem.message}\n`)
            continue
          }
          await auth.setPassword(user, password)
          io.stdout.write(`Password changed successfully for user '${username}'.\n`)
          return 0
        }
        throw new PlinthError(
          'PLINTH_AUTH_CLI_ABORTED',
          `Aborting password change for user '${username}' after ${MAX_ATTEMPTS} attempts.`,
        )
      })
    },
  })
}

/** The `changepassword` command, asking in the terminal. */
export const changepasswordCommand = changepassword()
