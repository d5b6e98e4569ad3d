/**
 * runSql (per dialect, with and without a reverse) and runCode (a data migration through
 * historical models) on SQLite, PostgreSQL and MariaDB, forwards and back.
 */
import assert from 'node:assert/strict'
import { field, op } from '../../src/migrations/index.ts'
import type { Database } from '../../src/orm/database.ts'
import { type Applied, backwards, forwards } from './support/apply.ts'
import { describeTable } from './support/introspect.ts'
import { forEachDatabase, sql, textRows } from './support/suite.ts'

const P = 'mg_ops_s_'
const T = `${P}thing`

async function setup(db: Database): Promise<Applied> {
  const created = await forwards(db, [
    op.createModel({
      name: 'Thing',
      table: T,
      fields: {
        id: field.autoId(),
        name: field.string({ maxLength: 20 }),
        slug: field.string({ maxLength: 20, null: true }),
      },
    }),
  ])
  await sql(db, `INSERT INTO "${T}" ("name") VALUES ('alpha'), ('beta')`)
  return created
}

forEachDatabase(P, (s) => {
  s.it('runSql runs per-dialect statements and its reverse', async (db) => {
    const created = await setup(db)
    const q = s.dialect === 'mysql' ? '`' : '"'
    const index = `${P}ix_name`
    const runSql = op.runSql({
      sql: {
        sqlite: `CREATE INDEX "${index}" ON "${T}" ("name")`,
        postgres: `CREATE INDEX "${index}" ON "${T}" ("name")`,
        mysql: `CREATE INDEX \`${index}\` ON \`${T}\` (\`name\`)`,
      },
      reverse:
        s.dialect === 'mysql'
          ? `DROP INDEX ${q}${index}${q} ON ${q}${T}${q}`
          : `DROP INDEX ${q}${index}${q}`,
    })
    const applied = await forwards(db, [runSql], { state: created.state })
    assert.ok((await describeTable(db, T))?.indexes[index])
    assert.ok(applied.statements.some((statement) => statement.includes(index)))
    await backwards(db, applied)
    assert.equal((await describeTable(db, T))?.indexes[index], undefined)
    assert.deepEqual(await textRows(db, T, ['name']), [['alpha'], ['beta']])
  })

  s.it('runSql without a reverse cannot be undone', async (db) => {
    const created = await setup(db)
    const runSql = op.runSql({
      sql: [`UPDATE ${s.dialect === 'mysql' ? T : `"${T}"`} SET slug = 'x'`],
    })
    const applied = await forwards(db, [runSql], { state: created.state })
    assert.deepEqual((await textRows(db, T, ['slug'])).flat(), ['x', 'x'])
    await assert.rejects(backwards(db, applied), { code: 'PLINTH_MIGRATIONS_IRREVERSIBLE' })
    const other = op.runSql({ sql: { postgres: 'SELECT 1' } })
    if (s.dialect !== 'postgres') {
      await assert.rejects(forwards(db, [other], { state: created.state }), {
        code: 'PLINTH_MIGRATIONS_NO_SQL_FOR_DIALECT',
      })
    }
  })

  s.it('runCode changes rows through historical models, and its backward undoes it', async (db) => {
    const created = await setup(db)
    const seen: string[] = []
    const runCode = op.runCode({
      description: 'fill slugs',
      forward: async ({ models }) => {
        const Thing = models.get('Thing')
        // The historical model knows the fields of this point in history, not today's.
        seen.push(...Object.keys(Thing.fields))
        // Historical models are untyped: rows are plain records.
        const rows = (await Thing.objects.orderBy('id').values('id', 'name').all()) as unknown as {
          id: number
          name: string
        }[]
        for (const row of rows)
          await Thing.objects
            .filter({ id: row.id } as never)
            .update({ slug: row.name.toUpperCase() } as never)
      },
      backward: async ({ models }) => {
        await models.get('Thing').objects.update({ slug: null })
      },
    })
    const applied = await forwards(db, [runCode], { state: created.state })
    assert.deepEqual(seen, ['id', 'name', 'slug'])
    assert.deepEqual(await textRows(db, T, ['name', 'slug']), [
      ['alpha', 'ALPHA'],
      ['beta', 'BETA'],
    ])
    await backwards(db, applied)
    assert.deepEqual((await textRows(db, T, ['slug'])).flat(), [null, null])
  })

  s.it('runCode that throws rolls the migration back where DDL is transactional', async (db) => {
    const created = await setup(db)
    const failing = [
      op.addField({ model: 'Thing', name: 'rank', field: field.integer({ null: true }) }),
      op.runCode({
        forward: () => {
          throw new Error('boom')
        },
      }),
    ]
    await assert.rejects(forwards(db, failing, { state: created.state }), /boom/)
    const column = (await describeTable(db, T))?.columns.rank
    // MySQL commits each DDL statement: the added column stays (the runner records progress).
    assert.equal(column === undefined, s.dialect !== 'mysql')
  })
})
