/**
 * What a CLI command is: a name, a one-line summary for `plinth --help`, options in the shape
 * `node:util` `parseArgs` understands (plus a description for help), and a `run` function.
 */
import { PlinthError } from '../http/index.ts'

/** One command-line option: a `parseArgs` option with a description for the help text. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  /** Single-letter alias (`-p`). `-h` and `-v` are reserved for help and version. */
  short?: string
  /** Allow repeating the option; the value becomes an array. */
  multiple?: boolean
  /** Shown in help. */
  description: string
  /** Value placeholder in help, e.g. `<port>`. Default `<value>` for string options. */
  placeholder?: string
}

/** Options of a command, by long name (`port` → `--port`). */
export type OptionSpecs = Record<string, OptionSpec>

type OptionValue<S extends OptionSpec> = S['type'] extends 'boolean'
  ? S['multiple'] extends true
    ? boolean[]
    : boolean
  : S['multiple'] extends true
    ? string[]
    : string

/** Parsed option values: absent options are `undefined`. */
export type OptionValues<O extends OptionSpecs> = { [K in keyof O]?: OptionValue<O[K]> }

/** What `run` receives. */
export interface CommandArgs<O extends OptionSpecs = OptionSpecs> {
  values: OptionValues<O>
  positionals: string[]
}

/** Where a command writes and what it reads; injectable so commands can be tested in-process. */
export interface CommandIO {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  /** Directory the command runs in (app module resolution starts here). */
  cwd: string
  /** Environment variables (`PORT`, `HOST`, …). */
  env: Record<string, string | undefined>
}

/** A CLI command. Build it with {@link defineCommand}. */
export interface Command<O extends OptionSpecs = OptionSpecs> {
  /** What the user types: lower-case letters, digits, `-` and `:` (`migrate`, `db:seed`). */
  name: string
  /** One line for the command list. */
  summary: string
  /** Longer text for `plinth help <name>`. */
  description?: string
  /** Usage of positional arguments (e.g. `<username>`); without it, positionals are refused. */
  positionals?: string
  options?: O
  /**
   * Do the work. Return an exit code (default 0). Throw `UsageError` for bad input (exit 2) and
   * `PlinthError` for failures with a message the user can act on (exit 1).
   */
  run(args: CommandArgs<O>, io: CommandIO): number | undefined | Promise<number | undefined>
}

/** Bad command-line input: reported with a pointer to the command's help, exit code 2. */
export class UsageError extends PlinthError {
  constructor(message: string) {
    super('PLINTH_CLI_USAGE', message)
    this.name = 'UsageError'
  }
}

const NAME = /^[a-z][a-z0-9]*(?:[-:][a-z0-9]+)*$/
const OPTION_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/
const RESERVED_SHORT = new Set(['h', 'v'])

/** Check a command's name and summary (`PLINTH_CLI_INVALID_COMMAND`); `how` names the call. */
export function validateCommandName(
  name: unknown,
  summary: unknown,
  how = 'registerLazy',
): asserts name is string {
  const where = `${how}({ name: ${JSON.stringify(name)} })`
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new PlinthError(
      'PLINTH_CLI_INVALID_COMMAND',
      `${where}: the name must be lower-case letters and digits, optionally joined by "-" or ":" (e.g. "migrate", "db:seed").`,
    )
  }
  if (typeof summary !== 'string' || summary.trim() === '') {
    throw new PlinthError('PLINTH_CLI_INVALID_COMMAND', `${where}: add a one-line "summary".`)
  }
}

/**
 * Declare a command (checked now, so a typo fails when the module loads, not when run).
 *
 * @example
 * export const hello = defineCommand({
 *   name: 'hello',
 *   summary: 'Greet someone',
 *   options: { name: { type: 'string', short: 'n', description: 'Who to greet' } },
 *   run({ values }, io) {
 *     io.stdout.write(`Hello, ${values.name ?? 'world'}!\n`)
 *   },
 * })
 * commands.register(hello)
 */
export function defineCommand<O extends OptionSpecs = {}>(command: Command<O>): Command<O> {
  const where = `defineCommand({ name: ${JSON.stringify(command.name)} })`
  validateCommandName(command.name, command.summary, 'defineCommand')
  if (typeof command.run !== 'function') {
    throw new PlinthError('PLINTH_CLI_INVALID_COMMAND', `${where}: "run" must be a function.`)
  }
  for (const [name, spec] of Object.entries(command.options ?? {})) {
    if (!OPTION_NAME.test(name) || name === 'help' || name === 'version') {
      throw new PlinthError(
        'PLINTH_CLI_INVALID_COMMAND',
        `${where}: option "${name}" must be kebab-case and must not be "help" or "version".`,
      )
    }
    if (spec.type !== 'string' && spec.type !== 'boolean') {
      throw new PlinthError(
        'PLINTH_CLI_INVALID_COMMAND',
        `${where}: option "${name}" needs type "string" or "boolean".`,
      )
    }
    if (
      spec.short !== undefined &&
      (!/^[a-zA-Z]$/.test(spec.short) || RESERVED_SHORT.has(spec.short))
    ) {
      throw new PlinthError(
        'PLINTH_CLI_INVALID_COMMAND',
        `${where}: option "${name}" has short "${spec.short}"; use one letter other than -h and -v.`,
      )
    }
  }
  return Object.freeze({ ...command })
}
