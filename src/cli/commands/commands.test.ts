import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UsageError } from '../command.ts'
import { inheritedExecArgv } from './dev.ts'
import { resolveListenSettings } from './listen-options.ts'
import { formatRouteTable } from './routes.ts'

describe('resolveListenSettings()', () => {
  it('takes flags over PORT/HOST over the 8000 / 127.0.0.1 defaults', () => {
    assert.deepEqual(resolveListenSettings({}, {}), { port: 8000, host: '127.0.0.1' })
    assert.deepEqual(resolveListenSettings({}, { PORT: '3000', HOST: '0.0.0.0' }), {
      port: 3000,
      host: '0.0.0.0',
    })
    assert.deepEqual(
      resolveListenSettings({ port: '0', host: '::1' }, { PORT: '3000', HOST: '0.0.0.0' }),
      { port: 0, host: '::1' },
    )
  })

  it('rejects a port that is not a number from 0 to 65535 as a usage error', () => {
    assert.throws(() => resolveListenSettings({ port: '80a' }, {}), UsageError)
    assert.throws(
      () => resolveListenSettings({ port: '70000' }, {}),
      /--port must be a port number/,
    )
    assert.throws(
      () => resolveListenSettings({}, { PORT: 'http' }),
      /The PORT environment variable must be a port number/,
    )
  })
})

describe('formatRouteTable()', () => {
  it('aligns method, path, name and handler columns under a header', () => {
    const table = formatRouteTable([
      { method: 'GET', path: '/products', name: 'product-list', handler: 'listProducts' },
      { method: 'DELETE', path: '/products/:id', name: null, handler: 'anonymous' },
    ])
    assert.equal(
      table,
      [
        'METHOD  PATH           NAME          HANDLER',
        'GET     /products      product-list  listProducts',
        'DELETE  /products/:id  -             anonymous',
        '',
      ].join('\n'),
    )
  })

  it('says so when there are no routes', () => {
    assert.equal(formatRouteTable([]), 'No routes registered.\n')
  })
})

describe('inheritedExecArgv()', () => {
  it('keeps module-resolution flags and drops watch, test and inspector flags', () => {
    assert.deepEqual(
      inheritedExecArgv([
        '--conditions=plinth-source',
        '-C',
        'development',
        '--import',
        './register.js',
        '--watch',
        '--test',
        '--inspect=9229',
        '--no-warnings',
      ]),
      [
        '--conditions=plinth-source',
        '-C',
        'development',
        '--import',
        './register.js',
        '--no-warnings',
      ],
    )
  })
})
