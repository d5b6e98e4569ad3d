import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { postgresType } from './postgres.ts'

describe('postgresType()', () => {
  it('makes the catalog and columnType() spellings of a type compare equal', () => {
    const pairs = [
      ['character varying(60)', 'varchar(60)'],
      ['character(36)', 'char(36)'],
      ['timestamp(6) with time zone', 'timestamp with time zone'],
      ['timestamptz', 'timestamp with time zone'],
      ['time without time zone', 'time'],
      ['numeric(10,2)', 'numeric(10, 2)'],
      ['numeric(10,2)', 'decimal(10, 2)'],
      ['integer', 'int4'],
      ['bigint', 'int8'],
      ['boolean', 'bool'],
      ['double precision', 'float8'],
    ]
    for (const [catalog, written] of pairs)
      assert.equal(postgresType(catalog!), postgresType(written!), `${catalog} ↔ ${written}`)
  })

  it('keeps real differences apart', () => {
    assert.notEqual(postgresType('character varying(60)'), postgresType('varchar(61)'))
    assert.notEqual(postgresType('timestamp(3) with time zone'), postgresType('timestamptz'))
    assert.notEqual(postgresType('timestamp without time zone'), postgresType('timestamptz'))
    assert.notEqual(postgresType('numeric(8,2)'), postgresType('numeric(10, 2)'))
    assert.notEqual(postgresType('jsonb'), postgresType('json'))
  })
})
