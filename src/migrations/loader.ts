/**
 * Reading migration files from each module's directory.
 *
 * A migration file is `NNNN_name.ts` (or `.js`) whose default export is `defineMigration({...})`.
 * Files are imported, never parsed: a migration is ordinary TypeScript.
 */
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { MigrationModule } from './config.ts'
import { MigrationError } from './errors.ts'
import { type Migration, type MigrationDefinition, makeMigration } from './migration.ts'

/** `0002_add_stock.ts` → `0002_add_stock`. */
export const MIGRATION_FILE = /^(\d{4,})_([a-z0-9_]+)\.(?:ts|js|mts|mjs)$/

/** The migration file names of a directory, sorted (no directory: none). */
export function migrationFiles(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((name) => MIGRATION_FILE.test(name) && !name.endsWith('.d.ts'))
    .sort()
}

/** Import every migration of `module`. */
export async function loadModuleMigrations(module: MigrationModule): Promise<Migration[]> {
  const out: Migration[] = []
  const seen = new Set<string>()
  for (const file of migrationFiles(module.migrations)) {
    const name = file.replace(/\.[^.]+$/, '')
    if (seen.has(name)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_INVALID',
        `Module "${module.name}" has two files for the migration ${name}; keep one.`,
      )
    }
    seen.add(name)
    const path = join(module.migrations, file)
    let imported: { default?: MigrationDefinition }
    try {
      imported = await import(pathToFileURL(path).href)
    } catch (error) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_LOAD_FAILED',
        `Could not load the migration ${path}: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      )
    }
    const definition = imported.default
    if (typeof definition?.operations !== 'object' || !Array.isArray(definition.operations)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_LOAD_FAILED',
        `The migration ${path} has no default export made by defineMigration({ operations: [...] }).`,
      )
    }
    out.push(makeMigration(module.name, name, definition, path))
  }
  return out
}

/** Import the migrations of every module. */
export async function loadMigrations(modules: readonly MigrationModule[]): Promise<Migration[]> {
  const all: Migration[] = []
  for (const module of modules) all.push(...(await loadModuleMigrations(module)))
  return all
}
