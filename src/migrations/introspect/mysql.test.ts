import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mysqlType } from './mysql.ts'

describe('mysqlType()', () => {
  it('drops integer display widths but keeps tinyint(1), the boolean type', () => {
    assert.equal(mysqlType('int(11)'), 'int')
    assert.equal(mysqlType('bigint(20)'), 'bigint')
    assert.equal(mysqlType('int(10) unsigned'), 'int unsigned')
    assert.equal(mysqlType('tinyint(1)'), 'tinyint(1)')
    assert.equal(mysqlType('tinyint(4)'), 'tinyint')
    assert.equal(mysqlType('bool'), 'tinyint(1)')
  })

  it('makes the catalog and columnType() spellings compare equal, not different types', () => {
    assert.equal(mysqlType('decimal(10,2)'), mysqlType('decimal(10, 2)'))
    assert.equal(mysqlType('numeric(10,2)'), mysqlType('decimal(10, 2)'))
    assert.equal(mysqlType('LONGTEXT'), 'longtext')
    assert.equal(mysqlType('datetime(6)'), 'datetime(6)')
    assert.notEqual(mysqlType('datetime'), mysqlType('datetime(6)'))
    assert.notEqual(mysqlType('text'), mysqlType('longtext'))
    assert.notEqual(mysqlType('varchar(60)'), mysqlType('varchar(61)'))
  })
})
