import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpError } from './errors.ts'
import { isSafeRedirect, redirect, safeRedirect } from './redirect.ts'

const allowedHosts = ['testserver', 'testserver2']

// Django's URLHasAllowedHostAndSchemeTests.test_bad_urls corpus.
const badUrls = [
  'http://example.com',
  'http:///example.com',
  'https://example.com',
  'ftp://example.com',
  '\\\\example.com',
  '\\\\\\example.com',
  '/\\\\/example.com',
  '\\\\//example.com',
  '/\\/example.com',
  '\\/example.com',
  '/\\example.com',
  'http:/\\//example.com',
  'http:\\/example.com',
  'http:/\\example.com',
  'javascript:alert("XSS")',
  '\njavascript:alert(x)',
  'java\nscript:alert(x)',
  '\x08//example.com',
  'http://otherserver\\@example.com',
  'http:\\\\testserver\\@example.com',
  'http://testserver\\me:pass@example.com',
  'http://testserver\\@example.com',
  'http:\\\\testserver\\confirm\\me@example.com',
  'http:999999999',
  'ftp:9999999999',
  '\n',
  'http://[2001:cdba:0000:0000:0000:0000:3257:9652/',
  'http://2001:cdba:0000:0000:0000:0000:3257:9652]/',
  '//example.com',
  '///example.com',
  '',
  ' /path',
  'data:text/html,<script>alert(1)</script>',
]

const goodUrls = [
  '/view/?param=http://example.com',
  '/view/?param=https://example.com',
  '/view?param=ftp://example.com',
  'view/?param=//example.com',
  'https://testserver/',
  'HTTPS://testserver/',
  '//testserver/',
  'http://testserver/confirm?email=me@example.com',
  '/url%20with%20spaces/',
  'path/http:2222222222',
]

describe('isSafeRedirect', () => {
  for (const url of badUrls) {
    it(`refuses ${JSON.stringify(url)}`, () => {
      assert.equal(isSafeRedirect(url, { allowedHosts }), false)
    })
  }
  for (const url of goodUrls) {
    it(`accepts ${JSON.stringify(url)}`, () => {
      assert.equal(isSafeRedirect(url, { allowedHosts }), true)
    })
  }

  it('requires https for absolute URLs when asked', () => {
    assert.equal(isSafeRedirect('http://testserver/', { allowedHosts, requireHttps: true }), false)
    assert.equal(isSafeRedirect('https://testserver/', { allowedHosts, requireHttps: true }), true)
  })
})

describe('redirect', () => {
  it('answers 302 with an encoded Location by default', () => {
    const reply = redirect('/search?q=café bar')
    assert.equal(reply.status, 302)
    assert.equal(reply.headers.location, '/search?q=caf%C3%A9%20bar')
  })

  it('accepts a status number or options', () => {
    assert.equal(redirect('/a', 301).status, 301)
    assert.equal(redirect('/a', { status: 303 }).status, 303)
  })

  it('refuses external targets unless allowExternal is set', () => {
    assert.throws(
      () => redirect('https://evil.example/'),
      (e: HttpError) => e.status === 400 && e.code === 'unsafe_redirect',
    )
    assert.equal(
      redirect('https://github.com/login', { allowExternal: true }).headers.location,
      'https://github.com/login',
    )
  })

  it('refuses header splitting even with allowExternal', () => {
    assert.throws(() => redirect('/a\r\nSet-Cookie: x=y', { allowExternal: true }), HttpError)
  })
})

describe('safeRedirect', () => {
  it('follows a safe user-supplied target', () => {
    assert.equal(safeRedirect('/cart', '/').headers.location, '/cart')
  })

  it('falls back for unsafe or missing targets', () => {
    for (const target of [
      '//evil.example',
      'https://evil.example',
      undefined,
      ['/a'],
      '\\\\evil',
    ]) {
      assert.equal(safeRedirect(target, '/account').headers.location, '/account')
    }
  })

  it('allows listed hosts', () => {
    assert.equal(
      safeRedirect('https://shop.example/x', '/', { allowedHosts: ['shop.example'] }).headers
        .location,
      'https://shop.example/x',
    )
  })
})
