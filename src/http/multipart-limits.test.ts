import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import { describe, it } from 'node:test'
import {
  assertError,
  chunked,
  field,
  filePart,
  multipart,
  parseRawReply,
  post,
  rawHead,
  uploadApp,
  uploadDir,
  waitUntilEmpty,
} from '../../test/support/multipart.ts'

const fields = (count: number) =>
  multipart(Array.from({ length: count }, (_, i) => field(`f${i}`, 'v')))
const files = (count: number) =>
  multipart(Array.from({ length: count }, (_, i) => filePart(`f${i}`, `${i}.txt`, 'x'.repeat(200))))

describe('multipart limits', () => {
  it('accepts exactly `parts` parts and answers 413 too_many_parts past it', async (t) => {
    const client = uploadApp(await uploadDir(t), { parts: 3 })
    assert.equal((await post(client, fields(2))).status, 200)
    assert.equal((await post(client, fields(3))).status, 200)
    assertError(await post(client, fields(4)), 413, 'too_many_parts')
    // Fields and files both count as parts.
    const mixed = multipart([
      field('a', '1'),
      filePart('b', 'b.txt', 'x'),
      field('c', '3'),
      filePart('d', 'd.txt', 'y'),
    ])
    assertError(await post(client, mixed), 413, 'too_many_parts')
  })

  it('accepts exactly `files` files and answers 413 too_many_files past it, leaving no temp file', async (t) => {
    const dir = await uploadDir(t)
    const client = uploadApp(dir, { files: 2, fileMemorySize: 100 })
    assert.equal((await post(client, files(1))).status, 200)
    const atLimit = await post(client, files(2))
    assert.equal(atLimit.status, 200)
    assert.equal(Object.keys(atLimit.json()).length, 2)
    assert.deepEqual(await waitUntilEmpty(dir), [])
    assertError(await post(client, files(3)), 413, 'too_many_files')
    // The two files spooled before the third was refused are already gone.
    assert.deepEqual(readdirSync(dir), [])
  })

  it('accepts exactly `fields` fields and answers 413 too_many_fields past it', async (t) => {
    const client = uploadApp(await uploadDir(t), { fields: 2 })
    assert.equal((await post(client, fields(1))).status, 200)
    assert.equal((await post(client, fields(2))).status, 200)
    const withFiles = multipart([
      field('a', '1'),
      filePart('b', 'b.txt', 'x'),
      field('c', '3'),
      filePart('d', 'd', 'y'),
    ])
    assert.equal((await post(client, withFiles)).status, 200, 'files do not count as fields')
    const res = await post(client, fields(3))
    assertError(res, 413, 'too_many_fields')
    assert.match(res.json().error.message, /more than 2 fields/)
  })

  it('counts fieldSize in bytes and answers 413 field_too_large past it', async (t) => {
    const client = uploadApp(await uploadDir(t), { fieldSize: 10 })
    assert.deepEqual((await post(client, multipart([field('a', 'x'.repeat(9))]))).json(), {
      a: 'x'.repeat(9),
    })
    assert.deepEqual((await post(client, multipart([field('a', 'é'.repeat(5))]))).json(), {
      a: 'é'.repeat(5),
    })
    const res = await post(client, multipart([field('a', 'é'.repeat(5) + 'x')]))
    assertError(res, 413, 'field_too_large')
    assert.match(res.json().error.message, /Field "a" is larger than the limit of 10 bytes/)
    assertError(
      await post(client, multipart([field('big', 'x'.repeat(100_000))])),
      413,
      'field_too_large',
    )
  })

  it('answers 413 file_too_large past fileSize and removes the partial temp file', async (t) => {
    const dir = await uploadDir(t)
    const client = uploadApp(dir, { fileSize: 2000, fileMemorySize: 100 })
    const sized = (size: number) =>
      multipart([field('a', '1'), filePart('doc', 'a.bin', Buffer.alloc(size))])
    assert.equal((await post(client, sized(1999))).json().doc.size, 1999)
    assert.equal((await post(client, sized(2000))).json().doc.size, 2000)
    assert.deepEqual(await waitUntilEmpty(dir), [])
    const res = await post(client, sized(2001))
    assertError(res, 413, 'file_too_large')
    assert.match(res.json().error.message, /File "doc" is larger than the limit of 2000 bytes/)
    // Removed before the error was answered, not merely after the response.
    assert.deepEqual(readdirSync(dir), [])
  })

  it('answers 413 file_too_large for a file still in memory', async (t) => {
    const client = uploadApp(await uploadDir(t), { fileSize: 50 })
    assert.equal(
      (await post(client, multipart([filePart('f', 'a', Buffer.alloc(50))]))).status,
      200,
    )
    assertError(
      await post(client, multipart([filePart('f', 'a', Buffer.alloc(51))])),
      413,
      'file_too_large',
    )
  })

  it('accepts a body of exactly multipartSize bytes and answers 413 payload_too_large past it', async (t) => {
    const body = multipart([field('a', '1'), filePart('f', 'f.bin', Buffer.alloc(500))])
    const exact = uploadApp(await uploadDir(t), { multipartSize: body.length })
    assert.equal((await post(exact, body)).status, 200)
    const under = uploadApp(await uploadDir(t), { multipartSize: body.length - 1 })
    assertError(await post(under, body), 413, 'payload_too_large')
  })

  it('refuses a declared Content-Length over multipartSize before reading the body', async (t) => {
    const client = uploadApp(await uploadDir(t), { multipartSize: 1000 })
    // Only the head is sent: the answer cannot depend on reading a single body byte.
    const reply = parseRawReply(
      await client.raw(rawHead({ 'content-length': 1001 }), { timeout: 1000 }),
    )
    assert.equal(reply.status, 413)
    assert.equal(reply.headers.connection, 'close')
    assert.equal(JSON.parse(reply.body).error.code, 'payload_too_large')
  })

  it('counts a chunked body without Content-Length against multipartSize while streaming', async (t) => {
    const dir = await uploadDir(t)
    const client = uploadApp(dir, { multipartSize: 4096, fileMemorySize: 100 })
    const body = multipart([filePart('f', 'f.bin', Buffer.alloc(8192))])
    const pieces = [body.subarray(0, 1000), body.subarray(1000, 3000), body.subarray(3000)]
    const request = Buffer.concat([
      Buffer.from(rawHead({ 'transfer-encoding': 'chunked' })),
      chunked(pieces),
    ])
    const reply = parseRawReply(await client.raw(request, { timeout: 1000 }))
    assert.equal(reply.status, 413)
    assert.equal(reply.headers.connection, 'close')
    assert.equal(JSON.parse(reply.body).error.code, 'payload_too_large')
    assert.deepEqual(readdirSync(dir), [])
    const small = multipart([field('a', 'fits')])
    const ok = parseRawReply(
      await client.raw(
        Buffer.concat([
          Buffer.from(rawHead({ 'transfer-encoding': 'chunked', connection: 'close' })),
          chunked([small]),
        ]),
        { timeout: 1000 },
      ),
    )
    assert.equal(ok.status, 200)
    assert.deepEqual(JSON.parse(ok.body), { a: 'fits' })
  })

  it('leaks no file descriptor and no temp file across many failed uploads', async (t) => {
    if (!existsSync('/proc/self/fd')) return t.skip('needs /proc/self/fd')
    const dir = await uploadDir(t)
    const client = uploadApp(dir, { fileSize: 5000, fileMemorySize: 100, files: 2 })
    const tooBig = multipart([
      filePart('a', 'a', Buffer.alloc(4000)),
      filePart('b', 'b', Buffer.alloc(6000)),
    ])
    const tooMany = multipart([
      filePart('a', 'a', Buffer.alloc(300)),
      filePart('b', 'b', Buffer.alloc(300)),
      filePart('c', 'c', 'x'),
    ])
    const cut = tooBig.subarray(0, 3000)
    assertError(await post(client, tooBig), 413, 'file_too_large') // warm-up
    const before = readdirSync('/proc/self/fd').length
    for (let i = 0; i < 20; i++) {
      assertError(await post(client, tooBig), 413, 'file_too_large')
      assertError(await post(client, tooMany), 413, 'too_many_files')
      assertError(await post(client, cut), 400, 'invalid_multipart')
    }
    assert.equal(readdirSync('/proc/self/fd').length, before)
    assert.deepEqual(readdirSync(dir), [])
  })
})
