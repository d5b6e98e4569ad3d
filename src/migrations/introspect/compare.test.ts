import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { DialectName } from '../../orm/connection/types.ts'
import { compareSchemas } from './compare.ts'
import type { ColumnSchema, DatabaseSchema, IndexSchema, TableSchema } from './types.ts'

const col = (name: string, type = 'integer', extra: Partial<ColumnSchema> = {}): ColumnSchema => ({
  name,
  type,
  sqlType: type,
  nullable: false,
  primaryKey: false,
  ...extra,
})
const index = (name: string, columns: string[], extra: Partial<IndexSchema> = {}): IndexSchema => ({
  name,
  columns,
  unique: false,
  partial: false,
  ...extra,
})

function table(name: string, parts: Partial<TableSchema> = {}): TableSchema {
  return {
    name,
    columns: [col('id', 'integer', { primaryKey: true })],
    indexes: [],
    uniques: [],
    foreignKeys: [],
    checks: [],
    ...parts,
  }
}

const schema = (dialect: DialectName, ...tables: TableSchema[]): DatabaseSchema => ({
  dialect,
  tables: new Map(tables.map((t) => [t.name, t])),
})

const fk = (
  column: string,
  to: string,
  onDelete = 'CASCADE',
  name: string | undefined = `fk_${column}`,
) => ({
  name,
  columns: [column],
  references: { table: to, columns: ['id'] },
  onDelete,
})

const kinds = (items: ReturnType<typeof compareSchemas>) =>
  items.map((i) => [i.kind, i.table, i.name])

describe('compareSchemas()', () => {
  it('finds nothing when both sides agree', () => {
    const t = table('shop', {
      indexes: [index('ix', ['-a'])],
      uniques: [index('uq', ['a', 'b'], { unique: true })],
      foreignKeys: [fk('a', 'other')],
      checks: ['ck'],
    })
    assert.deepEqual(compareSchemas(schema('postgres', t), schema('postgres', t)), [])
  })

  it('reports columns missing, extra, retyped, with other nullability or primary key', () => {
    const expected = table('shop', {
      columns: [
        col('id', 'integer', { primaryKey: true }),
        col('a'),
        col('b'),
        col('c', 'varchar(5)'),
      ],
    })
    const actual = table('shop', {
      columns: [
        col('id', 'integer'),
        col('b', 'integer', { nullable: true }),
        col('c', 'varchar(9)'),
        col('z', 'text', { nullable: true }),
      ],
    })
    const drift = compareSchemas(schema('sqlite', expected), schema('sqlite', actual))
    assert.deepEqual(kinds(drift), [
      ['primary-key-mismatch', 'shop', 'id'],
      ['missing-column', 'shop', 'a'],
      ['nullability-mismatch', 'shop', 'b'],
      ['type-mismatch', 'shop', 'c'],
      ['extra-column', 'shop', 'z'],
    ])
    assert.equal(
      drift[2]!.message,
      'shop.b is NULL in the database but NOT NULL in the migrations.',
    )
    assert.equal(
      drift[3]!.message,
      'shop.c is varchar(9) in the database but varchar(5) in the migrations.',
    )
    assert.equal(drift[4]!.actual, 'text NULL')
  })

  it('compares index columns in order with direction, uniqueness and partial predicates', () => {
    const expected = table('t', {
      indexes: [
        index('ix_order', ['a', 'b']),
        index('ix_desc', ['-a']),
        index('ix_unique', ['a'], { unique: true }),
        index('ix_partial', ['a'], { partial: true }),
        index('ix_gone', ['a']),
      ],
    })
    const actual = table('t', {
      indexes: [
        index('ix_order', ['b', 'a']),
        index('ix_desc', ['a']),
        index('ix_unique', ['a']),
        index('ix_partial', ['a']),
        index('ix_new', ['b']),
      ],
    })
    const drift = compareSchemas(schema('postgres', expected), schema('postgres', actual))
    assert.deepEqual(kinds(drift), [
      ['index-mismatch', 't', 'ix_order'],
      ['index-mismatch', 't', 'ix_desc'],
      ['index-mismatch', 't', 'ix_unique'],
      ['index-mismatch', 't', 'ix_partial'],
      ['missing-index', 't', 'ix_gone'],
      ['extra-index', 't', 'ix_new'],
    ])
    assert.equal(
      drift[1]!.message,
      'Index ix_desc on t is INDEX (a) in the database but INDEX (a DESC) in the migrations.',
    )
    assert.equal(drift[3]!.expected, 'INDEX (a) WHERE …')
  })

  it('tells a unique index from a unique constraint except on MySQL, which cannot', () => {
    const expected = table('t', { uniques: [index('uq_t__a', ['a'], { unique: true })] })
    const actual = table('t', { indexes: [index('uq_t__a', ['a'], { unique: true })] })
    assert.deepEqual(
      kinds(compareSchemas(schema('postgres', expected), schema('postgres', actual))),
      [['unique-mismatch', 't', 'uq_t__a']],
    )
    assert.deepEqual(compareSchemas(schema('mysql', expected), schema('mysql', actual)), [])
    assert.deepEqual(compareSchemas(schema('mysql', actual), schema('mysql', expected)), [])
  })

  it('ignores the index InnoDB creates for a foreign key, even after the key is dropped', () => {
    const expected = table('t', { foreignKeys: [fk('a', 'o')] })
    const withKey = table('t', { foreignKeys: [fk('a', 'o')], indexes: [index('fk_a', ['a'])] })
    assert.deepEqual(compareSchemas(schema('mysql', expected), schema('mysql', withKey)), [])
    const dropped = table('t', { indexes: [index('fk_a', ['a'])] })
    assert.deepEqual(kinds(compareSchemas(schema('mysql', expected), schema('mysql', dropped))), [
      ['missing-foreign-key', 't', 'fk_a'],
    ])
    assert.deepEqual(
      kinds(compareSchemas(schema('postgres', expected), schema('postgres', withKey))),
      [['extra-index', 't', 'fk_a']],
    )
  })

  it('matches foreign keys by column and compares target, ON DELETE and name', () => {
    const expected = table('t', {
      foreignKeys: [fk('a', 'o'), fk('b', 'o'), fk('c', 'o'), fk('d', 'o'), fk('e', 'o')],
    })
    const actual = table('t', {
      foreignKeys: [
        fk('a', 'o'),
        fk('b', 'elsewhere'),
        fk('c', 'o', 'SET NULL'),
        fk('d', 'o', 'CASCADE', 'renamed'),
        fk('e', 'o', 'CASCADE', undefined),
        fk('f', 'o'),
      ],
    })
    const drift = compareSchemas(schema('postgres', expected), schema('postgres', actual))
    assert.deepEqual(kinds(drift), [
      ['foreign-key-mismatch', 't', 'fk_b'],
      ['foreign-key-mismatch', 't', 'fk_c'],
      ['foreign-key-mismatch', 't', 'fk_d'],
      ['extra-foreign-key', 't', 'fk_f'],
    ])
    assert.equal(
      drift[1]!.message,
      'Foreign key on t (c) is fk_c: (c) → o (id) ON DELETE SET NULL in the database but fk_c: (c) → o (id) ON DELETE CASCADE in the migrations.',
    )
  })

  it('matches unique constraints and foreign keys by columns on SQLite, where names are not used', () => {
    const expected = table('t', {
      uniques: [index('uq_t__title', ['title'], { unique: true })],
      foreignKeys: [fk('mother_id', 'o')],
    })
    const actual = table('t', {
      uniques: [index('uq_t__name', ['title'], { unique: true })],
      foreignKeys: [fk('mother_id', 'o', 'CASCADE', 'fk_parent_id')],
    })
    assert.deepEqual(compareSchemas(schema('sqlite', expected), schema('sqlite', actual)), [])
    assert.deepEqual(
      kinds(compareSchemas(schema('postgres', expected), schema('postgres', actual))),
      [
        ['missing-unique', 't', 'uq_t__title'],
        ['extra-unique', 't', 'uq_t__name'],
        ['foreign-key-mismatch', 't', 'fk_mother_id'],
      ],
    )
  })

  it('compares checks by name', () => {
    const drift = compareSchemas(
      schema('postgres', table('t', { checks: ['ck_a', 'ck_b'] })),
      schema('postgres', table('t', { checks: ['ck_b', 'ck_c'] })),
    )
    assert.deepEqual(kinds(drift), [
      ['missing-check', 't', 'ck_a'],
      ['extra-check', 't', 'ck_c'],
    ])
  })

  it('reports missing tables, extra tables models own, and unknown ones only when strict', () => {
    const expected = schema('sqlite', table('a'), table('b'))
    const actual = schema('sqlite', table('a'), table('owned'), table('stray'), table('record'))
    const options = { owned: new Set(['owned']), ignore: new Set(['record']) }
    assert.deepEqual(kinds(compareSchemas(expected, actual, options)), [
      ['missing-table', 'b', undefined],
      ['extra-table', 'owned', undefined],
    ])
    assert.deepEqual(kinds(compareSchemas(expected, actual, { ...options, strict: true })), [
      ['missing-table', 'b', undefined],
      ['extra-table', 'owned', undefined],
      ['unknown-table', 'stray', undefined],
    ])
  })
})
