/**
 * The TechEmpower fixture shared by the setup, the servers and the template benchmark: the
 * default databases, the World table's size and the 12 fortunes. Imports nothing heavy, so a
 * server can use it without the harness adding to its measured memory.
 */
import { join } from 'node:path'

export type TfbDatabaseKind = 'postgres' | 'sqlite'

export const DEFAULT_DATABASES: Record<TfbDatabaseKind, string> = {
  postgres: 'postgres://postgres@127.0.0.1:5432/plinth_tfb',
  sqlite: join(import.meta.dirname, '.data', 'tfb.sqlite'),
}

export const WORLD_ROWS = 10_000

/** TechEmpower's fortunes with their ids (the validator's expected page lists each id). */
export const FORTUNES: ReadonlyArray<{ id: number; message: string }> = [
  { id: 1, message: 'fortune: No such file or directory' },
  { id: 2, message: "A computer scientist is someone who fixes things that aren't broken." },
  { id: 3, message: 'After enough decimal places, nobody gives a damn.' },
  { id: 4, message: 'A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1' },
  { id: 5, message: 'A computer program does what you tell it to do, not what you want it to do.' },
  { id: 6, message: 'Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen' },
  { id: 7, message: 'Any program that runs right is obsolete.' },
  { id: 8, message: 'A list is only as strong as its weakest link. — Donald Knuth' },
  { id: 9, message: 'Feature: A bug with seniority.' },
  { id: 10, message: 'Computers make very fast, very accurate mistakes.' },
  {
    id: 11,
    message: '<script>alert("This should not be displayed in a browser alert box.");</script>',
  },
  { id: 12, message: 'フレームワークのベンチマーク' },
]
