import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PlinthError } from '../http/index.ts'
import { defineCommand, UsageError } from './command.ts'
import { main } from './main.ts'
import { CommandRegistry } from './registry.ts'

function captured() {
  let stdout = ''
  let stderr = ''
  return {
    io: {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      cwd: '/nowhere',
      env: {},
    },
    stdout: () => stdout,
    stderr: () => stderr,
  }
}

function registryWith(...commands: Parameters<CommandRegistry['register']>[0][]) {
  const registry = new CommandRegistry()
  for (const command of commands) registry.register(command)
  return registry
}

const greet = defineCommand({
  name: 'greet',
  summary: 'Greet someone',
  positionals: '[names...]',
  options: {
    loud: { type: 'boolean', short: 'l', description: 'Shout' },
    greeting: { type: 'string', short: 'g', placeholder: '<word>', description: 'Word to use' },
  },
  run({ values, positionals }, io) {
    const line = `${values.greeting ?? 'hello'} ${positionals.join(' ')}`
    io.stdout.write(`${values.loud ? line.toUpperCase() : line}\n`)
    return 0
  },
})

describe('main()', () => {
  it('dispatches to the command with parsed options and positionals', async () => {
    const out = captured()
    const code = await main(['greet', '-l', '--greeting', 'hi', 'ada', 'grace'], {
      registry: registryWith(greet),
      io: out.io,
    })
    assert.equal(code, 0)
    assert.equal(out.stdout(), 'HI ADA GRACE\n')
  })

  it('lists registered commands with --help and exits 0', async () => {
    const out = captured()
    const code = await main(['--help'], { registry: registryWith(greet), io: out.io })
    assert.equal(code, 0)
    assert.match(out.stdout(), /Usage: plinth <command>/)
    assert.match(out.stdout(), /^ {2}greet +Greet someone$/m)
  })

  it('prints a command\'s options for "help <command>" and "<command> --help"', async () => {
    for (const argv of [
      ['help', 'greet'],
      ['greet', '--help'],
    ]) {
      const out = captured()
      assert.equal(await main(argv, { registry: registryWith(greet), io: out.io }), 0)
      assert.match(out.stdout(), /Usage: plinth greet \[options\] \[names\.\.\.\]/)
      assert.match(out.stdout(), /-g, --greeting <word> +Word to use/)
      assert.match(out.stdout(), /-l, --loud +Shout/)
    }
  })

  it('rejects an unknown command with exit code 2, a suggestion and the help text', async () => {
    const out = captured()
    const code = await main(['gret'], { registry: registryWith(greet), io: out.io })
    assert.equal(code, 2)
    assert.match(out.stderr(), /Unknown command "gret"\. Did you mean "greet"\?/)
    assert.match(out.stderr(), /Commands:/)
    assert.equal(out.stdout(), '')
  })

  it('prints help to stderr with exit code 2 when no command is given', async () => {
    const out = captured()
    assert.equal(await main([], { registry: registryWith(greet), io: out.io }), 2)
    assert.match(out.stderr(), /Usage: plinth <command>/)
  })

  it('rejects an unknown option with exit code 2 and points at the command help', async () => {
    const out = captured()
    const code = await main(['greet', '--nope'], { registry: registryWith(greet), io: out.io })
    assert.equal(code, 2)
    assert.match(out.stderr(), /plinth greet: Unknown option '--nope'/)
    assert.match(out.stderr(), /Run 'plinth help greet' for usage/)
  })

  it('refuses positionals for a command that declares none', async () => {
    const bare = defineCommand({ name: 'bare', summary: 'No arguments', run: () => 0 })
    const out = captured()
    assert.equal(await main(['bare', 'extra'], { registry: registryWith(bare), io: out.io }), 2)
    assert.match(out.stderr(), /Unexpected argument 'extra'/)
  })

  it('maps UsageError to exit code 2 and PlinthError to 1 with its message and code', async () => {
    const usage = defineCommand({
      name: 'usage',
      summary: 'Fails on input',
      run: () => {
        throw new UsageError('--count must be positive')
      },
    })
    const broken = defineCommand({
      name: 'broken',
      summary: 'Fails',
      run: async () => {
        throw new PlinthError('PLINTH_TEST_BROKEN', 'The thing is broken; fix it.')
      },
    })
    const registry = registryWith(usage, broken)
    const first = captured()
    assert.equal(await main(['usage'], { registry, io: first.io }), 2)
    assert.match(first.stderr(), /plinth usage: --count must be positive/)
    const second = captured()
    assert.equal(await main(['broken'], { registry, io: second.io }), 1)
    assert.equal(second.stderr(), 'error: The thing is broken; fix it. [PLINTH_TEST_BROKEN]\n')
  })

  it('reports an unexpected error with its stack and exit code 1', async () => {
    const crash = defineCommand({
      name: 'crash',
      summary: 'Crashes',
      run: () => {
        throw new TypeError('undefined is not a function')
      },
    })
    const out = captured()
    assert.equal(await main(['crash'], { registry: registryWith(crash), io: out.io }), 1)
    assert.match(
      out.stderr(),
      /plinth crash failed:\nTypeError: undefined is not a function\n {4}at /,
    )
  })

  it('prints the package version', async () => {
    const out = captured()
    assert.equal(await main(['--version'], { registry: registryWith(greet), io: out.io }), 0)
    assert.match(out.stdout(), /^plinth \d+\.\d+\.\d+/)
  })
})
