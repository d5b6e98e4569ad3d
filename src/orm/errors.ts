/**
 * The ORM's errors: one class per failure, the same on every dialect.
 *
 * Every error has a stable `code` (listed in docs/errors.md) and a message that says what to do.
 * Driver errors are translated (`connection/normalize-error.ts`) so that a unique violation on
 * SQLite, PostgreSQL and MariaDB is the same `UniqueViolationError` naming the same fields; the
 * driver's own error stays available as `cause`.
 *
 * The ORM knows nothing of HTTP. Errors that have an obvious HTTP meaning describe it under
 * `Symbol.for('plinth.http')` and the app layer renders them (404, 409, 422, 503) without either
 * module importing the other.
 */
import type { ValidationIssue } from '../validation/index.ts'

/** Where an error that reaches an HTTP app should be rendered, and with what. */
export interface HttpDescription {
  status: number
  code: string
  message: string
  details?: unknown
}

export const HTTP_DESCRIPTION: unique symbol = Symbol.for('plinth.http') as never

/** Base class of every ORM error. */
export class OrmError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'OrmError'
    this.code = code
  }
}

/** Configuration given to `createDatabase` or a model definition is invalid. */
export class OrmConfigError extends OrmError {
  constructor(message: string, code = 'PLINTH_ORM_CONFIG_INVALID') {
    super(code, message)
    this.name = 'OrmConfigError'
  }
}

/**
 * A query was built with something the model does not have: an unknown field or lookup, an object
 * where a scalar belongs, a relation used as a value. Raised before any SQL is sent.
 */
export class QueryError extends OrmError {
  constructor(code: string, message: string) {
    super(code, message)
    this.name = 'QueryError'
  }
  get [HTTP_DESCRIPTION](): HttpDescription {
    return { status: 400, code: 'bad_query', message: this.message }
  }
}

/** `get()` found no row. */
export class NotFoundError extends OrmError {
  readonly model: string
  constructor(model: string) {
    super('PLINTH_ORM_NOT_FOUND', `No ${model} matches the given query.`)
    this.name = 'NotFoundError'
    this.model = model
  }
  get [HTTP_DESCRIPTION](): HttpDescription {
    return { status: 404, code: 'not_found', message: this.message }
  }
}

/** `get()` found more than one row. */
export class MultipleObjectsError extends OrmError {
  readonly model: string
  constructor(model: string, found: number) {
    super(
      'PLINTH_ORM_MULTIPLE_FOUND',
      `get() on ${model} matched ${found > 1 ? 'more than one row' : `${found} rows`}; it must match exactly one. Filter on a unique field, or use first().`,
    )
    this.name = 'MultipleObjectsError'
    this.model = model
  }
}

/** Kinds of integrity violation, the same names on every dialect. */
export type IntegrityKind = 'unique' | 'foreign_key' | 'not_null' | 'check'

const INTEGRITY_CODES: Record<IntegrityKind, string> = {
  unique: 'PLINTH_ORM_UNIQUE_VIOLATION',
  foreign_key: 'PLINTH_ORM_FOREIGN_KEY_VIOLATION',
  not_null: 'PLINTH_ORM_NOT_NULL_VIOLATION',
  check: 'PLINTH_ORM_CHECK_VIOLATION',
}

/** The database refused a write because a constraint would break. */
export class IntegrityError extends OrmError {
  readonly kind: IntegrityKind
  /** Table named by the database, when it says. */
  readonly table: string | undefined
  /** Columns involved, when the database says (or the constraint name reveals them). */
  readonly columns: string[]
  /** Constraint name, when the database says. */
  readonly constraint: string | undefined
  /** Model field names for `columns`, filled in by the model layer; `columns` until then. */
  fields: string[]
  constructor(
    kind: IntegrityKind,
    details: { table?: string; columns?: string[]; constraint?: string; message?: string },
    options?: { cause?: unknown },
  ) {
    const columns = details.columns ?? []
    super(INTEGRITY_CODES[kind], details.message ?? describeIntegrity(kind, details), options)
    this.name = 'IntegrityError'
    this.kind = kind
    this.table = details.table
    this.columns = columns
    this.constraint = details.constraint
    this.fields = columns
  }
  get [HTTP_DESCRIPTION](): HttpDescription {
    if (this.kind === 'unique') {
      return {
        status: 409,
        code: 'unique_violation',
        message: this.fields.length
          ? `Another record already has this ${this.fields.join(', ')}.`
          : 'Another record already has these values.',
        details: { fields: this.fields },
      }
    }
    // Other violations come from application bugs more often than from user input: a 409 with a
    // generic message, never the database's own text.
    return {
      status: 409,
      code: `${this.kind}_violation`,
      message: 'The change conflicts with existing data.',
    }
  }
}

function describeIntegrity(
  kind: IntegrityKind,
  details: { table?: string; columns?: string[]; constraint?: string },
): string {
  const where = details.table ? ` on ${details.table}` : ''
  const cols = details.columns?.length ? ` (${details.columns.join(', ')})` : ''
  const name = details.constraint ? ` "${details.constraint}"` : ''
  switch (kind) {
    case 'unique':
      return `Unique constraint${name} violated${where}${cols}: another row already has this value.`
    case 'foreign_key':
      return `Foreign key constraint${name} violated${where}${cols}: the referenced row does not exist, or rows still refer to this one.`
    case 'not_null':
      return `A NOT NULL column${where}${cols} was given no value.`
    case 'check':
      return `Check constraint${name} violated${where}.`
  }
}

/** The UniqueViolation flavour of `IntegrityError`, for `instanceof` checks. */
export class UniqueViolationError extends IntegrityError {
  constructor(
    details: { table?: string; columns?: string[]; constraint?: string },
    options?: { cause?: unknown },
  ) {
    super('unique', details, options)
    this.name = 'UniqueViolationError'
  }
}

/** Field or model validation failed before writing (`instance.validate()`, `save()`, `create()`). */
export class ModelValidationError extends OrmError {
  readonly model: string
  readonly issues: ValidationIssue[]
  constructor(model: string, issues: ValidationIssue[]) {
    super(
      'PLINTH_ORM_VALIDATION_FAILED',
      `${model} is not valid: ${issues.map((i) => `${[i.location, ...i.path].filter(Boolean).join('.')}: ${i.message}`).join('; ')}`,
    )
    this.name = 'ModelValidationError'
    this.model = model
    this.issues = issues
  }
  get [HTTP_DESCRIPTION](): HttpDescription {
    return {
      status: 422,
      code: 'validation_error',
      message: `${this.model} is not valid.`,
      details: this.issues,
    }
  }
}

/** No connection became free within the pool's `acquireTimeoutMs`. */
export class PoolTimeoutError extends OrmError {
  constructor(waitedMs: number, max: number) {
    super(
      'PLINTH_ORM_POOL_TIMEOUT',
      `No database connection became free within ${waitedMs} ms (pool max ${max}). Raise pool.max or pool.acquireTimeoutMs, or find the code holding connections (long transactions, unconsumed streams).`,
    )
    this.name = 'PoolTimeoutError'
  }
  get [HTTP_DESCRIPTION](): HttpDescription {
    return {
      status: 503,
      code: 'database_busy',
      message: 'The database is busy; try again shortly.',
    }
  }
}

/** The database could not be reached or the connection broke. */
export class ConnectionError extends OrmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PLINTH_ORM_CONNECTION_FAILED', message, options)
    this.name = 'ConnectionError'
  }
  get [HTTP_DESCRIPTION](): HttpDescription {
    return { status: 503, code: 'database_unavailable', message: 'The database is unavailable.' }
  }
}

/** Any other error the database reported; `cause` holds the driver's error. */
export class DatabaseError extends OrmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PLINTH_ORM_DATABASE_ERROR', message, options)
    this.name = 'DatabaseError'
  }
}
