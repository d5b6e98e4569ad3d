import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { assertNoCycles, type DependencyMap, defineDependency } from './dependency.ts'
import { DependencyScope } from './scope.ts'

describe('DependencyScope', () => {
  it('resolves each dependency once per scope, sharing it between dependents', async () => {
    let calls = 0
    const config = defineDependency(() => {
      calls++
      return { url: 'db://' }
    })
    const db = defineDependency({
      deps: { config },
      resolve: (_ctx, { config }) => `conn:${config.url}`,
    })
    const repo = defineDependency({
      deps: { db, config },
      resolve: (_ctx, { db }) => `repo(${db})`,
    })
    const scope = new DependencyScope({})
    assert.deepEqual(await scope.resolveAll({ repo, db }), {
      repo: 'repo(conn:db://)',
      db: 'conn:db://',
    })
    assert.equal(calls, 1)
    assert.equal(await new DependencyScope({}).resolve(repo), 'repo(conn:db://)')
    assert.equal(calls, 2)
  })

  it('passes the scope context to resolvers', async () => {
    const tenant = defineDependency((ctx: { host: string }) => ctx.host.split('.')[0])
    assert.equal(await new DependencyScope({ host: 'acme.example' }).resolve(tenant), 'acme')
  })

  it('runs generator cleanups and cleanup callbacks after the scope, newest first', async () => {
    const events: string[] = []
    const pool = defineDependency({
      resolve: () => 'pool',
      cleanup: (value) => {
        events.push(`cleanup ${value}`)
      },
    })
    const conn = defineDependency({
      deps: { pool },
      async *resolve() {
        events.push('open')
        try {
          yield 'conn'
        } finally {
          events.push('close')
        }
      },
    })
    const scope = new DependencyScope({})
    assert.equal(await scope.resolve(conn), 'conn')
    assert.deepEqual(events, ['open'])
    await scope.dispose()
    assert.deepEqual(events, ['open', 'close', 'cleanup pool'])
    await scope.dispose()
    assert.equal(events.length, 3)
  })

  it('runs every cleanup even when one fails and reports the failures', async () => {
    const ran: string[] = []
    const a = defineDependency({ resolve: () => 1, cleanup: () => void ran.push('a') })
    const b = defineDependency({
      resolve: () => 2,
      cleanup: () => {
        throw new Error('b failed')
      },
    })
    const scope = new DependencyScope({})
    await scope.resolveAll({ a, b })
    await assert.rejects(scope.dispose(), /b failed/)
    assert.deepEqual(ran, ['a'])
  })

  it('uses overrides in place of the original dependency', async () => {
    const clock = defineDependency(() => 'real')
    const fake = defineDependency(() => 'fake')
    const uses = defineDependency({ deps: { clock }, resolve: (_c, { clock }) => `uses ${clock}` })
    const scope = new DependencyScope({}, new Map([[clock, fake]]))
    assert.equal(await scope.resolve(uses), 'uses fake')
  })

  it('propagates resolver errors and refuses use after disposal', async () => {
    const broken = defineDependency(() => {
      throw new Error('nope')
    })
    const scope = new DependencyScope({})
    await assert.rejects(scope.resolve(broken), /nope/)
    await scope.dispose()
    await assert.rejects(scope.resolve(defineDependency(() => 1)), /after its scope ended/)
  })
})

describe('assertNoCycles', () => {
  it('reports a cycle with the chain of names', () => {
    const deps: Record<string, DependencyMap[string]> = {}
    const a = defineDependency({ name: 'a', deps: deps as DependencyMap, resolve: () => 1 })
    const b = defineDependency({ name: 'b', deps: { a }, resolve: () => 2 })
    deps.b = b
    assert.throws(
      () => assertNoCycles({ a }, 'GET /x'),
      (e: Error & { code?: string }) =>
        e.code === 'PLINTH_DI_CYCLE' && e.message.includes('a → b → a'),
    )
  })

  it('rejects values that are not dependencies', () => {
    assert.throws(
      () => assertNoCycles({ x: (() => 1) as unknown as DependencyMap[string] }, 'GET /x'),
      { code: 'PLINTH_DI_INVALID' },
    )
  })
})
