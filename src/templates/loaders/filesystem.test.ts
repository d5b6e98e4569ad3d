/** The file-system and module loaders, on a real temporary directory tree. */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import {
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { after, describe, it } from 'node:test'
import { pathToFileURL } from 'node:url'
import { TemplateError, TemplatePathError } from '../errors.ts'
import { fileSystemLoader, moduleLoader } from './filesystem.ts'

const base = mkdtempSync(join(tmpdir(), 'plinth-tpl-loaders-'))
after(() => rmSync(base, { recursive: true, force: true }))

function write(path: string, text: string): string {
  const full = join(base, path)
  mkdirSync(dirname(full), { recursive: true })
  writeFileSync(full, text)
  return full
}

const app = join(base, 'app')
const mod = join(base, 'module')
write('app/base.html', 'app base')
write('app/shop/products.html', 'products')
write('app/%2e%2e/x', 'a directory literally named %2e%2e')
write('app/notes.txt', 'not a template')
write('app/bom.html', '\ufeff<!DOCTYPE html>')
write('module/base.html', 'module base')
write('module/admin.html', 'module admin')
write('secret.txt', 'SECRET')
write('x', 'SECRET')
write('outside/x.html', 'SECRET')
symlinkSync(join(base, 'secret.txt'), join(app, 'link-out.html'))
symlinkSync(join(base, 'outside'), join(app, 'dir-link'))
symlinkSync(join(app, 'shop/products.html'), join(app, 'link-in.html'))
symlinkSync(join(base, 'nowhere.html'), join(app, 'dangling.html'))

/** Assert `action` throws a TemplatePathError whose message matches `pattern`. */
function refusedPath(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof TemplatePathError)
    assert.equal(error.code, 'PLINTH_TEMPLATE_PATH')
    assert.match(error.message, pattern)
    return true
  })
}

describe('fileSystemLoader', () => {
  const loader = fileSystemLoader([app, mod])

  it('loads by "/"-separated relative name, with the file and its mtime', () => {
    const loaded = loader.load('shop/products.html')
    assert.equal(loaded?.name, 'shop/products.html')
    assert.equal(loaded?.source, 'products')
    assert.equal(loaded?.file, join(app, 'shop', 'products.html'))
    assert.equal(typeof loaded?.mtimeMs, 'number')
    assert.equal(loaded?.isFresh?.(), true)
  })

  it('searches directories in priority order: the first match wins', () => {
    assert.equal(loader.load('base.html')?.source, 'app base')
    assert.equal(loader.load('admin.html')?.source, 'module admin')
    assert.equal(fileSystemLoader([mod, app]).load('base.html')?.source, 'module base')
  })

  it('returns undefined for missing templates and directories', () => {
    assert.equal(loader.load('missing.html'), undefined)
    assert.equal(loader.load('shop'), undefined)
    assert.equal(loader.load('shop/products.html/x'), undefined)
    assert.equal(loader.load('dangling.html'), undefined)
  })

  it('describes the files it tried for a name, and its directories', () => {
    assert.deepEqual(loader.describe?.('shop/x.html'), [
      join(app, 'shop', 'x.html'),
      join(mod, 'shop', 'x.html'),
    ])
    assert.deepEqual(loader.describe?.(), [app, mod])
  })

  it('refuses hostile names before touching the file system', () => {
    const hostile: Array<[string, RegExp]> = [
      ['../../etc/passwd', /"\.\." segment/],
      ['/etc/passwd', /absolute path/],
      [join(base, 'secret.txt'), /absolute path|colon|backslash/],
      ['..\\x', /backslash/],
      ['a/../../b', /"\.\." segment/],
      ['shop/../../secret.txt', /"\.\." segment/],
      ['a/./b', /"\." segment/],
      ['a\0b', /control character/],
      ['base.html\0.png', /control character/],
      ['C:\\x', /backslash|colon/],
      ['shop//products.html', /empty segment/],
    ]
    for (const [name, pattern] of hostile) refusedPath(() => loader.load(name), pattern)
  })

  it('treats percent encodings literally', () => {
    assert.equal(loader.load('%2e%2e/x')?.source, 'a directory literally named %2e%2e')
    assert.equal(loader.load('%2e%2e/secret.txt'), undefined)
    assert.equal(loader.load('..%2fsecret.txt'), undefined)
  })

  it('refuses a symlink that points outside the root', () => {
    refusedPath(() => loader.load('link-out.html'), /outside the template directory/)
    refusedPath(() => loader.load('dir-link/x.html'), /outside the template directory/)
  })

  it('follows symlinks that stay inside the root', () => {
    assert.equal(loader.load('link-in.html')?.source, 'products')
  })

  it('works when the root itself is reached through a symlink', () => {
    const linkedRoot = join(base, 'linked-app')
    symlinkSync(app, linkedRoot)
    assert.equal(fileSystemLoader(linkedRoot).load('base.html')?.source, 'app base')
    refusedPath(() => fileSystemLoader(linkedRoot).load('link-out.html'), /outside/)
  })

  it('never reads a FIFO', { skip: process.platform === 'win32' }, () => {
    const fifo = join(app, 'pipe.html')
    try {
      execFileSync('mkfifo', [fifo])
    } catch {
      return // no mkfifo here: nothing to test
    }
    assert.equal(loader.load('pipe.html'), undefined)
    unlinkSync(fifo)
  })

  it('strips a byte order mark', () => {
    assert.equal(loader.load('bom.html')?.source, '<!DOCTYPE html>')
  })

  it('accepts file: URLs and skips directories that do not exist', () => {
    const missing = join(base, 'no-such-dir')
    const withUrl = fileSystemLoader([missing, pathToFileURL(`${app}/`)])
    assert.equal(withUrl.load('base.html')?.source, 'app base')
    assert.deepEqual(withUrl.describe?.(), [`${missing} (does not exist)`, app])
    assert.deepEqual(withUrl.describe?.('a.html'), [
      `${join(missing, 'a.html')} (directory ${missing} does not exist)`,
      join(app, 'a.html'),
    ])
  })

  it('loads only the given extensions when asked', () => {
    const html = fileSystemLoader(app, { extensions: ['.html', 'txt'] })
    assert.equal(html.load('notes.txt')?.source, 'not a template')
    const only = fileSystemLoader(app, { extensions: ['.html'] })
    assert.equal(only.load('notes.txt'), undefined)
    assert.equal(only.load('%2e%2e/x'), undefined)
    assert.match(only.describe?.('notes.txt')[0] ?? '', /skipped: only \.html are templates/)
    assert.ok(!only.list?.().includes('notes.txt'))
  })

  it('lists its templates, without links that leave the root', () => {
    assert.deepEqual(fileSystemLoader(app, { extensions: ['.html'] }).list?.(), [
      'base.html',
      'bom.html',
      'link-in.html',
      'shop/products.html',
    ])
    assert.deepEqual(loader.list?.(), [
      '%2e%2e/x',
      'admin.html',
      'base.html',
      'bom.html',
      'link-in.html',
      'notes.txt',
      'shop/products.html',
    ])
  })

  it('refuses to be created without a directory', () => {
    assert.throws(
      () => fileSystemLoader([]),
      (e: unknown) => e instanceof TemplateError && e.code === 'PLINTH_TEMPLATE_LOADER',
    )
  })
})

describe('fileSystemLoader freshness', () => {
  it('is stale once the file changes, and reloading gives the new source', () => {
    const dir = join(base, 'fresh')
    const file = write('fresh/page.html', 'v1')
    const loader = fileSystemLoader(dir)
    const first = loader.load('page.html')!
    assert.equal(first.isFresh?.(), true)
    writeFileSync(file, 'v2')
    // Set the mtime explicitly: two writes can share a timestamp on coarse file systems.
    const later = new Date(Date.now() + 10_000)
    utimesSync(file, later, later)
    assert.equal(first.isFresh?.(), false)
    const second = loader.load('page.html')!
    assert.equal(second.source, 'v2')
    assert.equal(second.isFresh?.(), true)
  })

  it('is stale once the file is removed', () => {
    const file = write('fresh/gone.html', 'here')
    const loaded = fileSystemLoader(join(base, 'fresh')).load('gone.html')!
    unlinkSync(file)
    assert.equal(loaded.isFresh?.(), false)
  })

  it('is stale once a higher-priority directory gains an override', () => {
    const loader = fileSystemLoader([join(base, 'over-app'), join(base, 'over-mod')])
    write('over-mod/page.html', 'module')
    const loaded = loader.load('page.html')!
    assert.equal(loaded.source, 'module')
    assert.equal(loaded.isFresh?.(), true)
    write('over-app/page.html', 'app')
    assert.equal(loaded.isFresh?.(), false)
    assert.equal(loader.load('page.html')?.source, 'app')
  })
})

describe('moduleLoader', () => {
  write('pkg/dist/templates/admin/base.html', 'admin base')
  write('pkg/dist/pages/login.html', 'login')
  write('pkg/dist/index.js', '')
  const moduleFile = join(base, 'pkg', 'dist', 'index.js')

  it('finds the templates directory next to the module from import.meta.url', () => {
    const loader = moduleLoader(pathToFileURL(moduleFile).href)
    assert.equal(loader.load('admin/base.html')?.source, 'admin base')
    assert.deepEqual(loader.describe?.(), [join(base, 'pkg', 'dist', 'templates')])
    assert.equal(
      moduleLoader(pathToFileURL(moduleFile)).load('admin/base.html')?.source,
      'admin base',
    )
  })

  it('accepts a directory URL, an absolute path, and another directory name', () => {
    const distUrl = pathToFileURL(join(base, 'pkg', 'dist/')).href
    assert.equal(moduleLoader(distUrl).load('admin/base.html')?.source, 'admin base')
    assert.equal(moduleLoader(moduleFile).load('admin/base.html')?.source, 'admin base')
    assert.equal(moduleLoader(dirname(moduleFile)).load('admin/base.html')?.source, 'admin base')
    assert.equal(moduleLoader(moduleFile, 'pages').load('login.html')?.source, 'login')
  })

  it('has the same safety as the file-system loader', () => {
    const loader = moduleLoader(moduleFile)
    refusedPath(() => loader.load('../index.js'), /"\.\." segment/)
    refusedPath(() => loader.load('/etc/passwd'), /absolute path/)
  })

  it('refuses URLs that are not file: URLs and relative paths', () => {
    const isLoaderError = (e: unknown) =>
      e instanceof TemplateError && e.code === 'PLINTH_TEMPLATE_LOADER'
    assert.throws(() => moduleLoader('https://example.com/x.js'), isLoaderError)
    assert.throws(() => moduleLoader('relative/x.js'), isLoaderError)
  })
})
