/**
 * Driver errors → Plinth's ORM errors, the same on every dialect.
 *
 * A unique violation is a `UniqueViolationError` naming table, columns and constraint whether it
 * came from SQLite's message, PostgreSQL's SQLSTATE fields or MySQL's errno. Lost or refused
 * connections are `ConnectionError`; everything else is a `DatabaseError` keeping the driver's
 * message, with the driver's error as `cause`. Integrity messages are rebuilt from names only,
 * because the databases' own texts quote the offending values (`Duplicate entry 'a@b.c'`).
 */
import {
  ConnectionError,
  DatabaseError,
  IntegrityError,
  type IntegrityKind,
  OrmError,
  UniqueViolationError,
} from '../errors.ts'
import type { DialectName } from './types.ts'

/** What the driver knows about where the error happened, for messages. */
export interface ErrorContext {
  /** The database in words, e.g. `PostgreSQL at db:5432` (never a password). */
  label?: string
  /** Removed from any message that happens to contain it. */
  password?: string | undefined
}

type DriverError = Error & Record<string, unknown>

interface Details {
  table?: string
  columns?: string[]
  constraint?: string
}

/**
 * Translate any error a driver threw into an `OrmError`.
 *
 * @example
 * try { stmt.run(...params) } catch (error) { throw normalizeError('sqlite', error) }
 */
export function normalizeError(
  dialect: DialectName,
  error: unknown,
  context: ErrorContext = {},
): OrmError {
  if (error instanceof OrmError) return error
  if (!(error instanceof Error)) {
    return new DatabaseError(`The ${dialect} driver failed: ${String(error)}`, { cause: error })
  }
  const e = error as DriverError
  const integrity =
    dialect === 'sqlite'
      ? sqliteIntegrity(e)
      : dialect === 'postgres'
        ? pgIntegrity(e)
        : mysqlIntegrity(e)
  if (integrity !== undefined) {
    const [kind, details] = integrity
    return kind === 'unique'
      ? new UniqueViolationError(details, { cause: error })
      : new IntegrityError(kind, details, { cause: error })
  }
  const message = scrub(error.message, context.password)
  if (isConnectionFailure(dialect, e)) {
    const where = context.label ? ` ${context.label}` : ` the ${dialect} database`
    return new ConnectionError(`Database connection to${where} failed: ${message}`, {
      cause: error,
    })
  }
  return new DatabaseError(message, { cause: error })
}

// -- SQLite: extended result codes and messages like "UNIQUE constraint failed: t.a, t.b" -------

function sqliteIntegrity(e: DriverError): [IntegrityKind, Details] | undefined {
  if (e.code !== 'ERR_SQLITE_ERROR') return undefined
  const match = /^(UNIQUE|FOREIGN KEY|NOT NULL|CHECK) constraint failed(?:: (.*))?$/.exec(e.message)
  if (match === null) return undefined
  const [, what, rest = ''] = match
  if (what === 'UNIQUE' || what === 'NOT NULL') {
    // "t.a, t.b" for column constraints; "index 'name'" for unique expression indexes.
    const index = /^index '(.*)'$/.exec(rest)
    if (index) return ['unique', { constraint: index[1]! }]
    const pairs = rest.split(', ').map((p) => p.split('.'))
    const details = { table: pairs[0]?.[0], columns: pairs.map((p) => p.slice(1).join('.')) }
    return [what === 'UNIQUE' ? 'unique' : 'not_null', details]
  }
  if (what === 'CHECK') return ['check', rest ? { constraint: rest } : {}]
  return ['foreign_key', {}] // SQLite names neither the table nor the constraint
}

// -- PostgreSQL: SQLSTATE class 23; pg and postgres.js name the fields differently ---------------

const PG_KINDS: Record<string, IntegrityKind> = {
  '23505': 'unique',
  '23503': 'foreign_key',
  '23502': 'not_null',
  '23514': 'check',
}

function pgIntegrity(e: DriverError): [IntegrityKind, Details] | undefined {
  const kind = PG_KINDS[e.code as string]
  if (kind === undefined) return undefined
  const table = (e.table ?? e.table_name) as string | undefined
  const column = (e.column ?? e.column_name) as string | undefined
  const constraint = (e.constraint ?? e.constraint_name) as string | undefined
  let columns = column ? [column] : []
  // detail: 'Key (a, b)=(1, 2) already exists.' — the column list, never the values.
  const key = /^Key \((.*?)\)=\(/.exec(String(e.detail ?? ''))
  if (key && columns.length === 0) {
    const names = key[1]!.split(', ').map((name) => name.replace(/^"(.*)"$/, '$1'))
    // An expression index (lower(email)) names no plain columns.
    if (names.every((name) => !/[()]/.test(name))) columns = names
  }
  return [kind, { table, columns, constraint }]
}

// -- MySQL / MariaDB: errno and the message text ------------------------------------------------

function mysqlIntegrity(e: DriverError): [IntegrityKind, Details] | undefined {
  const message = String(e.sqlMessage ?? e.message)
  switch (e.errno) {
    case 1062: // ER_DUP_ENTRY: "Duplicate entry '…' for key 'table.name'" (MySQL 8) or 'name'
    case 1586: {
      const key = /for key '(.*)'$/.exec(message)?.[1]
      if (key === undefined) return ['unique', {}]
      const dot = key.lastIndexOf('.')
      return [
        'unique',
        dot > 0
          ? { table: key.slice(0, dot), constraint: key.slice(dot + 1) }
          : { constraint: key },
      ]
    }
    case 1451: // a parent row is still referenced
    case 1452: {
      // "… fails (`db`.`child`, CONSTRAINT `fk` FOREIGN KEY (`a`, `b`) REFERENCES …)"
      const m = /\(`[^`]*`\.`([^`]*)`, CONSTRAINT `([^`]*)` FOREIGN KEY \(([^)]*)\)/.exec(message)
      if (m === null) return ['foreign_key', {}]
      const columns = m[3]!.split(', ').map((c) => c.replace(/^`(.*)`$/, '$1'))
      return ['foreign_key', { table: m[1]!, constraint: m[2]!, columns }]
    }
    case 1048: // ER_BAD_NULL_ERROR: "Column 'x' cannot be null"
    case 1364: {
      // ER_NO_DEFAULT_FOR_FIELD: "Field 'x' doesn't have a default value"
      const column = /^(?:Column|Field) '(.*?)'/.exec(message)?.[1]
      return ['not_null', column ? { columns: [column] } : {}]
    }
    case 3819: {
      // MySQL: "Check constraint 'name' is violated."
      const name = /constraint '(.*)' is violated/i.exec(message)?.[1]
      return ['check', name ? { constraint: name } : {}]
    }
    case 4025: {
      // MariaDB: "CONSTRAINT `name` failed for `db`.`table`"
      const m = /CONSTRAINT `(.*)` failed for `[^`]*`\.`([^`]*)`/.exec(message)
      return ['check', m ? { constraint: m[1]!, table: m[2]! } : {}]
    }
    default:
      return undefined
  }
}

// -- Connection-level failures ------------------------------------------------------------------

const NODE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOENT', // a Unix socket that does not exist
  'CONNECTION_CLOSED', // postgres.js
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'PROTOCOL_CONNECTION_LOST', // mysql2
  'PROTOCOL_SEQUENCE_TIMEOUT',
])

// 1040 too many connections, 1044/1045 access denied, 1049 unknown database, 1053 shutdown,
// 1927 connection killed (MariaDB), 2002-2013 client-side connection errors.
const MYSQL_CONNECTION_ERRNOS = new Set([
  1040, 1044, 1045, 1049, 1053, 1927, 2002, 2003, 2006, 2013,
])

function isConnectionFailure(dialect: DialectName, e: DriverError): boolean {
  if (typeof e.code === 'string' && NODE_NETWORK_CODES.has(e.code)) return true
  if (e instanceof AggregateError) {
    // Node's happy-eyeballs connect (IPv4 and IPv6 both refused) reports an AggregateError.
    return e.errors.some((inner) => NODE_NETWORK_CODES.has((inner as DriverError)?.code as string))
  }
  if (dialect === 'sqlite') return e.errcode === 14 // SQLITE_CANTOPEN
  if (dialect === 'postgres') {
    const sqlstate = String(e.code ?? '')
    // 08 connection exception, 28 authentication, 3D000 unknown database, 57P01-03 shutdown.
    if (/^(08|28)/.test(sqlstate) || sqlstate === '3D000' || /^57P0[123]$/.test(sqlstate)) {
      return true
    }
    return /Connection terminated|not queryable|Client was closed/.test(e.message)
  }
  return e.fatal === true || MYSQL_CONNECTION_ERRNOS.has(e.errno as number)
}

function scrub(message: string, password: string | undefined): string {
  return password ? message.split(password).join('***') : message
}
