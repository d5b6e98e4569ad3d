/**
 * csrf() options: bad trusted origins, names and flags fail when the middleware is built (with a
 * message saying what to write instead); the cookie defaults follow the app's debug mode.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PlinthError } from '../http/index.ts'
import { csrf } from './csrf.ts'
import { CSRF_COOKIE_MAX_AGE, csrfCookie, resolveCsrfOptions } from './csrf-options.ts'

function configError(options: unknown, message: RegExp) {
  assert.throws(
    () => csrf(options as never),
    (error: unknown) =>
      error instanceof PlinthError &&
      error.code === 'PLINTH_SECURITY_CSRF_CONFIG' &&
      message.test(error.message),
  )
}

describe('csrf() options', () => {
  it('accept exact origins', () => {
    const config = resolveCsrfOptions({
      trustedOrigins: ['https://admin.example.com', 'http://localhost:5173', 'https://[::1]:8443'],
    })
    assert.deepEqual(
      [...config.trustedOrigins],
      ['https://admin.example.com', 'http://localhost:5173', 'https://[::1]:8443'],
    )
  })

  it('refuse origins browsers never send, suggesting the right spelling', () => {
    configError({ trustedOrigins: ['null'] }, /never 'null'/)
    configError({ trustedOrigins: ['https://*.example.com'] }, /no wildcards/)
    configError({ trustedOrigins: ['*'] }, /no wildcards/)
    configError({ trustedOrigins: ['example.com'] }, /not a URL/)
    configError({ trustedOrigins: ['https://'] }, /not a URL/)
    configError({ trustedOrigins: ['ftp://example.com'] }, /http: or https:/)
    configError({ trustedOrigins: ['https://example.com/'] }, /use "https:\/\/example\.com"/)
    configError({ trustedOrigins: ['https://Example.com'] }, /use "https:\/\/example\.com"/)
    configError({ trustedOrigins: ['https://example.com:443'] }, /use "https:\/\/example\.com"/)
    configError({ trustedOrigins: ['https://example.com/app'] }, /no path/)
    configError({ trustedOrigins: [42] }, /not an origin/)
    configError({ trustedOrigins: 'https://example.com' }, /must be an array/)
  })

  it('refuse bad names and flags', () => {
    configError(null, /options object/)
    configError({ cookieName: 'bad name' }, /csrf\(\)/)
    configError({ cookieName: 'a;Domain=evil' }, /csrf\(\)/)
    configError({ headerName: 'X CSRF' }, /not a valid header name/)
    configError({ headerName: '' }, /not a valid header name/)
    configError({ fieldName: '' }, /fieldName/)
    configError({ secure: 'yes' }, /secure must be/)
    configError({ sameSite: 'loose' }, /sameSite must be/)
    configError({ exempt: true }, /exempt must be a function/)
  })

  it('name the cookie after its security: __Host-csrf when secure, csrftoken otherwise', () => {
    const config = resolveCsrfOptions()
    const production = csrfCookie(config, false)
    assert.equal(production.name, '__Host-csrf')
    assert.deepEqual(production.attributes, {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: true,
      maxAge: CSRF_COOKIE_MAX_AGE,
    })
    const development = csrfCookie(config, true)
    assert.equal(development.name, 'csrftoken')
    assert.equal(development.attributes.secure, false)
    const forced = csrfCookie(resolveCsrfOptions({ secure: true, cookieName: 'xsrf' }), true)
    assert.equal(forced.name, 'xsrf')
    assert.equal(forced.attributes.secure, true)
    assert.equal(resolveCsrfOptions({ headerName: 'X-XSRF-Token' }).headerName, 'x-xsrf-token')
  })
})
