import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseCookies, serializeCookie } from './cookies.ts'
import { Signer } from './signing.ts'

describe('parseCookies', () => {
  it('parses pairs, trims SP/HTAB, unquotes and percent-decodes values', () => {
    assert.deepEqual(
      { ...parseCookies(' a=1 ;\tb="two" ; c=caf%C3%A9; d=%zz') },
      { a: '1', b: 'two', c: 'café', d: '%zz' },
    )
  })

  it('keeps the first occurrence of a name', () => {
    assert.equal(parseCookies('sid=first; sid=second').sid, 'first')
  })

  it('drops nameless cookies so "=__Host-sid=x" cannot shadow the real one', () => {
    const cookies = parseCookies('=__Host-sid=evil; __Host-sid=good')
    assert.equal(cookies['__Host-sid'], 'good')
    assert.equal(Object.keys(cookies).length, 1)
  })

  it('does not trim U+00A0, so a look-alike name stays distinct', () => {
    const cookies = parseCookies('\u00a0__Host-sid=evil')
    assert.equal(cookies['__Host-sid'], undefined)
  })

  it('stores __proto__ and constructor as plain keys without polluting prototypes', () => {
    const cookies = parseCookies('__proto__=x; constructor=y')
    assert.equal(Object.getPrototypeOf(cookies), null)
    // biome-ignore lint/suspicious/noProto: an own "__proto__" key on a null-prototype object is what is tested
    assert.equal(cookies.__proto__, 'x')
    assert.equal(cookies.constructor, 'y')
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })

  it('returns an empty record for a missing header and ignores junk', () => {
    assert.deepEqual({ ...parseCookies(undefined) }, {})
    assert.deepEqual({ ...parseCookies(';;;=;novalue;a=b') }, { a: 'b' })
  })
})

describe('serializeCookie', () => {
  it('applies safe defaults: Path=/, HttpOnly, SameSite=Lax', () => {
    assert.equal(serializeCookie('theme', 'dark'), 'theme=dark; Path=/; HttpOnly; SameSite=Lax')
  })

  it('encodes the value and writes every attribute', () => {
    const header = serializeCookie('a', 'x y;z', {
      maxAge: 60.9,
      expires: new Date(0),
      domain: 'example.com',
      path: '/shop',
      secure: true,
      httpOnly: false,
      sameSite: 'strict',
      partitioned: true,
      priority: 'high',
    })
    assert.equal(
      header,
      'a=x%20y%3Bz; Max-Age=60; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Domain=example.com; Path=/shop; Secure; SameSite=Strict; Partitioned; Priority=High',
    )
  })

  it('forces Secure for __Secure-/__Host- names and SameSite=None', () => {
    assert.match(serializeCookie('__Secure-a', '1'), /; Secure/)
    assert.match(
      serializeCookie('b', '1', { sameSite: 'none' }),
      /; Secure; HttpOnly; SameSite=None/,
    )
  })

  it('rejects attribute injection through the name, path or domain', () => {
    assert.throws(() => serializeCookie('a;Domain=evil', 'x'), {
      code: 'PLINTH_COOKIE_INVALID_NAME',
    })
    assert.throws(() => serializeCookie('a', 'x', { path: '/;Secure=0' }), {
      code: 'PLINTH_COOKIE_INVALID_ATTRIBUTE',
    })
    assert.throws(() => serializeCookie('a', 'x', { domain: 'a.com\r\nSet-Cookie: b=c' }), {
      code: 'PLINTH_COOKIE_INVALID_ATTRIBUTE',
    })
  })

  it('enforces the __Host- prefix rules', () => {
    assert.throws(() => serializeCookie('__Host-sid', 'x', { path: '/app' }), {
      code: 'PLINTH_COOKIE_HOST_PREFIX',
    })
    assert.throws(() => serializeCookie('__Host-sid', 'x', { domain: 'a.com' }), {
      code: 'PLINTH_COOKIE_HOST_PREFIX',
    })
  })
})

describe('Signer', () => {
  const newKey = 'n'.repeat(32)
  const oldKey = 'o'.repeat(32)

  it('round-trips values signed with the newest key', () => {
    const signer = new Signer([newKey, oldKey])
    const signed = signer.sign('42', 'user')
    assert.equal(signer.unsign(signed, 'user'), '42')
    assert.equal(signer.needsRotation(signed, 'user'), false)
  })

  it('verifies values signed with an older key and reports they need re-signing', () => {
    const signed = new Signer(oldKey).sign('42', 'user')
    const signer = new Signer([newKey, oldKey])
    assert.equal(signer.unsign(signed, 'user'), '42')
    assert.equal(signer.needsRotation(signed, 'user'), true)
  })

  it('rejects tampered values, wrong contexts, unknown keys and malformed input', () => {
    const signer = new Signer(newKey)
    const signed = signer.sign('42', 'user')
    assert.equal(signer.unsign(signed.replace('42', '43'), 'user'), null)
    assert.equal(signer.unsign(signed, 'admin'), null)
    assert.equal(new Signer(oldKey).unsign(signed, 'user'), null)
    assert.equal(signer.unsign('no-dot', 'user'), null)
    assert.equal(signer.unsign('x.short', 'user'), null)
  })

  it('refuses short keys at construction', () => {
    assert.throws(() => new Signer('short'), { code: 'PLINTH_CONFIG_SECRET_KEY' })
    assert.throws(() => new Signer([]), { code: 'PLINTH_CONFIG_SECRET_KEY' })
  })
})
