import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ANY_METHOD, paramsFactory, RouteTree } from './route-tree.ts'

function tree(routes: Array<[string, string]>): RouteTree<string> {
  const t = new RouteTree<string>()
  for (const [method, pattern] of routes) t.add(method, pattern, `${method} ${pattern}`)
  return t
}

describe('RouteTree', () => {
  it('matches static paths exactly, including the root and trailing slashes', () => {
    const t = tree([
      ['GET', '/'],
      ['GET', '/users'],
      ['GET', '/users/'],
    ])
    assert.equal(t.find('GET', '/')?.value, 'GET /')
    assert.equal(t.find('GET', '/users')?.value, 'GET /users')
    assert.equal(t.find('GET', '/users/')?.value, 'GET /users/')
    assert.equal(t.find('GET', '/users/x'), undefined)
  })

  it('captures parameters in path order', () => {
    const t = tree([['GET', '/repos/:owner/:repo/issues/:number']])
    const hit = t.find('GET', '/repos/plinth/core/issues/42')
    assert.deepEqual(hit?.values, ['plinth', 'core', '42'])
    const params = paramsFactory('/repos/:owner/:repo/issues/:number')(hit!.values)
    assert.deepEqual({ ...params }, { owner: 'plinth', repo: 'core', number: '42' })
  })

  it('prefers static over param over wildcard at each segment', () => {
    const t = tree([
      ['GET', '/users/new'],
      ['GET', '/users/:id'],
      ['GET', '/users/*rest'],
    ])
    assert.equal(t.find('GET', '/users/new')?.value, 'GET /users/new')
    assert.equal(t.find('GET', '/users/7')?.value, 'GET /users/:id')
    assert.equal(t.find('GET', '/users/7/posts')?.value, 'GET /users/*rest')
    assert.deepEqual(t.find('GET', '/users/7/posts')?.values, ['7/posts'])
  })

  it('backtracks to a lower-priority branch when the preferred one dead-ends', () => {
    const t = tree([
      ['GET', '/files/special/readme'],
      ['GET', '/files/:dir/index'],
    ])
    assert.equal(t.find('GET', '/files/special/index')?.value, 'GET /files/:dir/index')
    assert.deepEqual(t.find('GET', '/files/special/index')?.values, ['special'])
  })

  it('looks routes up per method so a static GET does not hide a param DELETE', () => {
    const t = tree([
      ['GET', '/users/new'],
      ['DELETE', '/users/:id'],
    ])
    assert.equal(t.find('DELETE', '/users/new')?.value, 'DELETE /users/:id')
    assert.equal(t.find('GET', '/users/5'), undefined)
  })

  it('answers HEAD from GET routes and any method from ALL routes', () => {
    const t = tree([
      ['GET', '/a'],
      [ANY_METHOD, '/b/:x'],
    ])
    assert.equal(t.find('HEAD', '/a')?.value, 'GET /a')
    assert.equal(t.find('PROPFIND', '/b/1')?.value, `${ANY_METHOD} /b/:x`)
  })

  it('does not match empty parameter segments', () => {
    const t = tree([['GET', '/users/:id']])
    assert.equal(t.find('GET', '/users/'), undefined)
    assert.equal(t.find('GET', '/users'), undefined)
  })

  it('lets a wildcard match an empty remainder but not the bare prefix', () => {
    const t = tree([['GET', '/static/*path']])
    assert.deepEqual(t.find('GET', '/static/')?.values, [''])
    assert.deepEqual(t.find('GET', '/static/css/site.css')?.values, ['css/site.css'])
    assert.equal(t.find('GET', '/static'), undefined)
  })

  it('refuses parameters longer than maxParamLength', () => {
    const t = new RouteTree<string>({ maxParamLength: 10 })
    t.add('GET', '/u/:id', 'u')
    assert.ok(t.find('GET', `/u/${'x'.repeat(10)}`))
    assert.equal(t.find('GET', `/u/${'x'.repeat(11)}`), undefined)
  })

  it('lists allowed methods for a path across static and dynamic routes', () => {
    const t = tree([
      ['GET', '/items/special'],
      ['POST', '/items/:id'],
      ['DELETE', '/items/:id'],
    ])
    assert.deepEqual([...t.allowedMethods('/items/special')].sort(), [
      'DELETE',
      'GET',
      'HEAD',
      'POST',
    ])
    assert.deepEqual([...t.allowedMethods('/nothing')], [])
  })

  it('rejects duplicate method and pattern pairs, including renamed parameters', () => {
    const t = tree([['GET', '/users/:id']])
    assert.throws(() => t.add('GET', '/users/:userId', 'x'), {
      code: 'PLINTH_ROUTING_DUPLICATE_ROUTE',
    })
    assert.doesNotThrow(() => t.add('PUT', '/users/:userId', 'x'))
  })

  it('matches a hostile 8000-segment path in linear time without crashing', () => {
    const t = tree([
      ['GET', '/:a/:b'],
      ['GET', '/x/*rest'],
    ])
    // The path-to-regexp ReDoS input: one 16 KB segment. Too long for a parameter, so no match.
    assert.equal(t.find('GET', `/a${'-a'.repeat(8000)}/a`), undefined)
    assert.deepEqual(t.find('GET', `/a${'-a'.repeat(400)}/a`)?.values.length, 2)
    const deep = `/${Array.from({ length: 8000 }, () => 'a').join('/')}`
    assert.equal(t.find('GET', deep), undefined)
  })
})
