/**
 * The catalogue's database: opened from a URL and brought up to date by the migrations in
 * `../migrations/` (generated with `npx plinth makemigrations`; `0002_seed_catalogue` is a data
 * migration that fills a fresh catalogue).
 *
 * On the embedded default (SQLite) the app applies pending migrations when it starts, so
 * `npm start` works on a fresh clone. On PostgreSQL or MySQL migrating is a deploy step
 * (`npx plinth migrate`, which takes a lock so two deploys never migrate at once); the app
 * refuses to start with migrations pending rather than serve a schema its code does not expect.
 */
import { syncPermissions } from 'plinth/auth'
import { migrate, plan } from 'plinth/migrations'
import { createDatabase, type Database } from 'plinth/orm'
import { modules } from './migrations.config.ts'

/**
 * Apply pending migrations (`migrateOnStart`), or check there are none. Safe on every start.
 *
 * @example
 * await prepareDatabase(db, { migrateOnStart: db.dialect === 'sqlite' })
 */
export async function prepareDatabase(
  db: Database,
  { migrateOnStart }: { migrateOnStart: boolean },
): Promise<void> {
  if (migrateOnStart) {
    await migrate(db, { modules })
    // view/add/change/delete permissions for every model (`plinth createsuperuser` does it too).
    await syncPermissions({ models: modules.flatMap((m) => m.models), database: db })
    return
  }
  const pending = await plan(db, { modules })
  if (pending.length > 0) {
    throw new Error(
      `The database is missing ${pending.length} migration(s) (${pending.map((s) => s.migration.key).join(', ')}). ` +
        'Run `npx plinth migrate` (a deploy step), or start with CATALOG_MIGRATE_ON_START=1.',
    )
  }
}

/** Open the database for `url` (nothing connects until the first query). */
export function openDatabase(url: string): Database {
  // Models are not attached to this database: the app runs each request inside `db.scope()`, so
  // several apps (tests, the PostgreSQL check) can use the same models on different databases.
  return createDatabase(url)
}
