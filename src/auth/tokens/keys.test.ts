/**
 * jwtTokens() configuration is checked at startup (security catalogue F8, F9): no algorithm
 * list, `none`, mixed families, short HMAC secrets, PEM keys used as HMAC secrets, keys that do
 * not fit the algorithms, mismatched pairs and bad durations are PlinthErrors with a fix.
 */
import assert from 'node:assert/strict'
import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { PlinthError } from '../../http/index.ts'
import { jwtTokens } from './jwt.ts'

const SECRET = randomBytes(32).toString('base64url')
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' })
const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' })
const ed = generateKeyPairSync('ed25519')
const base = { issuer: 'https://issuer.test', audience: 'api' }

function refused(options: unknown, code: string, message?: RegExp) {
  assert.throws(
    () => jwtTokens(options as Parameters<typeof jwtTokens>[0]),
    (error: unknown) => {
      assert.ok(error instanceof PlinthError, `expected a PlinthError, got ${String(error)}`)
      assert.equal(error.code, code)
      if (message) assert.match(error.message, message)
      return true
    },
  )
}

describe('jwtTokens(): the algorithm allow-list', () => {
  it('is required and never empty', () => {
    refused(
      { ...base, key: SECRET },
      'PLINTH_AUTH_TOKENS_ALGORITHMS',
      /explicit algorithm allow-list/,
    )
    refused({ ...base, key: SECRET, algorithms: [] }, 'PLINTH_AUTH_TOKENS_ALGORITHMS')
    refused({ ...base, key: SECRET, algorithms: 'HS256' }, 'PLINTH_AUTH_TOKENS_ALGORITHMS')
  })

  it("never contains 'none', in any case", () => {
    for (const none of ['none', 'NONE', 'None']) {
      refused(
        { ...base, key: SECRET, algorithms: ['HS256', none] },
        'PLINTH_AUTH_TOKENS_ALGORITHMS',
        /none/,
      )
    }
  })

  it('refuses unknown algorithms and a mix of HMAC and public-key ones', () => {
    refused(
      { ...base, key: SECRET, algorithms: ['HS1'] },
      'PLINTH_AUTH_TOKENS_ALGORITHMS',
      /unknown/,
    )
    refused(
      { ...base, key: { publicKey: rsa.publicKey }, algorithms: ['RS256', 'HS256'] },
      'PLINTH_AUTH_TOKENS_ALGORITHMS',
      /mixes HMAC/,
    )
  })
})

describe('jwtTokens(): HMAC secrets', () => {
  it('needs at least the hash size in bytes', () => {
    refused(
      { ...base, algorithms: ['HS256'], key: 'x'.repeat(31) },
      'PLINTH_AUTH_TOKENS_KEY',
      /31 bytes/,
    )
    refused(
      { ...base, algorithms: ['HS512'], key: randomBytes(32) },
      'PLINTH_AUTH_TOKENS_KEY',
      /64/,
    )
    assert.ok(jwtTokens({ ...base, algorithms: ['HS256'], key: 'x'.repeat(32) }))
    assert.ok(jwtTokens({ ...base, algorithms: ['HS512'], key: createSecretKey(randomBytes(64)) }))
  })

  it('refuses a PEM key or a key-pair KeyObject as an HMAC secret (key confusion)', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
    refused({ ...base, algorithms: ['HS256'], key: pem }, 'PLINTH_AUTH_TOKENS_KEY', /not a PEM key/)
    refused(
      { ...base, algorithms: ['HS256'], key: rsa.publicKey },
      'PLINTH_AUTH_TOKENS_KEY',
      /secret key/,
    )
    refused(
      { ...base, algorithms: ['HS256'], key: { publicKey: rsa.publicKey } },
      'PLINTH_AUTH_TOKENS_KEY',
    )
    refused({ ...base, algorithms: ['HS256'] }, 'PLINTH_AUTH_TOKENS_KEY')
  })
})

describe('jwtTokens(): asymmetric keys', () => {
  it('must be given as { privateKey, publicKey }', () => {
    const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string
    refused(
      { ...base, algorithms: ['RS256'], key: pem },
      'PLINTH_AUTH_TOKENS_KEY',
      /privateKey, publicKey/,
    )
    refused({ ...base, algorithms: ['RS256'], key: SECRET }, 'PLINTH_AUTH_TOKENS_KEY')
    refused({ ...base, algorithms: ['RS256'], key: {} }, 'PLINTH_AUTH_TOKENS_KEY')
  })

  it('must fit every listed algorithm', () => {
    refused(
      { ...base, algorithms: ['RS256'], key: { publicKey: ec256.publicKey } },
      'PLINTH_AUTH_TOKENS_KEY',
      /RSA key/,
    )
    refused(
      { ...base, algorithms: ['ES256'], key: { publicKey: ec384.publicKey } },
      'PLINTH_AUTH_TOKENS_KEY',
      /prime256v1/,
    )
    refused(
      { ...base, algorithms: ['ES256', 'ES384'], key: { publicKey: ec256.publicKey } },
      'PLINTH_AUTH_TOKENS_KEY',
    )
    refused(
      { ...base, algorithms: ['EdDSA'], key: { publicKey: rsa.publicKey } },
      'PLINTH_AUTH_TOKENS_KEY',
      /Ed25519/,
    )
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 })
    refused(
      { ...base, algorithms: ['RS256'], key: { publicKey: small.publicKey } },
      'PLINTH_AUTH_TOKENS_KEY',
      /2048/,
    )
  })

  it('accepts KeyObjects, PEM strings and JWKs, and derives the public key', () => {
    const pem = rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    assert.ok(jwtTokens({ ...base, algorithms: ['RS256', 'PS256'], key: { privateKey: pem } }))
    assert.ok(
      jwtTokens({
        ...base,
        algorithms: ['ES256'],
        key: { publicKey: ec256.publicKey.export({ format: 'jwk' }) },
      }),
    )
    assert.ok(
      jwtTokens({
        ...base,
        algorithms: ['EdDSA'],
        key: { privateKey: ed.privateKey, publicKey: ed.publicKey },
      }),
    )
  })

  it('refuses a public key that does not belong to the private key', () => {
    const other = generateKeyPairSync('ed25519')
    refused(
      {
        ...base,
        algorithms: ['EdDSA'],
        key: { privateKey: ed.privateKey, publicKey: other.publicKey },
      },
      'PLINTH_AUTH_TOKENS_KEY',
      /does not belong/,
    )
  })

  it('refuses a JWK whose own alg is not allowed, and unreadable keys', () => {
    const jwk = { ...ec256.publicKey.export({ format: 'jwk' }), alg: 'ES384' }
    refused(
      { ...base, algorithms: ['ES256'], key: { publicKey: jwk } },
      'PLINTH_AUTH_TOKENS_KEY',
      /ES384/,
    )
    refused(
      { ...base, algorithms: ['RS256'], key: { publicKey: 'not a pem' } },
      'PLINTH_AUTH_TOKENS_KEY',
      /could not be read/,
    )
    refused(
      {
        ...base,
        algorithms: ['RS256'],
        key: { publicKey: rsa.privateKey, privateKey: rsa.publicKey },
      },
      'PLINTH_AUTH_TOKENS_KEY',
    )
  })
})

describe('jwtTokens(): other settings', () => {
  const ok = { ...base, algorithms: ['HS256'] as const, key: SECRET }

  it('requires issuer and audience', () => {
    refused({ ...ok, issuer: '' }, 'PLINTH_AUTH_TOKENS_CONFIG', /issuer/)
    refused({ ...ok, audience: undefined }, 'PLINTH_AUTH_TOKENS_CONFIG', /audience/)
    refused({ ...ok, audience: [] }, 'PLINTH_AUTH_TOKENS_CONFIG', /audience/)
    refused(undefined, 'PLINTH_AUTH_TOKENS_CONFIG')
  })

  it('reads durations and refuses bad ones', () => {
    const tokens = jwtTokens({ ...ok, accessTtl: '5m', refreshTtl: '30d', leeway: 0 })
    assert.deepEqual([tokens.accessTtl, tokens.refreshTtl, tokens.leeway], [300, 2_592_000, 0])
    const defaults = jwtTokens(ok)
    assert.deepEqual(
      [defaults.accessTtl, defaults.refreshTtl, defaults.leeway],
      [900, 1_209_600, 30],
    )
    refused({ ...ok, accessTtl: '15 minutes' }, 'PLINTH_AUTH_TOKENS_CONFIG', /accessTtl/)
    refused({ ...ok, accessTtl: 0 }, 'PLINTH_AUTH_TOKENS_CONFIG')
    refused({ ...ok, leeway: -1 }, 'PLINTH_AUTH_TOKENS_CONFIG', /leeway/)
    refused({ ...ok, refreshTtl: 1.5 }, 'PLINTH_AUTH_TOKENS_CONFIG')
  })

  it('issues tokens only for saved, complete user rows', async () => {
    const tokens = jwtTokens(ok)
    await assert.rejects(tokens.issueAccessToken({} as never), { code: 'PLINTH_AUTH_TOKENS_USER' })
    await assert.rejects(tokens.issuePair({ id: 1 } as never), { code: 'PLINTH_AUTH_TOKENS_USER' })
  })

  it('cannot issue without a private key', async () => {
    const verifier = jwtTokens({ ...base, algorithms: ['EdDSA'], key: { publicKey: ed.publicKey } })
    await assert.rejects(verifier.issueAccessToken({ id: 1 } as never), {
      code: 'PLINTH_AUTH_TOKENS_KEY',
    })
  })
})
