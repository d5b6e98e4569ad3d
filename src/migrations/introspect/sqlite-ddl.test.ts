import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { namedConstraints, tokenize } from './sqlite-ddl.ts'

describe('namedConstraints()', () => {
  it('reads table-level unique, foreign key, check and primary key names with their columns', () => {
    const sql = `CREATE TABLE "shop_item" (
      "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT,
      "cat_id" integer NOT NULL,
      "name" varchar(60) NOT NULL,
      CONSTRAINT "uq_shop_item__cat_id__name" UNIQUE ("cat_id", "name"),
      CONSTRAINT "fk_shop_item__cat_id" FOREIGN KEY ("cat_id") REFERENCES "shop_cat" ("id") ON DELETE CASCADE,
      CONSTRAINT "shop_item_name_set" CHECK ("name" <> '' AND length("name") < 60)
    )`
    assert.deepEqual(namedConstraints(sql), [
      { kind: 'unique', name: 'uq_shop_item__cat_id__name', columns: ['cat_id', 'name'] },
      { kind: 'foreignKey', name: 'fk_shop_item__cat_id', columns: ['cat_id'] },
      { kind: 'check', name: 'shop_item_name_set', columns: [] },
    ])
  })

  it('reads column-level named constraints and skips unnamed ones', () => {
    const sql = `CREATE TABLE t (
      a integer CONSTRAINT pk_t PRIMARY KEY,
      b integer CONSTRAINT fk_t_b REFERENCES other (id),
      c text CONSTRAINT uq_t_c UNIQUE,
      d text UNIQUE,
      e integer REFERENCES other,
      CHECK (d <> '')
    )`
    assert.deepEqual(namedConstraints(sql), [
      { kind: 'primaryKey', name: 'pk_t', columns: ['a'] },
      { kind: 'foreignKey', name: 'fk_t_b', columns: ['b'] },
      { kind: 'unique', name: 'uq_t_c', columns: ['c'] },
    ])
  })

  it('is not fooled by keywords in string literals, comments or nested parentheses', () => {
    const sql = `CREATE TABLE [odd table] (
      "we""ird" text, -- CONSTRAINT fake UNIQUE (x)
      \`b\` text /* CONSTRAINT other CHECK (1) */,
      CONSTRAINT "ck ""quoted""" CHECK ("we""ird" IN ('CONSTRAINT x UNIQUE (y)', 'a,b') AND (1 = (2))),
      CONSTRAINT [uq bracket] UNIQUE (\`b\` COLLATE NOCASE ASC, "we""ird")
    )`
    assert.deepEqual(namedConstraints(sql), [
      { kind: 'check', name: 'ck "quoted"', columns: [] },
      { kind: 'unique', name: 'uq bracket', columns: ['b', 'we"ird'] },
    ])
  })

  it('returns nothing for a statement without a body', () => {
    assert.deepEqual(namedConstraints('CREATE TABLE t AS SELECT 1'), [])
    assert.deepEqual(namedConstraints(''), [])
  })
})

describe('tokenize()', () => {
  it('unquotes identifiers and drops string literals', () => {
    const tokens = tokenize(`"a""b" 'it''s' [c] x,(`)
    assert.deepEqual(tokens, [
      { type: 'word', value: 'a"b', quoted: true },
      { type: 'other' },
      { type: 'word', value: 'c', quoted: true },
      { type: 'word', value: 'x', quoted: false },
      { type: 'comma' },
      { type: 'open' },
    ])
  })
})
