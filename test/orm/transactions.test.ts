/**
 * Transactions on every dialect: commit, rollback, savepoints, the implicit transaction joined by
 * code called inside, isolation between concurrent transactions, `onCommit`, isolation levels.
 */
import assert from 'node:assert/strict'
import { type Database, defineModel, field, UniqueViolationError } from '../../src/orm/index.ts'
import { forEachDialect } from './support/dialects.ts'

const Entry = defineModel(
  'Entry',
  { name: field.string({ maxLength: 50, unique: true }) },
  { table: 'tx_entry' },
)

/** Code that knows nothing of transactions: it joins the caller's, if any. */
async function addEntry(name: string) {
  return Entry.objects.create({ name })
}

const entryNames = async () =>
  (await Entry.objects.orderBy('name').valuesList('name', { flat: true }).all()) as string[]

/** A promise with its resolve function, to order steps across concurrent transactions. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => {
    resolve = r
  })
  return { promise, resolve }
}

forEachDialect({ models: [Entry] }, (s) => {
  s.it('commits when the function returns, and returns its value', async (db) => {
    const result = await db.transaction(async () => {
      await addEntry('a')
      assert.equal(db.inTransaction, true)
      return 42
    })
    assert.equal(result, 42)
    assert.equal(db.inTransaction, false)
    assert.deepEqual(await entryNames(), ['a'])
  })

  s.it('rolls back when the function throws, and rethrows', async (db) => {
    const boom = new Error('boom')
    await assert.rejects(
      db.transaction(async () => {
        await addEntry('a')
        assert.deepEqual(await entryNames(), ['a'])
        throw boom
      }),
      (error) => error === boom,
    )
    assert.deepEqual(await entryNames(), [])
    // The connection went back to the pool in a usable state.
    await db.transaction(() => addEntry('b'))
    assert.deepEqual(await entryNames(), ['b'])
  })

  s.it('rolls back a failed statement inside and keeps the database usable', async (db) => {
    await addEntry('a')
    await assert.rejects(
      db.transaction(async () => {
        await addEntry('b')
        await addEntry('a')
      }),
      UniqueViolationError,
    )
    assert.deepEqual(await entryNames(), ['a'])
  })

  s.it('rolls back an inner savepoint and lets the outer transaction go on', async (db) => {
    await db.transaction(async () => {
      await addEntry('outer-1')
      await assert.rejects(
        db.transaction(async () => {
          await addEntry('inner')
          throw new Error('inner failure')
        }),
        /inner failure/,
      )
      assert.deepEqual(await entryNames(), ['outer-1'])
      // A database error inside a savepoint (PostgreSQL aborts the transaction without one).
      await assert.rejects(
        db.transaction(() => addEntry('outer-1')),
        UniqueViolationError,
      )
      await db.transaction(async () => {
        await addEntry('inner-ok')
        await db.transaction(() => addEntry('deeper'))
      })
      await addEntry('outer-2')
    })
    assert.deepEqual(await entryNames(), ['deeper', 'inner-ok', 'outer-1', 'outer-2'])
  })

  s.it(
    'runs savepoints started together one after the other, each rolled back alone',
    async (db) => {
      const order: string[] = []
      await db.transaction(async () => {
        const results = await Promise.allSettled([
          db.transaction(async () => {
            order.push('a:start')
            await addEntry('a')
            await new Promise((resolve) => setTimeout(resolve, 20))
            order.push('a:end')
            throw new Error('a fails')
          }),
          db.transaction(async () => {
            order.push('b:start')
            await addEntry('b')
            order.push('b:end')
          }),
          db.transaction(async () => {
            await addEntry('c')
            await db.transaction(() => addEntry('c-inner'))
          }),
        ])
        assert.deepEqual(
          results.map((r) => r.status),
          ['rejected', 'fulfilled', 'fulfilled'],
        )
      })
      assert.deepEqual(order, ['a:start', 'a:end', 'b:start', 'b:end'])
      assert.deepEqual(await entryNames(), ['b', 'c', 'c-inner'])
    },
  )

  s.it('rolls back savepoints with the outer transaction', async (db) => {
    await assert.rejects(
      db.transaction(async () => {
        await db.transaction(() => addEntry('inner'))
        throw new Error('outer failure')
      }),
      /outer failure/,
    )
    assert.deepEqual(await entryNames(), [])
  })

  s.it('lets code called inside join the transaction implicitly', async (db) => {
    const seen: boolean[] = []
    const work = async () => {
      seen.push(db.inTransaction)
      await addEntry('x')
      await new Promise((resolve) => setTimeout(resolve, 1))
      seen.push(db.inTransaction)
      await Entry.objects.filter({ name: 'x' }).update({ name: 'y' })
    }
    await assert.rejects(
      db.transaction(async () => {
        await Promise.all([work(), Promise.resolve().then(() => addEntry('z'))])
        assert.deepEqual(await entryNames(), ['y', 'z'])
        throw new Error('undo')
      }),
      /undo/,
    )
    assert.deepEqual(seen, [true, true])
    assert.deepEqual(await entryNames(), [])
  })

  s.it('isolates concurrent transactions (they serialize on SQLite)', async (db) => {
    const order: string[] = []
    if (s.dialect === 'sqlite') {
      const first = db.transaction(async () => {
        order.push('1:start')
        await addEntry('one')
        await new Promise((resolve) => setTimeout(resolve, 10))
        order.push('1:end')
      })
      const second = db.transaction(async () => {
        order.push('2:start')
        assert.deepEqual(await entryNames(), ['one'])
        await addEntry('two')
        order.push('2:end')
      })
      await Promise.all([first, second])
      assert.deepEqual(order, ['1:start', '1:end', '2:start', '2:end'])
      assert.deepEqual(await entryNames(), ['one', 'two'])
      return
    }
    const written = signal()
    const checked = signal()
    const first = db.transaction(async () => {
      await addEntry('one')
      written.resolve()
      await checked.promise
    })
    const second = db.transaction(async () => {
      await written.promise
      // The other transaction's row is not committed yet: invisible here.
      assert.deepEqual(await entryNames(), [])
      await addEntry('two')
      checked.resolve()
    })
    await Promise.all([first, second])
    assert.deepEqual(await entryNames(), ['one', 'two'])
  })

  s.it('runs onCommit callbacks after commit only', async (db) => {
    const calls: string[] = []
    await db.transaction(async () => {
      db.onCommit(async () => {
        // Runs after COMMIT: the row is visible from anywhere, outside any transaction.
        calls.push(`committed:${db.inTransaction}:${(await entryNames()).join(',')}`)
      })
      await addEntry('a')
      await Promise.resolve()
      assert.deepEqual(calls, [])
    })
    assert.deepEqual(calls, ['committed:false:a'])
    await assert.rejects(
      db.transaction(async () => {
        db.onCommit(() => calls.push('rolled back'))
        throw new Error('no')
      }),
    )
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(calls, ['committed:false:a'])
    // Outside a transaction the callback runs at once, and its errors reach the caller.
    db.onCommit(() => calls.push('no transaction'))
    assert.deepEqual(calls, ['committed:false:a', 'no transaction'])
    await assert.rejects(
      Promise.resolve(
        db.onCommit(async () => {
          throw new Error('seen by the caller')
        }),
      ),
      /seen by the caller/,
    )
  })

  s.it('drops the onCommit callbacks of a rolled-back savepoint', async (db) => {
    const calls: string[] = []
    await db.transaction(async () => {
      db.onCommit(() => calls.push('outer'))
      await assert.rejects(
        db.transaction(async () => {
          db.onCommit(() => calls.push('inner rolled back'))
          throw new Error('inner')
        }),
      )
      await db.transaction(async () => {
        db.onCommit(() => calls.push('inner kept'))
      })
      assert.deepEqual(calls, [])
    })
    assert.deepEqual(calls, ['outer', 'inner kept'])
  })

  s.it('accepts an isolation level', async (db) => {
    for (const isolation of [
      'read uncommitted',
      'read committed',
      'repeatable read',
      'serializable',
    ] as const) {
      await db.transaction(() => addEntry(isolation), { isolation })
    }
    assert.equal(await Entry.objects.count(), 4)
    if (s.dialect === 'postgres') {
      const level = await db.transaction(
        async () =>
          (await db.execute({ sql: 'SHOW transaction_isolation', params: [], returnsRows: true }))
            .rows[0],
        {
          isolation: 'serializable',
        },
      )
      assert.deepEqual(level, { transaction_isolation: 'serializable' })
    }
  })

  s.it(
    'applies the isolation level: repeatable read keeps its snapshot, read committed does not',
    async (db: Database) => {
      if (s.dialect === 'sqlite') return // one connection: there is no concurrent writer to observe
      for (const [isolation, expected] of [
        ['repeatable read', 0],
        ['read committed', 1],
      ] as const) {
        await Entry.objects.delete()
        const firstRead = signal()
        const committed = signal()
        const reads: number[] = []
        const reader = db.transaction(
          async () => {
            reads.push(await Entry.objects.count())
            firstRead.resolve()
            await committed.promise
            reads.push(await Entry.objects.count())
          },
          { isolation },
        )
        await firstRead.promise
        await addEntry('concurrent')
        committed.resolve()
        await reader
        assert.deepEqual(reads, [0, expected], isolation)
      }
    },
  )
})
