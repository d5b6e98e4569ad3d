import assert from 'node:assert/strict'
import { it } from 'node:test'
import { StatementCache } from './statement-cache.ts'

it('StatementCache keeps at most max entries, evicting the least recently used first', () => {
  const cache = new StatementCache<number>(4)
  for (let i = 1; i <= 4; i++) cache.set(`q${i}`, i)
  assert.equal(cache.get('q1'), 1) // q1 is now the most recently used
  cache.set('q5', 5) // full: drops a quarter (1 entry), the least recently used: q2
  assert.equal(cache.size, 4)
  assert.equal(cache.get('q2'), undefined)
  assert.deepEqual(
    ['q1', 'q3', 'q4', 'q5'].map((k) => cache.get(k)),
    [1, 3, 4, 5],
  )
  cache.clear()
  assert.equal(cache.size, 0)
})
