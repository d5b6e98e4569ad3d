import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
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
  it('lists commands sorted by name and finds them by name', () => {
    const registry = new CommandRegistry()
      .register(defineCommand({ name: 'zeta', summary: 'z', run: noop }))
      .register(defineCommand({ name: 'alpha', summary: 'a', run: noop }))
    assert.deepEqual(
      registry.list().map((command) => command.name),
      ['alpha', 'zeta'],
    )
    assert.equal(registry.get('alpha')?.summary, 'a')
    assert.equal(registry.get('beta'), undefined)
  })

  it('refuses a second command with a taken name but tolerates re-registering the same one', () => {
    const first = defineCommand({ name: 'migrate', summary: 'Apply migrations', run: noop })
    const registry = new CommandRegistry().register(first).register(first)
    assert.throws(
      () => registry.register(defineCommand({ name: 'migrate', summary: 'Other', run: noop })),
      { code: 'PLINTH_CLI_DUPLICATE_COMMAND', message: /"migrate" is already registered/ },
    )
  })

  it('has the built-in start, dev and routes commands in the shared registry', () => {
    for (const name of ['start', 'dev', 'routes']) assert.ok(commands.get(name), name)
  })
})
