/**
 * `plinth checkschema`: does the database match the applied migrations?
 *
 * Run it in CI against a freshly migrated database, or before a deploy against production, to
 * catch hand-made schema changes (an index added from a console, a column altered by a script)
 * before the next migration trips over them. Exit 0 when nothing differs, 1 with one line per
 * difference otherwise.
 */
import { checkSchema, type SchemaCheck } from '../../../migrations/index.ts'
import { defineCommand } from '../../command.ts'
import { configOption, loadMigrationConfig } from '../../load-migration-config.ts'

/** The text `plinth checkschema` prints for a check (without `--json`). */
export function formatSchemaCheck(check: SchemaCheck): { stdout: string; stderr: string } {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`
  let stderr = ''
  if (check.pending.length > 0) {
    stderr += `Note: ${plural(check.pending.length, 'migration')} not applied yet (${check.pending.join(', ')}) ${check.pending.length === 1 ? 'is' : 'are'} not part of the comparison; \`plinth migrate\` applies them.\n`
  }
  if (check.partial.length > 0) {
    stderr += `Note: ${check.partial.join(', ')} stopped part-way in an earlier run; compared with the operations that ran. \`plinth migrate\` resumes ${check.partial.length === 1 ? 'it' : 'them'}.\n`
  }
  if (check.drift.length === 0) {
    return {
      stdout: `No drift: the database matches the migrations (${plural(check.tables, 'table')}).\n`,
      stderr,
    }
  }
  stderr += `${plural(check.drift.length, 'difference')} between the database and the applied migrations. Write a migration for intended changes, or undo the manual ones.\n`
  return { stdout: check.drift.map((item) => `${item.message}\n`).join(''), stderr }
}

/** The `checkschema` command. */
export const checkschemaCommand = defineCommand({
  name: 'checkschema',
  summary: 'Check that the database schema matches the applied migrations',
  description:
    'Replay the migrations recorded as applied, then compare the schema they describe with the ' +
    "database's catalog: tables, columns (type, NULL, primary key), indexes, unique constraints, " +
    'foreign keys and check constraints. Prints one line per difference and exits 1, or exits 0 ' +
    'when there is none. Defaults and predicate texts are not compared.',
  options: {
    config: configOption,
    json: { type: 'boolean', description: 'Print the result as JSON' },
    strict: {
      type: 'boolean',
      description: 'Also report tables that no model or migration knows about',
    },
  },
  async run({ values }, io) {
    const loaded = await loadMigrationConfig(values.config, io.cwd)
    try {
      const db = await loaded.database()
      const check = await checkSchema(db, {
        modules: loaded.config.modules,
        strict: values.strict === true,
        ...(loaded.config.table ? { table: loaded.config.table } : {}),
      })
      if (values.json) {
        io.stdout.write(`${JSON.stringify({ ok: check.drift.length === 0, ...check }, null, 2)}\n`)
      } else {
        const text = formatSchemaCheck(check)
        io.stdout.write(text.stdout)
        if (text.stderr) io.stderr.write(text.stderr)
      }
      return check.drift.length === 0 ? 0 : 1
    } finally {
      await loaded.close()
    }
  },
})
