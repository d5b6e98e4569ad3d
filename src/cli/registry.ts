/**
 * The command registry: the one place commands are added to `plinth`. The built-in commands are
 * registered in `commands/index.ts`; other modules (migrations, createsuperuser, the task worker)
 * register theirs through the same `commands.register(...)`.
 */
import { PlinthError } from '../http/index.ts'
import type { Command } from './command.ts'

/** A set of commands by name. */
export class CommandRegistry {
  readonly #commands = new Map<string, Command<any>>()

  /**
   * Add a command. Names are unique: registering a second command with a taken name throws, so
   * two modules cannot silently shadow each other.
   *
   * @example
   * commands.register(defineCommand({ name: 'hello', summary: 'Say hello', run: () => {} }))
   */
  register(command: Command<any>): this {
    const existing = this.#commands.get(command.name)
    if (existing === command) return this
    if (existing !== undefined) {
      throw new PlinthError(
        'PLINTH_CLI_DUPLICATE_COMMAND',
        `A command named "${command.name}" is already registered ("${existing.summary}"); pick another name.`,
      )
    }
    this.#commands.set(command.name, command)
    return this
  }

  /** The command with this name, if any. */
  get(name: string): Command<any> | undefined {
    return this.#commands.get(name)
  }

  /** All commands, sorted by name. */
  list(): Command<any>[] {
    return [...this.#commands.values()].sort((a, b) => a.name.localeCompare(b.name))
  }
}
