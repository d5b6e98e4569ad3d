/**
 * The document of a realistic app, checked by an independent OpenAPI 3.1 validator and read back
 * through the test client as a client would.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generateOpenApi, type OpenApiDocument } from 'plinth/openapi'
import { testClient } from 'plinth/testing'
import { CATALOG_DOCS, createCatalogApp } from './support/catalog-api.ts'
import { assertValidOpenApi, consistencyProblems } from './support/openapi.ts'

async function fetchDocument(): Promise<OpenApiDocument> {
  const client = testClient(createCatalogApp())
  const res = await client.get('/openapi.json')
  assert.equal(res.status, 200)
  return res.json()
}

describe('OpenAPI document of a realistic app', () => {
  it('passes @seriousme/openapi-schema-validator and the consistency checks', async () => {
    await assertValidOpenApi(await fetchDocument())
  })

  it('is what generateOpenApi returns for the same app', async () => {
    const direct = generateOpenApi(createCatalogApp(), CATALOG_DOCS)
    assert.deepEqual(await fetchDocument(), JSON.parse(JSON.stringify(direct)))
  })

  it('lists every documented path once, without hidden or plugin routes', async () => {
    const doc = await fetchDocument()
    assert.deepEqual(Object.keys(doc.paths).sort(), [
      '/categories',
      '/contact',
      '/files/{path}',
      '/products/',
      '/products/{id}',
      '/products/{id}/image',
    ])
    assert.deepEqual(Object.keys(doc.paths['/products/{id}']!).sort(), ['delete', 'get'])
  })

  it('shares named models through components, including the recursive one', async () => {
    const doc = await fetchDocument()
    const names = Object.keys(doc.components?.schemas ?? {})
    for (const name of [
      'Money',
      'Product',
      'NewProduct',
      'Category',
      'ProductSort',
      'ValidationError',
      'Error',
    ])
      assert.ok(names.includes(name), `${name} missing from ${names.join(', ')}`)
    const text = JSON.stringify(doc)
    assert.doesNotMatch(text, /"\$schema"|"\$defs"|#\/\$defs/)
    const category = doc.components!.schemas!.Category as any
    assert.deepEqual(category.properties.children.items, { $ref: '#/components/schemas/Category' })
  })

  it('documents security from route options and dependencies', async () => {
    const doc = await fetchDocument()
    assert.deepEqual(doc.paths['/products/']!.post!.security, [{ bearerAuth: [] }])
    assert.deepEqual(doc.paths['/products/{id}']!.delete!.security, [{ bearerAuth: [] }])
    assert.deepEqual(doc.paths['/products/{id}/image']!.post!.security, [{ apiKey: [] }])
    assert.equal(doc.paths['/products/{id}']!.get!.security, undefined)
  })

  it('is flagged by the consistency checks when a path parameter goes missing', async () => {
    // The checks themselves must be able to fail, or passing them proves nothing.
    const doc = structuredClone(await fetchDocument())
    doc.paths['/products/{id}']!.get!.parameters = []
    assert.match(consistencyProblems(doc).join('\n'), /GET \/products\/\{id\}: path parameters/)
  })
})
