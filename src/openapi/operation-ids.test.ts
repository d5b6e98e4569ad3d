import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { RouteInfo, RouteOptions } from '../app/index.ts'
import { assignOperationIds, idFromMethodAndPath, pascalCase } from './operation-ids.ts'

const route = (method: string, path: string, options: RouteOptions = {}, name?: string) =>
  ({ method, path, name, options, tags: [], security: [], handlerName: 'h' }) as RouteInfo

describe('idFromMethodAndPath', () => {
  it('joins the method and the path words, parameters as "By<Name>"', () => {
    assert.equal(idFromMethodAndPath('GET', '/api/products/:id'), 'getApiProductsById')
    assert.equal(idFromMethodAndPath('DELETE', '/files/*path'), 'deleteFilesByPath')
    assert.equal(idFromMethodAndPath('GET', '/static/*'), 'getStaticByWildcard')
    assert.equal(
      idFromMethodAndPath('POST', '/user-accounts/:account_id'),
      'postUserAccountsByAccountId',
    )
    assert.equal(idFromMethodAndPath('GET', '/'), 'getRoot')
  })
})

describe('pascalCase', () => {
  it('makes a component-safe name from an operationId', () => {
    assert.equal(pascalCase('api_product-detail'), 'ApiProductDetail')
    assert.equal(pascalCase('getUsersById'), 'GetUsersById')
    assert.equal(pascalCase('---'), 'Operation')
  })
})

describe('assignOperationIds', () => {
  it('prefers the explicit operationId, then the route name (":" → "_"), then method and path', () => {
    const explicit = route('GET', '/a', { operationId: 'listThings' })
    const named = route('GET', '/b', {}, 'api:thing-detail')
    const plain = route('POST', '/c/:id')
    const ids = assignOperationIds([explicit, named, plain])
    assert.deepEqual([...ids.values()], ['listThings', 'api_thing-detail', 'postCById'])
  })

  it('throws a PlinthError when two routes choose the same operationId', () => {
    const routes = [
      route('GET', '/a', { operationId: 'same' }),
      route('GET', '/b', { operationId: 'same' }),
    ]
    assert.throws(() => assignOperationIds(routes), {
      name: 'PlinthError',
      code: 'PLINTH_OPENAPI_DUPLICATE_OPERATION_ID',
      message: /"same" is used by both GET \/a and GET \/b/,
    })
  })

  it('numbers derived ids that collide, and never takes an explicit one', () => {
    const routes = [
      route('GET', '/x', {}),
      route('GET', '/y', { operationId: 'getX' }),
      route('GET', '/x/', {}),
    ]
    const ids = assignOperationIds(routes)
    assert.equal(ids.get(routes[1]!), 'getX')
    assert.equal(ids.get(routes[0]!), 'getX2')
    assert.equal(ids.get(routes[2]!), 'getX3')
  })

  it('suffixes the method when one registration covers several methods', () => {
    const shared: RouteOptions = { operationId: 'search' }
    const named: RouteOptions = {}
    const routes = [
      route('GET', '/search', shared),
      route('POST', '/search', shared),
      route('GET', '/find', named, 'find'),
      route('POST', '/find', named, 'find'),
    ]
    assert.deepEqual([...assignOperationIds(routes).values()].sort(), [
      'find_get',
      'find_post',
      'search_get',
      'search_post',
    ])
  })

  it('rejects an empty operationId', () => {
    assert.throws(() => assignOperationIds([route('GET', '/a', { operationId: '' })]), {
      code: 'PLINTH_OPENAPI_INVALID_OPERATION_ID',
    })
  })
})
