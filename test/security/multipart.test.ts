/**
 * Hostile multipart bodies: malformed framing and headers, path tricks in file names, prototype
 * keys, floods of parts and clients that disappear mid-upload. Every case must end in a precise
 * 4xx (never a crash, a hang or a stray file) and the app must keep serving.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { existsSync, readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import { type AddressInfo, connect } from 'node:net'
import { dirname, join } from 'node:path'
import { describe, it } from 'node:test'
import { createApp, HttpError } from 'plinth'
import type { UploadedFile } from 'plinth/http'
import { testClient } from 'plinth/testing'
import {
  assertError,
  BOUNDARY,
  field,
  filePart,
  multipart,
  type Part,
  parseRawReply,
  post,
  rawHead,
  TEMP_NAME,
  uploadApp,
  uploadDir,
  waitFor,
  waitUntilEmpty,
} from '../support/multipart.ts'

const valid = multipart([field('a', '1')])

describe('malformed multipart bodies', () => {
  it('answers 400 when the boundary parameter is missing or invalid', async (t) => {
    const client = uploadApp(await uploadDir(t))
    for (const type of [
      'multipart/form-data',
      'multipart/form-data; charset=utf-8',
      `multipart/form-data; boundary="${'b'.repeat(71)}"`,
      'multipart/form-data; boundary="a@b"',
      'multipart/form-data; boundary="ends with space "',
    ]) {
      assertError(await post(client, valid, { 'content-type': type }), 400, 'invalid_multipart')
    }
    const longest = 'b'.repeat(70)
    const body = `--${longest}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--${longest}--\r\n`
    const res = await post(client, body, {
      'content-type': `multipart/form-data; boundary=${longest}`,
    })
    assert.deepEqual(res.json(), { a: '1' })
  })

  it('answers 400 for garbage, an empty body or another format under a multipart type', async (t) => {
    const client = uploadApp(await uploadDir(t))
    for (const body of ['hello world', '', '{"a":1}', `--${BOUNDARY}`, `--${BOUNDARY}\r\n`]) {
      assertError(await post(client, body), 400, 'invalid_multipart')
    }
    // Only the closing delimiter: what browsers send for a form with no fields.
    assert.deepEqual((await post(client, `--${BOUNDARY}--\r\n`)).json(), {})
  })

  it('answers 400 when the body ends before the closing boundary', async (t) => {
    const dir = await uploadDir(t)
    const client = uploadApp(dir, { fileMemorySize: 100 })
    assertError(
      await post(client, multipart([field('a', '1')], { end: false })),
      400,
      'invalid_multipart',
    )
    // Cut inside a file that was already being spooled to disk.
    const whole = multipart([field('a', '1'), filePart('f', 'f.bin', Buffer.alloc(10_000, 7))])
    const res = await post(client, whole.subarray(0, 5000))
    assertError(res, 400, 'invalid_multipart')
    assert.match(res.json().error.message, /ended before its closing boundary/)
    assert.deepEqual(readdirSync(dir), [])
  })

  it('answers 400 for a missing, empty or duplicated field name', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const cases: Part[] = [
      ['Content-Disposition: form-data; name=""', 'x'],
      ['Content-Disposition: form-data; filename="a.txt"', 'x'],
      ['Content-Disposition: form-data', 'x'],
      ['Content-Disposition: form-data; name="a"; name="b"', 'x'],
    ]
    for (const part of cases) {
      assertError(await post(client, multipart([part])), 400, 'invalid_multipart')
    }
  })

  it('answers 400 for a filename* with broken percent-encoding', async (t) => {
    const client = uploadApp(await uploadDir(t))
    for (const ext of [
      `UTF-8''%E2%28%A1.txt`,
      `UTF-8''%ZZevil.js`,
      `UTF-8''evil%`,
      `x-unknown''a.txt`,
    ]) {
      const part: Part = [`Content-Disposition: form-data; name="f"; filename*=${ext}`, 'x']
      assertError(await post(client, multipart([part])), 400, 'invalid_multipart')
    }
  })

  it('answers 400 for parts without a form-data Content-Disposition or with bad headers', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const cases: Part[] = [
      ['Content-Type: text/plain', 'no disposition'],
      ['Content-Disposition: attachment; name="a"', 'x'],
      ['Content-Disposition: form-data; name="a"\r\nContent-Disposition: form-data; name="b"', 'x'],
      ['Content-Disposition: form-data; name="a"\r\nContent-Type: not a type', 'x'],
      ['Content-Disposition: form-data; name="a\nb"', 'bare line feed in a header'],
      ['Content-Disposition: form-data; name="unterminated', 'x'],
    ]
    for (const part of cases) {
      assertError(await post(client, multipart([part])), 400, 'invalid_multipart')
    }
  })

  it('answers 400 when a part has no headers or its headers never end', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const headerless = `--${BOUNDARY}\r\n\r\nvalue\r\n--${BOUNDARY}--\r\n`
    assertError(await post(client, headerless), 400, 'invalid_multipart')
    const unended = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n--${BOUNDARY}--\r\n`
    assertError(await post(client, unended), 400, 'invalid_multipart')
    const empty = `--${BOUNDARY}\r\n--${BOUNDARY}--\r\n`
    assertError(await post(client, empty), 400, 'invalid_multipart')
  })

  it('bounds the number and size of part headers', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const lines = (count: number) =>
      Array.from({ length: count }, (_, i) => `X-Extra-${i}: 1`).join('\r\n')
    const atLimit: Part = [`Content-Disposition: form-data; name="a"\r\n${lines(31)}`, 'ok']
    assert.deepEqual((await post(client, multipart([atLimit]))).json(), { a: 'ok' })
    const tooMany: Part = [`Content-Disposition: form-data; name="a"\r\n${lines(32)}`, 'x']
    assertError(await post(client, multipart([tooMany])), 400, 'invalid_multipart')
    const flood: Part = [`Content-Disposition: form-data; name="a"\r\n${lines(50_000)}`, 'x']
    assertError(await post(client, multipart([flood])), 400, 'invalid_multipart')
    // A name longer than the 16 KiB header block is cut off, leaving an unterminated quote.
    const hugeName: Part = [`Content-Disposition: form-data; name="${'n'.repeat(100_000)}"`, 'x']
    assertError(await post(client, multipart([hugeName])), 400, 'invalid_multipart')
  })
})

describe('hostile multipart content', () => {
  it('answers 10 000 empty parts with 413 too_many_parts, quickly', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const started = performance.now()
    const flood = multipart(Array.from({ length: 10_000 }, () => field('a', '')))
    assertError(await post(client, flood), 413, 'too_many_parts')
    const emptyFiles = multipart(
      Array.from({ length: 10_000 }, (_, i) => filePart('f', `${i}`, '')),
    )
    assertError(await post(client, emptyFiles), 413, 'too_many_files')
    const headerless = Buffer.from(
      `--${BOUNDARY}\r\n\r\n\r\n`.repeat(10_000) + `--${BOUNDARY}--\r\n`,
    )
    assertError(await post(client, headerless), 400, 'invalid_multipart')
    assert.ok(performance.now() - started < 3000, 'floods are refused without parsing them all')
    assert.deepEqual((await post(client, valid)).json(), { a: '1' })
  })

  it('treats prototype keys as ordinary field names without polluting anything', async (t) => {
    const app = createApp({ logger: false, uploadDir: await uploadDir(t) })
    app.post('/upload', async (ctx) => {
      const form = await ctx.form()
      const plain: Record<string, unknown> = {}
      return {
        nullPrototype: Object.getPrototypeOf(form) === null,
        ownKeys: Object.keys(form),
        proto: Object.getOwnPropertyDescriptor(form, '__proto__')?.value,
        constructorValue: form.constructor,
        pollutedPlain: plain.polluted ?? null,
        pollutedPrototype: Object.hasOwn(Object.prototype, 'polluted'),
      }
    })
    const body = multipart([
      field('__proto__', '{"polluted":true}'),
      field('__proto__', 'second'),
      field('constructor', 'c'),
      field('prototype', 'p'),
      field('__proto__[polluted]', 'yes'),
      field('hasOwnProperty', 'h'),
    ])
    const res = await post(testClient(app), body)
    assert.deepEqual(res.json(), {
      nullPrototype: true,
      ownKeys: ['__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'hasOwnProperty'],
      proto: ['{"polluted":true}', 'second'],
      constructorValue: 'c',
      pollutedPlain: null,
      pollutedPrototype: false,
    })
  })

  it('never lets a client file name reach the stored path', async (t) => {
    const dir = await uploadDir(t)
    const stored: Array<{ name: string; path: string | null }> = []
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 1 } })
    app.post('/upload', async (ctx) => {
      const file = (await ctx.form()).f as UploadedFile
      stored.push({ name: file.name, path: file.path })
      return { name: file.name }
    })
    const client = testClient(app)
    const long = `${'x'.repeat(296)}.png`
    const cases: Array<[disposition: string, expected: string]> = [
      ['filename="../../evil.js"', 'evil.js'],
      ['filename="..\\..\\evil.js"', 'evil.js'],
      ['filename="C:\\evil.js"', 'evil.js'],
      ['filename="/abs/evil.js"', 'evil.js'],
      ['filename="evil.js\u0000.png"', 'evil.js.png'],
      ['filename="CON"', 'CON'],
      ['filename=".htaccess"', '.htaccess'],
      ['filename="../"', 'upload'],
      [`filename="${long}"`, `${'x'.repeat(251)}.png`],
      [`filename="a.txt"; filename*=UTF-8''..%2F..%2Fevil.js`, 'evil.js'],
    ]
    for (const [disposition, expected] of cases) {
      const part: Part = [`Content-Disposition: form-data; name="f"; ${disposition}`, 'content']
      const res = await post(client, multipart([part]))
      assert.equal(res.json().name, expected, disposition)
    }
    assert.equal(stored.length, cases.length)
    for (const { path } of stored) {
      assert.equal(dirname(path!), dir)
      assert.match(path!.slice(dir.length + 1), TEMP_NAME)
    }
    assert.equal(existsSync(join(dir, '..', 'evil.js')), false)
    assert.deepEqual(await waitUntilEmpty(dir), [])
  })

  it('rejects with 400 request_aborted and leaves no temp file when the client disconnects', async (t) => {
    const dir = await uploadDir(t)
    const errors: unknown[] = []
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 1024 } })
    app.post('/upload', async (ctx) => {
      try {
        return Object.keys(await ctx.form())
      } catch (error) {
        errors.push(error)
        throw error
      }
    })
    // A real TCP connection: a disconnect must look exactly as it does in production.
    await app.start()
    const server = createServer(app.handler).listen(0, '127.0.0.1')
    await once(server, 'listening')
    t.after(() => {
      server.closeAllConnections()
      server.close()
      return app.stop()
    })
    const whole = multipart([
      field('a', '1'),
      filePart('f', 'big.bin', Buffer.alloc(1024 * 1024, 1)),
    ])
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1')
    socket.on('error', () => {})
    socket.write(rawHead({ 'content-length': whole.length }))
    socket.write(whole.subarray(0, 200_000))
    await waitFor(() => readdirSync(dir).length === 1)
    socket.destroy()
    await waitFor(() => errors.length === 1)
    assert.ok(errors[0] instanceof HttpError)
    assert.equal(errors[0].status, 400)
    assert.equal(errors[0].code, 'request_aborted')
    assert.deepEqual(readdirSync(dir), [], 'removed before the rejection')
  })

  it('keeps parsing correctly when the body arrives one byte at a time', async (t) => {
    const client = uploadApp(await uploadDir(t))
    const body = multipart([
      field('a', 'x\r\n--not-a-boundary'),
      filePart('f', 'f.txt', `--${BOUNDARY.slice(0, -1)}`),
    ])
    const head = Buffer.from(rawHead({ 'content-length': body.length, connection: 'close' }))
    const pieces = [head, ...Array.from(body, (byte) => Buffer.from([byte]))]
    const reply = parseRawReply(await client.raw(pieces, { timeout: 5000 }))
    assert.equal(reply.status, 200)
    assert.deepEqual(JSON.parse(reply.body), {
      a: 'x\r\n--not-a-boundary',
      f: {
        file: 'f.txt',
        size: BOUNDARY.length + 1,
        type: 'application/octet-stream',
        onDisk: false,
      },
    })
  })
})
