/**
 * `main(argv)`: dispatch a `plinth` command line to a registered command.
 *
 * Exit codes: 0 success, 1 the command failed, 2 bad usage (unknown command or option).
 */
import { readFileSync } from 'node:fs'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { PlinthError } from '../http/index.ts'
import type { Command, CommandArgs, CommandIO, OptionSpec } from './command.ts'
import { UsageError } from './command.ts'
import { commands } from './commands/index.ts'
import { renderCommandHelp, renderHelp, suggestCommand } from './help.ts'
import type { CommandRegistry } from './registry.ts'

/** Options of {@link main} (tests inject a registry and captured output). */
export interface MainOptions {
  /** Commands to dispatch to. Default: the shared `commands` registry. */
  registry?: CommandRegistry
  /** Output streams, working directory and environment. Default: the current process's. */
  io?: Partial<CommandIO>
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'))
  return String(pkg.version)
}

function parseCommandArgs(command: Command<any>, argv: string[]): CommandArgs {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, spec] of Object.entries<OptionSpec>(command.options ?? {})) {
    // parseArgs rejects keys present with `undefined`, so copy only what is set.
    const option: NonNullable<ParseArgsConfig['options']>[string] = { type: spec.type }
    if (spec.short !== undefined) option.short = spec.short
    if (spec.multiple !== undefined) option.multiple = spec.multiple
    options[name] = option
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      strict: true,
      allowPositionals: command.positionals !== undefined,
    })
    return { values: values as CommandArgs['values'], positionals }
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and readable messages.
    throw new UsageError((error as Error).message)
  }
}

function wantsHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--')
  const before = end === -1 ? argv : argv.slice(0, end)
  return before.includes('--help') || before.includes('-h')
}

/**
 * Errors of lower layers (the ORM, migrations) carry a stable `PLINTH_*` code and a message that
 * says what to do, like `PlinthError`, but do not extend it (the ORM knows nothing of HTTP).
 */
function isCodedError(error: unknown): error is Error & { code: string; cause?: unknown } {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('PLINTH_')
}

/**
 * A syntax error in the app module: Node prints where it is (file, line, caret) only for an
 * uncaught error, so it is rethrown for Node to report rather than printed here.
 */
function isAppSyntaxError(error: unknown): error is PlinthError & { cause: SyntaxError } {
  return (
    error instanceof PlinthError &&
    error.code === 'PLINTH_CLI_APP_IMPORT_FAILED' &&
    error.cause instanceof SyntaxError
  )
}

function report(error: unknown, command: Command<any>, io: CommandIO): number {
  if (error instanceof UsageError) {
    io.stderr.write(
      `plinth ${command.name}: ${error.message}\nRun 'plinth help ${command.name}' for usage.\n`,
    )
    return 2
  }
  if (error instanceof PlinthError || isCodedError(error)) {
    io.stderr.write(`error: ${error.message} [${error.code}]\n`)
    // The stack of an app's own error (thrown while importing it) shows where to look; a system
    // error (EADDRINUSE) adds nothing to a message that already explains it.
    const cause = error.cause as (Error & { syscall?: string }) | undefined
    if (cause?.stack && cause.syscall === undefined) io.stderr.write(`\n${cause.stack}\n`)
    return 1
  }
  io.stderr.write(`plinth ${command.name} failed:\n${(error as Error)?.stack ?? String(error)}\n`)
  return 1
}

/**
 * Run a `plinth` command line; resolves to the exit code. A long-running command (`start`)
 * resolves once it is serving and the server keeps the process alive.
 *
 * @example
 * // bin/plinth.js
 * process.exitCode = await main(process.argv.slice(2))
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const registry = options.registry ?? commands
  const io: CommandIO = {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    env: process.env,
    ...options.io,
  }
  const [first, ...rest] = argv
  if (first === undefined) {
    io.stderr.write(renderHelp(registry))
    return 2
  }
  if (first === '--help' || first === '-h') {
    io.stdout.write(renderHelp(registry))
    return 0
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`plinth ${version()}\n`)
    return 0
  }
  if (first === 'help') {
    if (rest[0] === undefined) {
      io.stdout.write(renderHelp(registry))
      return 0
    }
    const command = await registry.get(rest[0])
    if (command !== undefined) {
      io.stdout.write(renderCommandHelp(command))
      return 0
    }
    return unknown(rest[0], registry, io)
  }
  const command = await registry.get(first)
  if (command === undefined) return unknown(first, registry, io)
  if (wantsHelp(rest)) {
    io.stdout.write(renderCommandHelp(command))
    return 0
  }
  try {
    const args = parseCommandArgs(command, rest)
    return (await command.run(args, io)) ?? 0
  } catch (error) {
    if (isAppSyntaxError(error)) {
      io.stderr.write(`error: ${error.message}\n`)
      throw error.cause
    }
    return report(error, command, io)
  }
}

function unknown(name: string, registry: CommandRegistry, io: CommandIO): number {
  const what = name.startsWith('-') ? `Unknown option "${name}".` : `Unknown command "${name}".`
  const suggestion = name.startsWith('-')
    ? undefined
    : suggestCommand(
        name,
        registry.list().map((command) => command.name),
      )
  io.stderr.write(
    `${what}${suggestion ? ` Did you mean "${suggestion}"?` : ''}\n\n${renderHelp(registry)}`,
  )
  return 2
}
