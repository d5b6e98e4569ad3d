/** Template name rules: what is refused, with which message, on which platform. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { TemplatePathError } from '../errors.ts'
import { isSafeTemplateName, templateSegments } from './names.ts'

/** Assert the name is refused with `PLINTH_TEMPLATE_PATH` and a message matching `reason`. */
function refused(name: string, reason: RegExp, platform = 'linux'): void {
  assert.throws(
    () => templateSegments(name, platform),
    (error: unknown) => {
      assert.ok(error instanceof TemplatePathError)
      assert.equal(error.code, 'PLINTH_TEMPLATE_PATH')
      assert.match(error.message, reason)
      return true
    },
  )
}

describe('templateSegments', () => {
  it('splits ordinary names on "/"', () => {
    assert.deepEqual(templateSegments('base.html'), ['base.html'])
    assert.deepEqual(templateSegments('shop/products/list.html'), ['shop', 'products', 'list.html'])
    assert.deepEqual(templateSegments('.hidden/a b.html'), ['.hidden', 'a b.html'])
    assert.deepEqual(templateSegments('...html'), ['...html'])
    assert.deepEqual(templateSegments('émoji-😀.html'), ['émoji-😀.html'])
  })

  it('keeps percent signs literally (never URL-decodes)', () => {
    assert.deepEqual(templateSegments('%2e%2e/x'), ['%2e%2e', 'x'])
    assert.deepEqual(templateSegments('%2f..%2fetc'), ['%2f..%2fetc'])
  })

  it('refuses parent segments', () => {
    refused('../../etc/passwd', /"\.\." segment/)
    refused('a/../../b', /"\.\." segment/)
    refused('a/..', /"\.\." segment/)
    refused('..', /"\.\." segment/)
  })

  it('refuses "." segments rather than normalizing them', () => {
    refused('a/./b', /"\." segment/)
    refused('./a', /"\." segment/)
  })

  it('refuses absolute paths', () => {
    refused('/etc/passwd', /absolute path/)
    refused('//server/share/x', /absolute path/)
  })

  it('refuses backslashes', () => {
    refused('..\\x', /backslash/)
    refused('a\\b.html', /backslash/)
  })

  it('refuses drive letters and other colons', () => {
    refused('C:\\x', /backslash|colon/)
    refused('C:x', /colon/)
    refused('c:/windows/win.ini', /colon/)
    refused('a.html::$DATA', /colon/)
  })

  it('refuses NUL and other control characters', () => {
    refused('a\0b', /control character/)
    refused('a.html\0.png', /control character/)
    refused('a\nb', /control character/)
    refused('a\u007fb', /control character/)
  })

  it('refuses empty names and empty segments', () => {
    refused('', /empty/)
    refused('a//b', /empty segment/)
    refused('a/', /empty segment/)
  })

  it('refuses non-strings and very long names', () => {
    refused(undefined as unknown as string, /not a string/)
    refused('a/'.repeat(600) + 'b', /longer than 1024/)
  })

  it('refuses Windows device names and trailing dots on Windows only', () => {
    refused('nul.html', /Windows device name/, 'win32')
    refused('a/CON', /Windows device name/, 'win32')
    refused('com1.txt', /Windows device name/, 'win32')
    refused('a.html.', /ends with a dot or a space/, 'win32')
    refused('a.html ', /ends with a dot or a space/, 'win32')
    assert.deepEqual(templateSegments('nul.html', 'linux'), ['nul.html'])
    assert.deepEqual(templateSegments('console.html', 'win32'), ['console.html'])
  })
})

describe('isSafeTemplateName', () => {
  it('is true for names templateSegments accepts and false otherwise', () => {
    assert.equal(isSafeTemplateName('shop/a.html'), true)
    assert.equal(isSafeTemplateName('../a.html'), false)
    assert.equal(isSafeTemplateName('a\0'), false)
  })
})
