/**
 * A fingerprint of what a migration does, stored with its record when it is applied, so a
 * migration edited after it ran is noticed: the database holds what the old text did, and
 * databases migrated later would get something else (the security catalogue's "applied
 * migrations are checksummed"; Flyway validates the same way).
 *
 * It covers the operations (each as the text that recreates it, the SQL of `runSql` and the
 * source of `runCode` functions), not comments, formatting or dependencies, so reformatting a file
 * or adding a comment is not an edit.
 */
import { createHash } from 'node:crypto'
import type { Migration } from './migration.ts'
import { RunCode, RunSql } from './operations/special.ts'

/** A stable hex fingerprint of `migration`'s operations. */
export function migrationChecksum(migration: Pick<Migration, 'module' | 'operations'>): string {
  const hash = createHash('sha256')
  for (const operation of migration.operations) {
    hash.update(operation.type)
    hash.update('\0')
    if (operation instanceof RunSql) {
      hash.update(JSON.stringify([operation.options.sql, operation.options.reverse ?? null]))
    } else if (operation instanceof RunCode) {
      hash.update(String(operation.options.forward))
      hash.update('\0')
      hash.update(String(operation.options.backward ?? ''))
    } else {
      hash.update(operation.toCode(migration.module))
    }
    hash.update('\n')
  }
  return hash.digest('hex').slice(0, 32)
}
