/**
 * The command registry: the one place commands are added to `plinth`. The built-in commands are
 * registered in `commands/index.ts`; other modules (migrations, createsuperuser, the task worker)
 * register theirs through the same `commands.register(...)`.
 *
 * A command whose module is heavy (the migration commands load the ORM and Kysely, the auth
 * commands a password hasher) is registered with `registerLazy`: its name and summary are known
 * at once, for `plinth --help` and suggestions, and its module is imported only when it runs or
 * its help is asked for. That keeps `plinth start` from paying for every other command.
 */
import { PlinthError } from '../http/index.ts'
import { type Command, validateCommandName } from './command.ts'

/** What the command list shows: a name and one line. */
export interface CommandSummary {
  readonly name: string
  readonly summary: string
}

/** A command known by name and summary whose module `load` imports on first use. */
export interface LazyCommand extends CommandSummary {
  load(): Promise<Command<any>>
}

interface Entry extends CommandSummary {
  command: Command<any> | undefined
  load: (() => Promise<Command<any>>) | undefined
  loading: Promise<Command<any>> | undefined
}

/** A set of commands by name. */
export class CommandRegistry {
  readonly #entries = new Map<string, Entry>()

  /**
   * Add a command. Names are unique: registering a second command with a taken name throws, so
   * two modules cannot silently shadow each other.
   *
   * @example
   * commands.register(defineCommand({ name: 'hello', summary: 'Say hello', run: () => {} }))
   */
  register(command: Command<any>): this {
    const existing = this.#entries.get(command.name)
    if (existing !== undefined && existing.command === command) return this
    this.#claim(command.name, existing)
    this.#entries.set(command.name, {
      name: command.name,
      summary: command.summary,
      command,
      load: undefined,
      loading: undefined,
    })
    return this
  }

  /**
   * Add a command whose module is imported only when it runs or its help is shown. `name` and
   * `summary` must be the loaded command's own (`PLINTH_CLI_INVALID_COMMAND` otherwise, on load).
   *
   * @example
   * commands.registerLazy({
   *   name: 'db:seed',
   *   summary: 'Fill the database with demo data',
   *   load: async () => (await import('./seed-command.ts')).seedCommand,
   * })
   */
  registerLazy(command: LazyCommand): this {
    validateCommandName(command.name, command.summary)
    if (typeof command.load !== 'function') {
      throw new PlinthError(
        'PLINTH_CLI_INVALID_COMMAND',
        `registerLazy({ name: ${JSON.stringify(command.name)} }): "load" must be a function that imports the command.`,
      )
    }
    this.#claim(command.name, this.#entries.get(command.name))
    this.#entries.set(command.name, {
      name: command.name,
      summary: command.summary,
      command: undefined,
      load: command.load,
      loading: undefined,
    })
    return this
  }

  #claim(name: string, existing: Entry | undefined): void {
    if (existing === undefined) return
    throw new PlinthError(
      'PLINTH_CLI_DUPLICATE_COMMAND',
      `A command named "${name}" is already registered ("${existing.summary}"); pick another name.`,
    )
  }

  /** Whether a command has this name (without loading it). */
  has(name: string): boolean {
    return this.#entries.has(name)
  }

  /** The command with this name, its module imported first if it was registered lazily. */
  async get(name: string): Promise<Command<any> | undefined> {
    const entry = this.#entries.get(name)
    if (entry === undefined) return undefined
    if (entry.command !== undefined) return entry.command
    entry.loading ??= (entry.load as () => Promise<Command<any>>)().then((command) => {
      if (command?.name !== entry.name || command.summary !== entry.summary) {
        throw new PlinthError(
          'PLINTH_CLI_INVALID_COMMAND',
          `The lazily registered command "${entry.name}" loaded a command named ${JSON.stringify(command?.name)} with the summary ${JSON.stringify(command?.summary)}; registerLazy's name and summary must be the command's own.`,
        )
      }
      entry.command = command
      return command
    })
    return entry.loading
  }

  /** Every command's name and summary, sorted by name (nothing is loaded). */
  list(): CommandSummary[] {
    return [...this.#entries.values()]
      .map(({ name, summary }) => ({ name, summary }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }
}
