/**
 * Hand-written steps: raw SQL and data migrations in TypeScript.
 *
 * A data migration receives historical models (the models as they are at that point of the
 * history, not today's), so it keeps working after the models change again.
 */
import type { DialectName } from '../../orm/connection/types.ts'
import type { Database } from '../../orm/database.ts'
import { MigrationError } from '../errors.ts'
import type { HistoricalApps, ProjectState } from '../state.ts'
import type { Operation, OperationContext } from './base.ts'

/** SQL for every dialect, or per dialect; one statement per array item. */
export type SqlSource =
  | string
  | readonly string[]
  | Partial<Record<DialectName, string | readonly string[]>>

/** Options of `op.runSql`. */
export interface RunSqlOptions {
  /** Statements run forwards. */
  sql: SqlSource
  /** Statements that undo them; without it the migration cannot be reversed (use `''` for "nothing to undo"). */
  reverse?: SqlSource
  /** Dropped when migrations are squashed (for steps only needed once). */
  elidable?: boolean
}

function statementsFor(source: SqlSource, dialect: DialectName): string[] {
  if (typeof source === 'string') return source.trim() === '' ? [] : [source]
  if (Array.isArray(source)) return [...(source as readonly string[])]
  const own = (source as Partial<Record<DialectName, string | readonly string[]>>)[dialect]
  if (own === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_NO_SQL_FOR_DIALECT',
      `This runSql operation has no SQL for ${dialect}; add a "${dialect}" entry.`,
    )
  }
  return statementsFor(own, dialect)
}

export class RunSql implements Operation {
  readonly type = 'runSql'
  readonly options: RunSqlOptions
  constructor(options: RunSqlOptions) {
    if (options?.sql === undefined)
      throw new MigrationError('PLINTH_MIGRATIONS_INVALID', 'op.runSql needs { sql }.')
    this.options = options
  }
  get reversible(): boolean {
    return this.options.reverse !== undefined
  }
  describe(): string {
    const text = typeof this.options.sql === 'string' ? this.options.sql : 'SQL'
    return `Raw SQL: ${text.replace(/\s+/g, ' ').slice(0, 60)}`
  }
  applyState(): void {}
  async forwards(ctx: OperationContext): Promise<void> {
    for (const sql of statementsFor(this.options.sql, ctx.editor.dialect))
      await ctx.editor.execute(sql)
  }
  async backwards(ctx: OperationContext): Promise<void> {
    if (this.options.reverse === undefined) throw irreversible(this.describe())
    for (const sql of statementsFor(this.options.reverse, ctx.editor.dialect))
      await ctx.editor.execute(sql)
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return '/* runSql operations are written by hand */'
  }
}

/** What a data migration function receives. */
export interface DataMigrationContext {
  /** Historical models: `models.get('Product')`. */
  models: HistoricalApps
  /** The database (inside the migration's transaction where the database has transactional DDL). */
  db: Database
  dialect: DialectName
}

/** Options of `op.runCode`. */
export interface RunCodeOptions {
  forward: (ctx: DataMigrationContext) => unknown | Promise<unknown>
  /** Undo `forward`; without it the migration cannot be reversed. `op.noop` when nothing needs undoing. */
  backward?: (ctx: DataMigrationContext) => unknown | Promise<unknown>
  /** Dropped when migrations are squashed. */
  elidable?: boolean
  /** A line for `showmigrations --verbose`. */
  description?: string
}

export class RunCode implements Operation {
  readonly type = 'runCode'
  readonly options: RunCodeOptions
  constructor(options: RunCodeOptions) {
    if (typeof options?.forward !== 'function')
      throw new MigrationError(
        'PLINTH_MIGRATIONS_INVALID',
        'op.runCode needs { forward: async ({ models, db }) => … }.',
      )
    this.options = options
  }
  get reversible(): boolean {
    return this.options.backward !== undefined
  }
  describe(): string {
    return this.options.description ?? `Data migration ${this.options.forward.name || ''}`.trim()
  }
  applyState(_state: ProjectState): void {}
  async forwards(ctx: OperationContext): Promise<void> {
    if (ctx.editor.collectOnly) {
      await ctx.editor.execute(`-- ${this.describe()} (TypeScript; runs when migrating)`)
      return
    }
    await this.options.forward({ models: ctx.from, db: ctx.db, dialect: ctx.editor.dialect })
  }
  async backwards(ctx: OperationContext): Promise<void> {
    const backward = this.options.backward
    if (backward === undefined) throw irreversible(this.describe())
    if (ctx.editor.collectOnly) {
      await ctx.editor.execute(`-- undo ${this.describe()} (TypeScript; runs when migrating)`)
      return
    }
    await backward({ models: ctx.from, db: ctx.db, dialect: ctx.editor.dialect })
  }
  dataLoss(): undefined {
    return undefined
  }
  toCode(): string {
    return '/* runCode operations are written by hand */'
  }
}

function irreversible(what: string): MigrationError {
  return new MigrationError(
    'PLINTH_MIGRATIONS_IRREVERSIBLE',
    `"${what}" cannot be reversed: it has no reverse/backward step. Add one (op.noop if nothing needs undoing) or migrate back only as far as the migration after it.`,
  )
}
