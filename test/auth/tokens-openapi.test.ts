/**
 * Token auth in the OpenAPI document: the OAuth2 password scheme and the API-key scheme are
 * declared, routes guarded by `requireScopes` carry the lock with their scopes, and the token
 * endpoint is documented as a public form route. The document passes an independent validator.
 */
import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { apiKeyScheme, oauth2PasswordScheme } from 'plinth/auth'
import { openapi } from 'plinth/openapi'
import { testClient } from 'plinth/testing'
import { assertValidOpenApi } from '../support/openapi.ts'
import { SCOPES, tokenApp } from './tokens-support.ts'

const closers: Array<() => Promise<void>> = []
after(async () => {
  for (const close of closers) await close()
})

async function documentOf() {
  const { app, db } = await tokenApp()
  app.register(
    openapi({
      title: 'Shop API',
      version: '1.0.0',
      securitySchemes: {
        oauth2: oauth2PasswordScheme({ tokenUrl: '/auth/token', scopes: SCOPES }),
        apiKey: apiKeyScheme(),
      },
    }),
  )
  const client = testClient(app)
  closers.push(async () => {
    await client.close()
    await db.close()
  })
  const res = await client.get('/openapi.json')
  assert.equal(res.status, 200, res.text)
  return res.json()
}

describe('OpenAPI document of a token-protected API', () => {
  it('declares the OAuth2 password flow and the API key scheme', async () => {
    const doc = await documentOf()
    assert.deepEqual(doc.components.securitySchemes, {
      oauth2: {
        type: 'oauth2',
        flows: { password: { tokenUrl: '/auth/token', refreshUrl: '/auth/token', scopes: SCOPES } },
      },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    })
    await assertValidOpenApi(doc)
  })

  it('puts the lock, with scopes, on routes guarded by requireScopes', async () => {
    const doc = await documentOf()
    assert.deepEqual(doc.paths['/items'].get.security, [{ oauth2: ['items:read'] }])
    assert.deepEqual(doc.paths['/items'].post.security, [
      { oauth2: ['items:write'] },
      { apiKey: ['items:write'] },
    ])
    assert.deepEqual(doc.paths['/me'].get.security, [{ oauth2: [] }])
    assert.equal(doc.paths['/session-login'].post.security, undefined)
  })

  it('documents the token endpoint as a public form route with RFC 6749 answers', async () => {
    const doc = await documentOf()
    const token = doc.paths['/auth/token'].post
    assert.deepEqual(token.security, [])
    const form = token.requestBody.content['application/x-www-form-urlencoded'].schema
    assert.deepEqual(form.required, ['grant_type'])
    assert.deepEqual(form.properties.grant_type.enum, ['password', 'refresh_token'])
    assert.ok(form.properties.username && form.properties.password && form.properties.refresh_token)
    assert.deepEqual(
      Object.keys(token.responses['200'].content['application/json'].schema.properties).sort(),
      ['access_token', 'expires_in', 'refresh_token', 'scope', 'token_type'],
    )
    assert.ok(
      token.responses['400'].content['application/json'].schema.properties.error.enum.includes(
        'invalid_grant',
      ),
    )
    assert.deepEqual(doc.paths['/auth/token/revoke'].post.security, [])
  })

  it('oauth2PasswordScheme checks its options', () => {
    assert.throws(() => oauth2PasswordScheme({ tokenUrl: '' }), {
      code: 'PLINTH_AUTH_TOKENS_CONFIG',
    })
    assert.throws(() => oauth2PasswordScheme({ tokenUrl: '/t', scopes: { 'bad scope': 'x' } }), {
      code: 'PLINTH_AUTH_TOKENS_SCOPE',
    })
    assert.deepEqual(oauth2PasswordScheme({ tokenUrl: '/t', refreshUrl: '/r' }).flows.password, {
      tokenUrl: '/t',
      refreshUrl: '/r',
      scopes: {},
    })
  })
})
