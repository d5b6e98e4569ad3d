/**
 * One compile-only Kysely per dialect. The model layer builds SQL with it and never executes
 * through it: statements run on Plinth's own drivers (`database.ts`).
 */
import { Kysely } from 'kysely'
import { createKyselyDialect } from '../connection/kysely-dialect.ts'
import type { DialectName } from '../connection/types.ts'

const compilers = new Map<DialectName, Kysely<any>>()

/** The SQL compiler for `dialect` (shared: it holds no connection and no state). */
export function compilerFor(dialect: DialectName): Kysely<any> {
  let compiler = compilers.get(dialect)
  if (compiler === undefined) {
    compiler = new Kysely<any>({ dialect: createKyselyDialect(dialect) })
    compilers.set(dialect, compiler)
  }
  return compiler
}
