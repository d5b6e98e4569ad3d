/**
 * `plinth makemigrations [module…]`: write migration files for model changes.
 *
 * Questions (was this a rename? what do existing rows get? may this drop data?) are asked only
 * in a terminal. Everywhere else — CI, scripts, tests — answers are declared with flags, and an
 * unanswered question is an error naming the flag that answers it, so a pipeline never hangs on
 * a prompt and never guesses.
 */
import { createInterface, type Interface } from 'node:readline/promises'
import {
  type DeclaredRename,
  MigrationError,
  makeMigrations,
  parseFillValue,
  promptQuestioner,
} from '../../../migrations/index.ts'
import { defineCommand, UsageError } from '../../command.ts'
import { configOption, loadMigrationConfig } from '../../load-migration-config.ts'

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/
const MODULE = /^[a-z][a-z0-9_]*$/
const MODEL = /^[A-Z][A-Za-z0-9]*$/

/** The model part of a flag: `app.Product` or `Product`; undefined when malformed. */
function modelRef(parts: readonly string[]): string | undefined {
  if (parts.length === 1 && MODEL.test(parts[0]!)) return parts[0]
  if (parts.length === 2 && MODULE.test(parts[0]!) && MODEL.test(parts[1]!)) return parts.join('.')
  return undefined
}

/**
 * A `--rename` value: `app.Product.title=name` (a field) or `app.Item=Product` (a model); the
 * module may be left out when the model name is unique.
 *
 * @example
 * parseRenameFlag('app.Product.title=name') // { model: 'app.Product', from: 'title', to: 'name' }
 */
export function parseRenameFlag(text: string): DeclaredRename {
  const eq = text.indexOf('=')
  const left = eq === -1 ? '' : text.slice(0, eq)
  const right = eq === -1 ? '' : text.slice(eq + 1)
  const parts = left.split('.')
  const asModel = modelRef(parts)
  if (asModel !== undefined && MODEL.test(right)) return { model: asModel, to: right }
  const fieldModel = modelRef(parts.slice(0, -1))
  const from = parts.at(-1)!
  if (fieldModel !== undefined && IDENTIFIER.test(from) && IDENTIFIER.test(right))
    return { model: fieldModel, from, to: right }
  throw new UsageError(
    `--rename ${text}: write a field rename as module.Model.old=new (--rename app.Product.title=name) or a model rename as module.Old=New (--rename app.Item=Product).`,
  )
}

/**
 * A `--default` value: `app.Product.stock=0` → `['app.Product.stock', 0]` (the value is JSON
 * when it parses, else text).
 */
export function parseDefaultFlag(text: string): [string, unknown] {
  const eq = text.indexOf('=')
  const left = eq === -1 ? '' : text.slice(0, eq)
  const parts = left.split('.')
  if (modelRef(parts.slice(0, -1)) === undefined || !IDENTIFIER.test(parts.at(-1) ?? '')) {
    throw new UsageError(
      `--default ${text}: write it as module.Model.field=value, e.g. --default app.Product.stock=0 (the value is JSON when it parses, else text).`,
    )
  }
  return [left, parseFillValue(text.slice(eq + 1))]
}

/** The `makemigrations` command. */
export const makemigrationsCommand = defineCommand({
  name: 'makemigrations',
  summary: 'Write migrations for model changes',
  description:
    'Compare the models with the state the migration files build and write one migration per ' +
    'module that changed. In a terminal it asks about renames, values for new NOT NULL fields ' +
    'and changes that lose data; elsewhere declare the answers with --rename, --no-renames, ' +
    '--default and --allow-data-loss. Exit code 1 with --check when changes have no migration.',
  positionals: '[module...]',
  options: {
    check: {
      type: 'boolean',
      description: 'Write nothing; exit 1 when models have changes without a migration (CI)',
    },
    'dry-run': { type: 'boolean', description: 'Print the files that would be written' },
    empty: { type: 'boolean', description: 'Write an empty migration for hand-written operations' },
    name: {
      type: 'string',
      description: 'Name of the migration file (0004_<name>.ts)',
      placeholder: '<name>',
    },
    merge: { type: 'boolean', description: 'Write merge migrations for branched histories' },
    rename: {
      type: 'string',
      multiple: true,
      description: 'Declare a rename: app.Product.title=name (field) or app.Item=Product (model)',
      placeholder: '<from=to>',
    },
    'no-renames': {
      type: 'boolean',
      description: 'Treat undeclared rename candidates as remove + add (drops the old data)',
    },
    default: {
      type: 'string',
      multiple: true,
      description: 'Value for existing rows of a new NOT NULL field: app.Product.stock=0',
      placeholder: '<field=value>',
    },
    'allow-data-loss': {
      type: 'boolean',
      description: 'Write operations that drop columns, tables or narrow types',
    },
    config: configOption,
  },
  async run({ values, positionals }, io) {
    const renames = (values.rename ?? []).map(parseRenameFlag)
    const defaults = Object.fromEntries((values.default ?? []).map(parseDefaultFlag))
    const modes = (['check', 'empty', 'merge'] as const).filter((m) => values[m])
    if (modes.length > 1)
      throw new UsageError(`--${modes.join(' and --')} cannot be used together.`)
    // Generation never opens the database: only the configuration's modules are used.
    const { config } = await loadMigrationConfig(values.config, io.cwd)
    const names = config.modules.map((m) => m.name)
    for (const module of positionals) {
      if (!names.includes(module)) {
        throw new UsageError(
          `There is no module "${module}" in the migration configuration (modules: ${names.join(', ')}).`,
        )
      }
    }
    const terminal =
      process.stdin.isTTY === true && (io.stdout as { isTTY?: boolean }).isTTY === true
    let rl: Interface | undefined
    try {
      if (terminal && !values.check)
        rl = createInterface({ input: process.stdin, output: process.stdout })
      const prompt = rl
      const result = await makeMigrations({
        modules: config.modules,
        only: positionals,
        check: values.check ?? false,
        dryRun: values['dry-run'] ?? false,
        empty: values.empty ?? false,
        merge: values.merge ?? false,
        ...(values.name === undefined ? {} : { name: values.name }),
        renames,
        noRenames: values['no-renames'] ?? false,
        defaults,
        allowDataLoss: values['allow-data-loss'] ?? false,
        interactive: prompt !== undefined,
        ...(prompt
          ? {
              questioner: promptQuestioner(
                (q) => prompt.question(q),
                (t) => io.stdout.write(t),
              ),
            }
          : {}),
        cwd: io.cwd,
      })
      io.stdout.write(result.output)
      return values.check && result.changed ? 1 : 0
    } catch (error) {
      // The message says what to do; a stack trace would bury it.
      if (!(error instanceof MigrationError)) throw error
      io.stderr.write(`error: ${error.message} [${error.code}]\n`)
      return 1
    } finally {
      rl?.close()
    }
  },
})
