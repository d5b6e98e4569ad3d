/** Memory, chain and prefix loaders, and describing loaders for "not found" messages. */
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { TemplateError, TemplatePathError } from './errors.ts'
import {
  chainLoader,
  describeLoader,
  fileSystemLoader,
  type Loader,
  memoryLoader,
  prefixLoader,
} from './loaders.ts'

const isPathError = (e: unknown) =>
  e instanceof TemplatePathError && e.code === 'PLINTH_TEMPLATE_PATH'
const isLoaderError = (e: unknown) =>
  e instanceof TemplateError && e.code === 'PLINTH_TEMPLATE_LOADER'

const tmp = mkdtempSync(join(tmpdir(), 'plinth-tpl-loaders-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

const HOSTILE = ['../../etc/passwd', '/etc/passwd', '..\\x', 'a/../../b', 'a/./b', 'a\0b', 'C:\\x']

describe('memoryLoader', () => {
  const loader = memoryLoader({ 'base.html': '<main></main>', 'shop/list.html': 'list' })

  it('loads by name and is always fresh', () => {
    const loaded = loader.load('shop/list.html')
    assert.equal(loaded?.name, 'shop/list.html')
    assert.equal(loaded?.source, 'list')
    assert.equal(loaded?.file, undefined)
    assert.equal(loaded?.isFresh?.(), true)
  })

  it('returns undefined for missing names, including Object.prototype members', () => {
    assert.equal(loader.load('missing.html'), undefined)
    assert.equal(loader.load('constructor'), undefined)
    assert.equal(loader.load('__proto__'), undefined)
    assert.equal(loader.load('toString'), undefined)
  })

  it('copies the record: later changes are not seen', () => {
    const record: Record<string, string> = { 'a.html': 'one' }
    const copy = memoryLoader(record)
    record['a.html'] = 'two'
    record['b.html'] = 'new'
    assert.equal(copy.load('a.html')?.source, 'one')
    assert.equal(copy.load('b.html'), undefined)
  })

  it('refuses the same hostile names as the file-system loader', () => {
    for (const name of HOSTILE) assert.throws(() => loader.load(name), isPathError, name)
  })

  it('refuses invalid names and non-string sources when created', () => {
    assert.throws(() => memoryLoader({ '../a.html': 'x' }), isPathError)
    assert.throws(() => memoryLoader({ 'a.html': 3 as unknown as string }), isLoaderError)
  })

  it('describes and lists its templates', () => {
    assert.deepEqual(loader.describe?.(), [
      'memory loader (2 templates: base.html, shop/list.html)',
    ])
    assert.deepEqual(memoryLoader({}).describe?.(), ['memory loader (0 templates)'])
    assert.deepEqual(loader.list?.(), ['base.html', 'shop/list.html'])
  })
})

describe('chainLoader', () => {
  const app = memoryLoader({ 'base.html': 'app base' })
  const mod = memoryLoader({ 'base.html': 'module base', 'admin.html': 'module admin' })
  const chain = chainLoader([app, mod])

  it('uses the first loader that has the name', () => {
    assert.equal(chain.load('base.html')?.source, 'app base')
    assert.equal(chain.load('admin.html')?.source, 'module admin')
    assert.equal(chain.load('missing.html'), undefined)
  })

  it('propagates refusals of hostile names', () => {
    for (const name of HOSTILE) assert.throws(() => chain.load(name), isPathError, name)
  })

  it('describes every loader in order and lists the union of names', () => {
    assert.deepEqual(chain.describe?.('x.html'), [
      'memory loader (1 template: base.html)',
      'memory loader (2 templates: admin.html, base.html)',
    ])
    assert.deepEqual(chain.list?.(), ['admin.html', 'base.html'])
  })

  it('is stale when an earlier loader gains an override', () => {
    const dir = mkdtempSync(join(tmp, 'chain-'))
    const chained = chainLoader([fileSystemLoader(dir), mod])
    const loaded = chained.load('admin.html')!
    assert.equal(loaded.source, 'module admin')
    assert.equal(loaded.isFresh?.(), true)
    writeFileSync(join(dir, 'admin.html'), 'app admin')
    assert.equal(loaded.isFresh?.(), false)
    assert.equal(chained.load('admin.html')?.source, 'app admin')
  })

  it('is stale when the inner template is stale', () => {
    let fresh = true
    const inner: Loader = {
      load: (name) => (name === 'x.html' ? { name, source: 'x', isFresh: () => fresh } : undefined),
    }
    const loaded = chainLoader([memoryLoader({}), inner]).load('x.html')!
    assert.equal(loaded.isFresh?.(), true)
    fresh = false
    assert.equal(loaded.isFresh?.(), false)
  })
})

describe('prefixLoader', () => {
  const admin = memoryLoader({ 'base.html': 'admin base', 'users/list.html': 'users' })
  const auth = memoryLoader({ 'login.html': 'login' })
  const loader = prefixLoader({ admin, auth })

  it('routes by prefix and keeps the full name', () => {
    const loaded = loader.load('admin/base.html')
    assert.equal(loaded?.source, 'admin base')
    assert.equal(loaded?.name, 'admin/base.html')
    assert.equal(loader.load('admin/users/list.html')?.source, 'users')
    assert.equal(loader.load('auth/login.html')?.source, 'login')
  })

  it('returns undefined for unknown prefixes and names without a prefix', () => {
    assert.equal(loader.load('shop/base.html'), undefined)
    assert.equal(loader.load('base.html'), undefined)
    assert.equal(loader.load('constructor/x'), undefined)
    assert.equal(loader.load('admin/missing.html'), undefined)
  })

  it('refuses hostile names, including ones that would escape after the prefix', () => {
    for (const name of [...HOSTILE, 'admin/../auth/login.html', 'admin//base.html']) {
      assert.throws(() => loader.load(name), isPathError, name)
    }
  })

  it('supports another delimiter', () => {
    const colon = prefixLoader({ admin }, ':')
    assert.equal(colon.load('admin:base.html')?.source, 'admin base')
    assert.equal(colon.load('admin:base.html')?.name, 'admin:base.html')
    assert.throws(() => colon.load('admin:../x'), isPathError)
    assert.throws(() => colon.load('admin:C:x'), isPathError)
  })

  it('describes where a name would be looked for', () => {
    assert.deepEqual(loader.describe?.('admin/x.html'), [
      'admin: memory loader (2 templates: base.html, users/list.html)',
    ])
    assert.deepEqual(loader.describe?.('shop/x.html'), [
      'prefix loader: the name must start with one of "admin/", "auth/"',
    ])
    assert.equal(loader.describe?.().length, 2)
    assert.deepEqual(loader.list?.(), [
      'admin/base.html',
      'admin/users/list.html',
      'auth/login.html',
    ])
  })

  it('refuses an empty delimiter and prefixes containing it', () => {
    assert.throws(() => prefixLoader({ admin }, ''), isLoaderError)
    assert.throws(() => prefixLoader({ 'a/b': admin }), isLoaderError)
    assert.throws(() => prefixLoader({ '': admin }), isLoaderError)
  })

  it('keeps an isFresh() that a custom loader defines on a class', () => {
    class Source {
      name = 'x.html'
      source = 'x'
      stale = false
      isFresh(): boolean {
        return !this.stale
      }
    }
    const source = new Source()
    const loaded = prefixLoader({ db: { load: () => source } }).load('db/x.html')!
    assert.equal(loaded.name, 'db/x.html')
    assert.equal(loaded.isFresh?.(), true)
    source.stale = true
    assert.equal(loaded.isFresh?.(), false)
  })

  it('works over a file-system loader', () => {
    const dir = mkdtempSync(join(tmp, 'prefix-'))
    mkdirSync(join(dir, 'users'))
    writeFileSync(join(dir, 'users', 'list.html'), 'from disk')
    const files = prefixLoader({ admin: fileSystemLoader(dir) })
    const loaded = files.load('admin/users/list.html')
    assert.equal(loaded?.source, 'from disk')
    assert.equal(loaded?.file, join(dir, 'users', 'list.html'))
    assert.equal(loaded?.isFresh?.(), true)
    assert.deepEqual(files.describe?.('admin/x.html'), [`admin: ${join(dir, 'x.html')}`])
  })
})

describe('describeLoader', () => {
  it('uses describe() when the loader has one', () => {
    assert.deepEqual(describeLoader(memoryLoader({})), ['memory loader (0 templates)'])
  })

  it('names custom loaders without describe()', () => {
    class DatabaseLoader implements Loader {
      load(): undefined {
        return undefined
      }
    }
    assert.deepEqual(describeLoader(new DatabaseLoader()), ['DatabaseLoader (no describe())'])
    assert.deepEqual(describeLoader({ load: () => undefined }), ['custom loader (no describe())'])
  })
})
