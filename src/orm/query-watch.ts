/**
 * N+1 detection: count statements per shape while a unit of work (a request, a job) runs, and
 * report any shape that ran suspiciously often.
 *
 * Values are bound parameters, so the SQL text is the same for every run of one query shape:
 * `SELECT … WHERE "category_id" = ?` executed once per product in a loop is the classic N+1, and
 * shows up here as one text with a high count. Counts live in AsyncLocalStorage, so concurrent
 * requests are counted apart; the statement observer is registered only while a unit runs.
 *
 * The middleware has the shape of a Plinth middleware without importing the app (the ORM knows
 * nothing of HTTP): `app.use(queryWatchMiddleware(db))`.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { Database } from './database.ts'
import { OrmConfigError } from './errors.ts'

/** A query shape that ran at least `threshold` times in one unit of work. */
export interface RepeatedQuery {
  sql: string
  count: number
}

/** Options of `watchQueries`. */
export interface QueryWatchOptions {
  /** Report shapes run at least this many times in one `run` (default 10). */
  threshold?: number
  /** Called after `run`'s function finishes (or throws), once per repeated shape. */
  onRepeated: (repeated: RepeatedQuery) => void
}

/** Runs units of work and reports repeated queries in each. */
export interface QueryWatcher {
  /** Run `fn`, counting the statements it executes on the database; returns what `fn` returns. */
  run<T>(fn: () => T | Promise<T>): Promise<T>
}

/**
 * Watch `db` for query shapes repeated within one unit of work.
 *
 * @example
 * const watcher = watchQueries(db, { onRepeated: ({ sql, count }) => console.warn(`${count}× ${sql}`) })
 * await watcher.run(async () => {
 *   for (const product of await Product.objects.all()) await product.load('category') // reported
 * })
 */
export function watchQueries(db: Database, options: QueryWatchOptions): QueryWatcher {
  const threshold = options.threshold ?? 10
  if (!Number.isSafeInteger(threshold) || threshold < 2) {
    throw new OrmConfigError(
      `watchQueries(): threshold must be a whole number of at least 2; got ${String(threshold)}.`,
    )
  }
  const counts = new AsyncLocalStorage<Map<string, number>>()
  let active = 0
  let stop: (() => void) | undefined

  const observe = () => {
    if (active++ === 0) {
      stop = db.observe((statement) => {
        const store = counts.getStore()
        if (store !== undefined) store.set(statement.sql, (store.get(statement.sql) ?? 0) + 1)
      })
    }
  }
  const unobserve = () => {
    if (--active === 0) {
      stop?.()
      stop = undefined
    }
  }

  return {
    async run<T>(fn: () => T | Promise<T>): Promise<T> {
      const store = new Map<string, number>()
      observe()
      try {
        return await counts.run(store, fn)
      } finally {
        unobserve()
        for (const [sql, count] of store) {
          if (count < threshold) continue
          try {
            options.onRepeated({ sql, count })
          } catch {
            // A reporting failure must not replace the unit's own result or error.
          }
        }
      }
    },
  }
}

/** The part of a request context the middleware uses (Plinth's `ctx.log` fits). */
export interface QueryWatchContext {
  log?: { warn(obj: object, msg: string): void }
}

/** Options of `queryWatchMiddleware`. */
export interface QueryWatchMiddlewareOptions {
  /** Warn when one shape runs at least this many times in one request (default 10). */
  threshold?: number
  /** Where to warn instead of the request's logger (`ctx.log`). */
  log?: { warn(obj: object, msg: string): void }
}

/**
 * Middleware that logs a warning when a request runs the same query shape `threshold` or more
 * times. Meant for development: `if (app.debug) app.use(queryWatchMiddleware(db))`.
 *
 * @example
 * app.use(queryWatchMiddleware(db, { threshold: 5 }))
 * // WARN N+1 suspected: the same query ran 20 times in one request: SELECT … Use selectRelated()/prefetchRelated().
 */
export function queryWatchMiddleware(
  db: Database,
  options: QueryWatchMiddlewareOptions = {},
): (ctx: QueryWatchContext, next: () => Promise<unknown>) => Promise<unknown> {
  const current = new AsyncLocalStorage<QueryWatchContext>()
  const watcher = watchQueries(db, {
    threshold: options.threshold ?? 10,
    onRepeated: ({ sql, count }) => {
      const log = options.log ?? current.getStore()?.log
      log?.warn(
        { sql, count },
        `N+1 suspected: the same query ran ${count} times in one request: ${sql}. Use selectRelated()/prefetchRelated().`,
      )
    },
  })
  return (ctx, next) => current.run(ctx, () => watcher.run(next))
}
