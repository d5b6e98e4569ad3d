/**
 * `plinth createsuperuser` and `plinth changepassword`, run in-process through `main()` against a
 * throwaway project: a migration configuration with the shipped `auth` module and a SQLite file,
 * migrated with `plinth migrate`. Interactive runs get a scripted prompter; `--no-input` runs get
 * their values from flags and the environment.
 */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createAuth, Permission, User } from 'plinth/auth'
import { createDatabase, type Database } from 'plinth/orm'
import { changepassword } from '../../src/cli/commands/auth/changepassword.ts'
import { createsuperuser } from '../../src/cli/commands/auth/createsuperuser.ts'
import { abortedError, type Prompter } from '../../src/cli/commands/auth/prompt.ts'
import { commands, main } from '../../src/cli/index.ts'
import { CommandRegistry } from '../../src/cli/registry.ts'
import { runCli } from '../support/cli.ts'

const REPO = fileURLToPath(new URL('../..', import.meta.url))
const SOURCE = (path: string) => JSON.stringify(join(REPO, 'src', path))
const STRONG = 'tulip-orbit-basalt'

const temporary: string[] = []
after(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true })
})

/** A project whose configuration lists the auth module and a SQLite file; migrated unless told. */
async function project(options: { migrate?: boolean } = {}): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'plinth-auth-cli-'))
  temporary.push(root)
  writeFileSync(
    join(root, 'migrations.config.ts'),
    `import { authModule } from ${SOURCE('auth/index.ts')}
import { defineMigrations } from ${SOURCE('migrations/index.ts')}
export default defineMigrations({
  database: ${JSON.stringify(`sqlite:${join(root, 'db.sqlite3')}`)},
  modules: [authModule],
})
`,
  )
  if (options.migrate !== false) {
    const migrated = await runCli(root, ['migrate'])
    assert.equal(migrated.code, 0, migrated.stderr)
  }
  return root
}

interface Asked {
  question: string
  secret: boolean
}

/** Answers questions in order; running out of answers is like Ctrl-D. */
function scripted(answers: string[]): { prompter: Prompter; asked: Asked[] } {
  const asked: Asked[] = []
  const answer = async (question: string, secret: boolean) => {
    asked.push({ question, secret })
    const next = answers.shift()
    if (next === undefined) throw abortedError()
    return next
  }
  return {
    asked,
    prompter: { ask: (q) => answer(q, false), askSecret: (q) => answer(q, true) },
  }
}

/** Run a command line with an environment and (optionally) scripted answers. */
async function plinth(
  cwd: string,
  argv: string[],
  options: { env?: Record<string, string>; answers?: string[] } = {},
) {
  const script = scripted(options.answers ?? [])
  const registry = new CommandRegistry()
    .register(createsuperuser({ prompter: () => script.prompter }))
    .register(changepassword({ prompter: () => script.prompter }))
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    registry,
    io: {
      cwd,
      env: options.env ?? {},
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
    },
  })
  return { code, stdout, stderr, asked: script.asked }
}

async function withDb<T>(root: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = createDatabase(`sqlite:${join(root, 'db.sqlite3')}`)
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

const login = (root: string, username: string, password: string) =>
  withDb(root, (db) => createAuth({ database: db }).authenticate({ username, password }))

describe('plinth createsuperuser --no-input', () => {
  it('creates a staff superuser from flags and PLINTH_SUPERUSER_PASSWORD, and the permissions', async () => {
    const root = await project()
    const run = await plinth(
      root,
      ['createsuperuser', '--no-input', '--username', 'admin', '--email', 'Admin@Example.COM'],
      {
        env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
      },
    )
    assert.equal(run.code, 0, run.stderr)
    assert.equal(run.stdout.split('\n')[0], 'Superuser created successfully.')
    assert.deepEqual(run.asked, [])
    const admin = await login(root, 'admin', STRONG)
    assert.ok(admin, 'the password works')
    assert.deepEqual(
      [admin.isStaff, admin.isSuperuser, admin.isActive, admin.email],
      [true, true, true, 'Admin@example.com'],
    )
    const codenames = await withDb(root, async (db) =>
      (await Permission.objects.using(db).all()).map((p) => `${p.module}.${p.codename}`),
    )
    for (const name of [
      'auth.view_user',
      'auth.add_group',
      'auth.change_permission',
      'auth.delete_user',
    ])
      assert.ok(codenames.includes(name), name)
  })

  it('refuses a taken user name (in any case) with a clear error and exit 1', async () => {
    const root = await project()
    const env = { PLINTH_SUPERUSER_PASSWORD: STRONG }
    assert.equal(
      (await plinth(root, ['createsuperuser', '--no-input', '--username', 'admin'], { env })).code,
      0,
    )
    for (const username of ['admin', 'ADMIN']) {
      const again = await plinth(root, ['createsuperuser', '--no-input', '--username', username], {
        env,
      })
      assert.equal(again.code, 1)
      assert.equal(again.stdout, '')
      assert.equal(
        again.stderr,
        `error: Username "${username}": That username is already taken. [PLINTH_AUTH_CLI_INVALID_INPUT]\n`,
      )
    }
    const count = await withDb(root, (db) => User.objects.using(db).count())
    assert.equal(count, 1)
  })

  it('refuses a weak password, with no way around it', async () => {
    const root = await project()
    const run = await plinth(root, ['createsuperuser', '--no-input', '--username', 'admin'], {
      env: { PLINTH_SUPERUSER_PASSWORD: 'password' },
    })
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      /^error: The password in PLINTH_SUPERUSER_PASSWORD was refused: This password is too common\./,
    )
    assert.match(run.stderr, /\[PLINTH_AUTH_CLI_INVALID_INPUT\]\n$/)
    const similar = await plinth(
      root,
      ['createsuperuser', '--no-input', '--username', 'lovelace'],
      {
        env: { PLINTH_SUPERUSER_PASSWORD: 'lovelace1' },
      },
    )
    assert.match(similar.stderr, /too similar to the username/)
    assert.equal(await withDb(root, (db) => User.objects.using(db).count()), 0)
  })

  it('says which value is missing, and reads the user name and email from the environment', async () => {
    const root = await project()
    const noName = await plinth(root, ['createsuperuser', '--no-input'], {
      env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
    })
    assert.equal(noName.code, 1)
    assert.match(
      noName.stderr,
      /--username <name> or set PLINTH_SUPERUSER_USERNAME\. \[PLINTH_AUTH_CLI_MISSING_INPUT\]/,
    )
    const noPassword = await plinth(root, ['createsuperuser', '--no-input', '--username', 'admin'])
    assert.equal(noPassword.code, 1)
    assert.match(noPassword.stderr, /PLINTH_SUPERUSER_PASSWORD\. \[PLINTH_AUTH_CLI_MISSING_INPUT\]/)
    const badEmail = await plinth(root, ['createsuperuser', '--no-input'], {
      env: {
        PLINTH_SUPERUSER_USERNAME: 'ops',
        PLINTH_SUPERUSER_EMAIL: 'not an email',
        PLINTH_SUPERUSER_PASSWORD: STRONG,
      },
    })
    assert.equal(badEmail.code, 1)
    assert.match(badEmail.stderr, /Email address "not an email": Enter a valid email address\./)
    const badName = await plinth(root, ['createsuperuser', '--no-input', '--username', 'a b'], {
      env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
    })
    assert.match(badName.stderr, /Username "a b": Use only letters, digits and @ \. \+ - _\./)
    const ok = await plinth(root, ['createsuperuser', '--no-input'], {
      env: {
        PLINTH_SUPERUSER_USERNAME: 'ops',
        PLINTH_SUPERUSER_EMAIL: 'ops@example.com',
        PLINTH_SUPERUSER_PASSWORD: STRONG,
      },
    })
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal((await login(root, 'ops', STRONG))?.email, 'ops@example.com')
  })

  it('tells to run plinth migrate first when the user table is missing', async () => {
    const root = await project({ migrate: false })
    const run = await plinth(root, ['createsuperuser', '--no-input', '--username', 'admin'], {
      env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
    })
    assert.equal(run.code, 1)
    assert.match(run.stderr, /Run `plinth migrate` first\. \[PLINTH_AUTH_CLI_NO_USER_TABLE\]\n$/)
  })
})

describe('plinth createsuperuser (interactive)', () => {
  it('asks until every answer is acceptable; passwords are asked as secrets, twice', async () => {
    const root = await project()
    await plinth(root, ['createsuperuser', '--no-input', '--username', 'taken'], {
      env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
    })
    const run = await plinth(root, ['createsuperuser'], {
      answers: [
        'taken',
        'bad name!',
        'boss',
        'nope',
        'boss@example.com',
        'a-first-try',
        'a-second-try',
        '',
        '',
        'password',
        'password',
        'n',
        STRONG,
        STRONG,
      ],
    })
    assert.equal(run.code, 0, run.stderr)
    assert.deepEqual(
      // The user name question offers the login name of whoever runs the tests as its default.
      run.asked.map(
        (a) =>
          `${a.secret ? 'secret' : 'text'}: ${a.question.replace(/ \(leave blank to use '[^']*'\)/, '')}`,
      ),
      [
        'text: Username: ',
        'text: Username: ',
        'text: Username: ',
        'text: Email address: ',
        'text: Email address: ',
        'secret: Password: ',
        'secret: Password (again): ',
        'secret: Password: ',
        'secret: Password (again): ',
        'secret: Password: ',
        'secret: Password (again): ',
        'text: Bypass password validation and create user anyway? [y/N]: ',
        'secret: Password: ',
        'secret: Password (again): ',
      ],
    )
    assert.equal(
      run.stderr,
      [
        'Error: That username is already taken.',
        'Error: Use only letters, digits and @ . + - _.',
        'Error: Enter a valid email address.',
        "Error: Your passwords didn't match.",
        "Error: Blank passwords aren't allowed.",
        'This password is too common.',
        '',
      ].join('\n'),
    )
    assert.doesNotMatch(
      run.stdout + run.stderr,
      new RegExp(`${STRONG}|a-first-try`),
      'passwords are never printed',
    )
    assert.equal((await login(root, 'boss', STRONG))?.isSuperuser, true)
  })

  it('keeps a refused password when the user confirms the bypass, but never an over-long one', async () => {
    const root = await project()
    const huge = 'x'.repeat(5000)
    const run = await plinth(root, ['createsuperuser', '--username', 'admin', '--email', ''], {
      answers: [huge, huge, '12345678', '12345678', 'y'],
    })
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /^This password is too long\. It must be at most 4096 bytes long\.\n/)
    assert.deepEqual(
      run.asked.map((a) => a.question),
      [
        'Password: ',
        'Password (again): ',
        'Password: ',
        'Password (again): ',
        'Bypass password validation and create user anyway? [y/N]: ',
      ],
    )
    assert.ok(await login(root, 'admin', '12345678'))
  })

  it('stops on Ctrl-C / end of input without creating anything', async () => {
    const root = await project()
    const run = await plinth(root, ['createsuperuser', '--username', 'admin'], { answers: [''] })
    assert.equal(run.code, 1)
    assert.match(run.stderr, /error: Operation cancelled\. \[PLINTH_AUTH_CLI_ABORTED\]\n$/)
    assert.equal(await withDb(root, (db) => User.objects.using(db).count()), 0)
  })

  it('refuses to prompt when standard input is not a terminal', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'plinth-auth-cli-empty-'))
    temporary.push(empty)
    // The real command with the real terminal prompter; the test runner's stdin is not a TTY.
    const run = await runCli(empty, ['createsuperuser'])
    assert.equal(run.code, 1)
    assert.match(
      run.stderr,
      /Standard input is not a terminal.*--no-input.*\[PLINTH_AUTH_CLI_NOT_A_TERMINAL\]/,
    )
  })
})

describe('plinth changepassword', () => {
  it('sets the new password after asking for it twice', async () => {
    const root = await project()
    await plinth(root, ['createsuperuser', '--no-input', '--username', 'ada'], {
      env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
    })
    const run = await plinth(root, ['changepassword', 'ada'], {
      answers: ['granite-lemon-harbor', 'granite-lemon-harbor'],
    })
    assert.equal(run.code, 0, run.stderr)
    assert.equal(
      run.stdout,
      "Changing password for user 'ada'\nPassword changed successfully for user 'ada'.\n",
    )
    assert.deepEqual(
      run.asked.map((a) => a.secret),
      [true, true],
    )
    assert.equal(await login(root, 'ada', STRONG), null)
    assert.ok(await login(root, 'ada', 'granite-lemon-harbor'))
  })

  it('gives up after three refused attempts and leaves the password alone', async () => {
    const root = await project()
    await plinth(root, ['createsuperuser', '--no-input', '--username', 'ada'], {
      env: { PLINTH_SUPERUSER_PASSWORD: STRONG },
    })
    const run = await plinth(root, ['changepassword', 'ada'], {
      answers: ['one-thing', 'another-thing', '', '', '123456789', '123456789'],
    })
    assert.equal(run.code, 1)
    assert.equal(
      run.stderr,
      'Passwords do not match. Please try again.\n' +
        "Blank passwords aren't allowed.\n" +
        'This password is too common.\n' +
        'This password is entirely numeric.\n' +
        "error: Aborting password change for user 'ada' after 3 attempts. [PLINTH_AUTH_CLI_ABORTED]\n",
    )
    assert.ok(await login(root, 'ada', STRONG))
  })

  it('refuses an unknown user and a missing user name', async () => {
    const root = await project()
    const unknown = await plinth(root, ['changepassword', 'ghost'], { answers: [STRONG, STRONG] })
    assert.equal(unknown.code, 1)
    assert.equal(
      unknown.stderr,
      'error: There is no user named "ghost". [PLINTH_AUTH_CLI_USER_NOT_FOUND]\n',
    )
    assert.deepEqual(unknown.asked, [])
    const none = await plinth(root, ['changepassword'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /Expected exactly one <username>, got 0 arguments\./)
  })
})

describe('the user model of a project', () => {
  function customProject(): string {
    const root = mkdtempSync(join(tmpdir(), 'plinth-auth-cli-custom-'))
    temporary.push(root)
    mkdirSync(join(root, 'none'))
    writeFileSync(
      join(root, 'migrations.config.ts'),
      `import { authModule, userFields } from ${SOURCE('auth/index.ts')}
import { defineMigrations, defineModule } from ${SOURCE('migrations/index.ts')}
import { defineModel, field } from ${SOURCE('orm/index.ts')}
export const Member = defineModel('Member', { ...userFields(), nickname: field.string({ maxLength: 40, blank: true, default: '' }) },
  { module: 'club', table: 'club_member', registry: [] })
export const Guest = defineModel('Guest', { ...userFields() }, { module: 'club', table: 'club_guest', registry: [] })
const club = defineModule({ name: 'club', models: [Member], migrations: new URL('./none/', import.meta.url) })
const both = defineModule({ name: 'club', models: [Member, Guest], migrations: new URL('./none/', import.meta.url) })
const database = ${JSON.stringify(`sqlite:${join(root, 'db.sqlite3')}`)}
export default defineMigrations({ database, modules: [authModule, club] })
export const ambiguous = defineMigrations({ database, modules: [authModule, both] })
`,
    )
    return root
  }

  it("uses the project's own model built with userFields(), and asks to choose among several", async () => {
    const root = customProject()
    assert.equal((await runCli(root, ['migrate'])).code, 0)
    const config = await import(join(root, 'migrations.config.ts'))
    await withDb(root, async (db) => {
      const { createTables } = await import('plinth/orm')
      await createTables(db, [config.Member, config.Guest])
    })
    const env = { PLINTH_SUPERUSER_PASSWORD: STRONG }
    const run = await plinth(root, ['createsuperuser', '--no-input', '--username', 'captain'], {
      env,
    })
    assert.equal(run.code, 0, run.stderr)
    const counts = await withDb(root, async (db) => [
      await config.Member.objects.using(db).count(),
      await User.objects.using(db).count(),
    ])
    assert.deepEqual(counts, [1, 0])

    const config2 = join(root, 'migrations.config.ts#ambiguous')
    const several = await plinth(
      root,
      ['createsuperuser', '--no-input', '--username', 'guest', '--config', config2],
      { env },
    )
    assert.equal(several.code, 1)
    assert.match(
      several.stderr,
      /Several models have user fields \(club\.Member, club\.Guest\): pick one with --user-model module\.Model\. \[PLINTH_AUTH_CLI_USER_MODEL\]/,
    )
    const chosen = await plinth(
      root,
      [
        'createsuperuser',
        '--no-input',
        '--username',
        'guest',
        '--config',
        config2,
        '--user-model',
        'club.Guest',
      ],
      { env },
    )
    assert.equal(chosen.code, 0, chosen.stderr)
    assert.equal(await withDb(root, (db) => config.Guest.objects.using(db).count()), 1)
    const wrong = await plinth(root, [
      'changepassword',
      'guest',
      '--config',
      config2,
      '--user-model',
      'club.Nope',
    ])
    assert.equal(wrong.code, 2)
  })
})

describe('registration', () => {
  it('registers both commands with plinth', async () => {
    assert.equal(
      (await commands.get('createsuperuser'))?.summary,
      'Create a user with every permission (staff and superuser)',
    )
    assert.equal((await commands.get('changepassword'))?.positionals, '<username>')
    const help = await runCli(tmpdir(), ['help', 'createsuperuser'])
    assert.equal(help.code, 0)
    assert.match(help.stdout, /--no-input/)
    assert.match(help.stdout, /PLINTH_SUPERUSER_PASSWORD/)
  })
})
