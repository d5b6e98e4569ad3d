import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { spawnNode } from '../../test/support/child-process.ts'
import { defineCommand } from './command.ts'
import { commands } from './commands/index.ts'
import { CommandRegistry } from './registry.ts'

const noop = () => 0

describe('defineCommand()', () => {
  it('accepts names like "migrate", "create-superuser" and "db:seed"', () => {
    for (const name of ['migrate', 'create-superuser', 'db:seed']) {
      assert.equal(defineCommand({ name, summary: 'x', run: noop }).name, name)
    }
  })

  it('rejects malformed names, a missing summary and reserved option names', () => {
    assert.throws(() => defineCommand({ name: 'Start', summary: 'x', run: noop }), {
      code: 'PLINTH_CLI_INVALID_COMMAND',
    })
    assert.throws(() => defineCommand({ name: 'go', summary: ' ', run: noop }), /summary/)
    assert.throws(
      () =>
        defineCommand({
          name: 'go',
          summary: 'x',
          options: { help: { type: 'boolean', description: 'mine' } },
          run: noop,
        }),
      /must not be "help" or "version"/,
    )
    assert.throws(
      () =>
        defineCommand({
          name: 'go',
          summary: 'x',
          options: { host: { type: 'string', short: 'h', description: 'clashes with help' } },
          run: noop,
        }),
      /other than -h and -v/,
    )
  })
})

describe('CommandRegistry', () => {
  it('lists commands sorted by name and finds them by name', async () => {
    const registry = new CommandRegistry()
      .register(defineCommand({ name: 'zeta', summary: 'z', run: noop }))
      .register(defineCommand({ name: 'alpha', summary: 'a', run: noop }))
    assert.deepEqual(
      registry.list().map((command) => command.name),
      ['alpha', 'zeta'],
    )
    assert.equal((await registry.get('alpha'))?.summary, 'a')
    assert.equal(await registry.get('beta'), undefined)
  })

  it('refuses a second command with a taken name but tolerates re-registering the same one', () => {
    const first = defineCommand({ name: 'migrate', summary: 'Apply migrations', run: noop })
    const registry = new CommandRegistry().register(first).register(first)
    assert.throws(
      () => registry.register(defineCommand({ name: 'migrate', summary: 'Other', run: noop })),
      { code: 'PLINTH_CLI_DUPLICATE_COMMAND', message: /"migrate" is already registered/ },
    )
  })

  it('has the built-in start, dev and routes commands in the shared registry', async () => {
    for (const name of ['start', 'dev', 'routes']) assert.ok(await commands.get(name), name)
  })

  it('lists a lazy command without loading it, and loads it once when asked', async () => {
    let loads = 0
    const seed = defineCommand({ name: 'db:seed', summary: 'Seed', run: noop })
    const registry = new CommandRegistry().registerLazy({
      name: 'db:seed',
      summary: 'Seed',
      load: async () => {
        loads++
        return seed
      },
    })
    assert.deepEqual(registry.list(), [{ name: 'db:seed', summary: 'Seed' }])
    assert.equal(registry.has('db:seed'), true)
    assert.equal(loads, 0)
    const [first, second] = await Promise.all([registry.get('db:seed'), registry.get('db:seed')])
    assert.equal(first, seed)
    assert.equal(second, seed)
    assert.equal(await registry.get('db:seed'), seed)
    assert.equal(loads, 1)
  })

  it('refuses a lazy command whose module loads another name or summary', async () => {
    const registry = new CommandRegistry()
      .registerLazy({
        name: 'seed',
        summary: 'Seed the database',
        load: async () => defineCommand({ name: 'seed', summary: 'Something else', run: noop }),
      })
      .registerLazy({
        name: 'other',
        summary: 'Other',
        load: async () => defineCommand({ name: 'another', summary: 'Other', run: noop }),
      })
    await assert.rejects(registry.get('seed'), {
      code: 'PLINTH_CLI_INVALID_COMMAND',
      message: /"seed" loaded a command named "seed" with the summary "Something else"/,
    })
    await assert.rejects(registry.get('other'), {
      code: 'PLINTH_CLI_INVALID_COMMAND',
      message: /loaded a command named "another"/,
    })
  })

  it('checks lazy registrations at once: name, summary, load, and no taken names', () => {
    const load = async () => defineCommand({ name: 'x', summary: 'x', run: noop })
    const registry = new CommandRegistry().register(
      defineCommand({ name: 'migrate', summary: 'Apply migrations', run: noop }),
    )
    for (const bad of [
      { name: 'Bad Name', summary: 'x', load },
      { name: 'ok', summary: ' ', load },
      { name: 'ok', summary: 'x', load: 'nope' as unknown as typeof load },
    ]) {
      assert.throws(() => registry.registerLazy(bad), { code: 'PLINTH_CLI_INVALID_COMMAND' })
    }
    assert.throws(() => registry.registerLazy({ name: 'migrate', summary: 'x', load }), {
      code: 'PLINTH_CLI_DUPLICATE_COMMAND',
    })
    registry.registerLazy({ name: 'seed', summary: 'Seed', load })
    assert.throws(
      () => registry.register(defineCommand({ name: 'seed', summary: 'Seed', run: noop })),
      { code: 'PLINTH_CLI_DUPLICATE_COMMAND' },
    )
  })

  it('loads every built-in lazy command, each matching its registry entry', async () => {
    for (const { name, summary } of commands.list()) {
      const command = await commands.get(name)
      assert.equal(command?.name, name)
      assert.equal(command?.summary, summary)
    }
  })

  it("keeps `plinth start`'s registry light: no ORM, Kysely or password hasher", async () => {
    // A fresh process that imports the CLI as `plinth start` does and records every package
    // resolved; the lazily registered commands' dependencies must not be among them.
    const script = [
      "import { registerHooks } from 'node:module'",
      'const seen = new Set()',
      'registerHooks({ resolve(specifier, context, next) {',
      '  const result = next(specifier, context)',
      '  const match = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(result.url)',
      '  if (match) seen.add(match[1])',
      '  return result',
      '} })',
      "const { commands } = await import('plinth/cli')",
      "await commands.get('start')",
      'console.log(JSON.stringify([...seen]))',
    ].join('\n')
    const child = spawnNode(['--input-type=module', '-e', script])
    assert.equal(await child.exited(60_000), 0, child.stderr())
    const loaded: string[] = JSON.parse(child.stdout().trim())
    assert.ok(loaded.includes('pino'), `the probe sees packages: ${loaded.join(', ')}`)
    for (const heavy of ['kysely', '@node-rs/argon2', 'zod', 'pg', 'mysql2']) {
      assert.ok(!loaded.includes(heavy), `${heavy} is loaded: ${loaded.join(', ')}`)
    }
  })
})
