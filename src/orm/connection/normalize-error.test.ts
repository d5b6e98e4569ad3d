/**
 * Error translation from the shapes each client library produces, without a database (the
 * conformance test in drivers.test.ts checks the same against real servers).
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  ConnectionError,
  DatabaseError,
  IntegrityError,
  NotFoundError,
  UniqueViolationError,
} from '../errors.ts'
import { normalizeError } from './normalize-error.ts'

function driverError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields)
}

function integrity(error: unknown): IntegrityError {
  assert.ok(error instanceof IntegrityError, String(error))
  return error
}

describe('normalizeError: SQLite', () => {
  const sqlite = (message: string, errcode = 19) =>
    normalizeError('sqlite', driverError(message, { code: 'ERR_SQLITE_ERROR', errcode }))

  it('reads table and columns from UNIQUE and NOT NULL messages', () => {
    const unique = sqlite('UNIQUE constraint failed: orders.shop_id, orders.number', 2067)
    assert.ok(unique instanceof UniqueViolationError)
    assert.equal(unique.table, 'orders')
    assert.deepEqual(unique.columns, ['shop_id', 'number'])
    const pk = integrity(sqlite('UNIQUE constraint failed: orders.id', 1555))
    assert.deepEqual([pk.kind, pk.columns], ['unique', ['id']])
    const expression = integrity(sqlite("UNIQUE constraint failed: index 'uq_lower_email'"))
    assert.deepEqual([expression.constraint, expression.columns], ['uq_lower_email', []])
    const notNull = integrity(sqlite('NOT NULL constraint failed: users.email', 1299))
    assert.deepEqual(
      [notNull.kind, notNull.table, notNull.columns],
      ['not_null', 'users', ['email']],
    )
  })

  it('reads the constraint of CHECK, and nothing from FOREIGN KEY', () => {
    const check = integrity(sqlite('CHECK constraint failed: price_positive', 275))
    assert.deepEqual([check.kind, check.constraint], ['check', 'price_positive'])
    const fk = integrity(sqlite('FOREIGN KEY constraint failed', 787))
    assert.deepEqual([fk.kind, fk.table, fk.columns], ['foreign_key', undefined, []])
  })

  it('treats an unopenable file as a connection failure', () => {
    const error = sqlite('unable to open database file', 14)
    assert.ok(error instanceof ConnectionError)
    assert.match(error.message, /unable to open database file/)
  })
})

describe('normalizeError: PostgreSQL', () => {
  it('uses SQLSTATE and the fields of pg errors', () => {
    const unique = normalizeError(
      'postgres',
      driverError('duplicate key value violates unique constraint "uq_ab"', {
        code: '23505',
        detail: 'Key (a, "B col")=(1, secret value) already exists.',
        table: 'child',
        constraint: 'uq_ab',
      }),
    )
    assert.ok(unique instanceof UniqueViolationError)
    assert.deepEqual(
      [unique.table, unique.columns, unique.constraint],
      ['child', ['a', 'B col'], 'uq_ab'],
    )
    assert.ok(!unique.message.includes('secret value'), unique.message)

    const fk = integrity(
      normalizeError(
        'postgres',
        driverError('insert or update violates foreign key constraint', {
          code: '23503',
          detail: 'Key (parent_id)=(99) is not present in table "parent".',
          table: 'child',
          constraint: 'child_parent_id_fkey',
        }),
      ),
    )
    assert.deepEqual([fk.kind, fk.columns], ['foreign_key', ['parent_id']])
    const notNull = integrity(
      normalizeError(
        'postgres',
        driverError('null value', { code: '23502', column: 'name', table: 't' }),
      ),
    )
    assert.deepEqual([notNull.kind, notNull.columns], ['not_null', ['name']])
    const check = integrity(
      normalizeError(
        'postgres',
        driverError('violates check', { code: '23514', constraint: 'ck' }),
      ),
    )
    assert.deepEqual([check.kind, check.constraint], ['check', 'ck'])
  })

  it('reads postgres.js field names too', () => {
    const unique = integrity(
      normalizeError(
        'postgres',
        driverError('duplicate key', {
          code: '23505',
          detail: 'Key (email)=(a@b.c) already exists.',
          table_name: 'users',
          constraint_name: 'users_email_key',
        }),
      ),
    )
    assert.deepEqual(
      [unique.table, unique.columns, unique.constraint],
      ['users', ['email'], 'users_email_key'],
    )
  })

  it('names no columns for an expression index', () => {
    const unique = integrity(
      normalizeError(
        'postgres',
        driverError('duplicate key', {
          code: '23505',
          detail: 'Key (lower(email::text))=(a@b.c) already exists.',
          constraint: 'uq_email_ci',
        }),
      ),
    )
    assert.deepEqual(unique.columns, [])
    assert.equal(unique.constraint, 'uq_email_ci')
  })

  it('separates connection failures from other errors', () => {
    for (const fields of [
      { code: '28P01' },
      { code: '08006' },
      { code: '3D000' },
      { code: '57P01' },
    ]) {
      assert.ok(normalizeError('postgres', driverError('x', fields)) instanceof ConnectionError)
    }
    const lost = normalizeError('postgres', new Error('Connection terminated unexpectedly'))
    assert.ok(lost instanceof ConnectionError)
    const syntax = normalizeError(
      'postgres',
      driverError('syntax error at or near "SELEC"', { code: '42601' }),
    )
    assert.ok(syntax instanceof DatabaseError)
    assert.equal(syntax.message, 'syntax error at or near "SELEC"')
    assert.equal(syntax.code, 'PLINTH_ORM_DATABASE_ERROR')
  })
})

describe('normalizeError: MySQL and MariaDB', () => {
  const mysql = (errno: number, message: string) =>
    normalizeError('mysql', driverError(message, { errno, sqlMessage: message }))

  it('reads the key of a duplicate entry (MySQL 8 and MariaDB forms), never the value', () => {
    const mysql8 = mysql(1062, "Duplicate entry 'alice@example.com' for key 'users.uq_email'")
    assert.ok(mysql8 instanceof UniqueViolationError)
    assert.deepEqual([mysql8.table, mysql8.constraint], ['users', 'uq_email'])
    assert.ok(!mysql8.message.includes('alice'), mysql8.message)
    const maria = integrity(mysql(1062, "Duplicate entry '1-1' for key 'uq_ab'"))
    assert.deepEqual([maria.table, maria.constraint], [undefined, 'uq_ab'])
  })

  it('reads foreign keys, not-null, and check constraints', () => {
    const fk = integrity(
      mysql(
        1452,
        'Cannot add or update a child row: a foreign key constraint fails (`test`.`child`, CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`, `shop_id`) REFERENCES `parent` (`id`, `shop_id`))',
      ),
    )
    assert.deepEqual(
      [fk.kind, fk.table, fk.constraint, fk.columns],
      ['foreign_key', 'child', 'fk_parent', ['parent_id', 'shop_id']],
    )
    const parentSide = integrity(mysql(1451, 'Cannot delete or update a parent row: …'))
    assert.equal(parentSide.kind, 'foreign_key')
    const nullColumn = integrity(mysql(1048, "Column 'name' cannot be null"))
    assert.deepEqual([nullColumn.kind, nullColumn.columns], ['not_null', ['name']])
    const noDefault = integrity(mysql(1364, "Field 'name' doesn't have a default value"))
    assert.deepEqual([noDefault.kind, noDefault.columns], ['not_null', ['name']])
    const check8 = integrity(mysql(3819, "Check constraint 'qty_ck' is violated."))
    assert.deepEqual([check8.kind, check8.constraint], ['check', 'qty_ck'])
    const checkMaria = integrity(mysql(4025, 'CONSTRAINT `qty_ck` failed for `test`.`child`'))
    assert.deepEqual([checkMaria.constraint, checkMaria.table], ['qty_ck', 'child'])
  })

  it('treats access, network and fatal errors as connection failures', () => {
    assert.ok(mysql(1045, "Access denied for user 'root'@'localhost'") instanceof ConnectionError)
    const fatal = normalizeError('mysql', driverError('read ECONNRESET', { fatal: true }))
    assert.ok(fatal instanceof ConnectionError)
    const refused = normalizeError(
      'mysql',
      driverError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
    )
    assert.ok(refused instanceof ConnectionError)
    assert.ok(mysql(1146, "Table 'test.nope' doesn't exist") instanceof DatabaseError)
  })
})

describe('normalizeError: anything', () => {
  it('keeps ORM errors, wraps non-errors, and finds refusals inside AggregateError', () => {
    const own = new NotFoundError('Product')
    assert.equal(normalizeError('sqlite', own), own)
    const odd = normalizeError('postgres', 'boom')
    assert.ok(odd instanceof DatabaseError)
    assert.equal(odd.cause, 'boom')
    const both = new AggregateError([
      driverError('connect ECONNREFUSED ::1:5432', { code: 'ECONNREFUSED' }),
      driverError('connect ECONNREFUSED 127.0.0.1:5432', { code: 'ECONNREFUSED' }),
    ])
    assert.ok(normalizeError('postgres', both) instanceof ConnectionError)
  })

  it('names the database and removes the password from connection messages', () => {
    const error = normalizeError(
      'mysql',
      driverError('Access denied, password hunter2 rejected', { errno: 1045 }),
      { label: 'MySQL at db:3306/shop', password: 'hunter2' },
    )
    assert.match(error.message, /MySQL at db:3306\/shop/)
    assert.ok(!error.message.includes('hunter2'), error.message)
  })
})
