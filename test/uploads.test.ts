/**
 * Uploads end to end: multipart routes validated with Zod's `z.file()`, per-route limits, and the
 * temp files of spooled uploads removed after every kind of response.
 */
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { readFile, rename } from 'node:fs/promises'
import { describe, it } from 'node:test'
import { createApp, HttpError } from 'plinth'
import { UploadedFile } from 'plinth/http'
import { testClient } from 'plinth/testing'
import { z } from 'zod'
import {
  assertError,
  field,
  filePart,
  multipart,
  post,
  uploadDir,
  waitUntilEmpty,
} from './support/multipart.ts'

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

const Avatar = z.object({
  title: z.string(),
  image: z.file().max(1_000_000).mime(['image/png']),
})

function avatarApp(dir: string, limits?: { fileMemorySize?: number; fileSize?: number }) {
  const app = createApp({ logger: false, uploadDir: dir, ...(limits ? { limits } : {}) })
  app.post('/avatars', { consumes: 'multipart', body: Avatar }, async (ctx) => {
    const image = ctx.body.image
    return {
      title: ctx.body.title,
      name: image.name,
      type: image.type,
      size: image.size,
      uploaded: image instanceof UploadedFile,
      head: [...new Uint8Array(await image.arrayBuffer())].slice(0, 4),
    }
  })
  return testClient(app)
}

describe('multipart routes with schemas', () => {
  it('validates a file with z.file(): type, size and content are all there', async (t) => {
    const client = avatarApp(await uploadDir(t))
    const res = await client.post('/avatars', {
      multipart: { title: 'Me', image: new File([PNG], '../../me.png', { type: 'image/png' }) },
    })
    assert.equal(res.status, 200)
    assert.deepEqual(res.json(), {
      title: 'Me',
      name: 'me.png',
      type: 'image/png',
      size: 8,
      uploaded: true,
      head: [0x89, 0x50, 0x4e, 0x47],
    })
  })

  it('validates a spooled file the same way as one in memory', async (t) => {
    const dir = await uploadDir(t)
    const client = avatarApp(dir, { fileMemorySize: 4 })
    const res = await client.post('/avatars', {
      multipart: { title: 'Me', image: new File([PNG], 'me.png', { type: 'image/png' }) },
    })
    assert.equal(res.json().size, 8)
    assert.deepEqual(res.json().head, [0x89, 0x50, 0x4e, 0x47])
    assert.deepEqual(await waitUntilEmpty(dir), [])
  })

  it('answers 422 for a wrong type, a missing file or a text value instead of a file', async (t) => {
    const dir = await uploadDir(t)
    const client = avatarApp(dir, { fileMemorySize: 1 })
    const gif = await client.post('/avatars', {
      multipart: { title: 'x', image: new File(['GIF89a'], 'a.gif', { type: 'image/gif' }) },
    })
    assert.equal(gif.status, 422)
    assert.deepEqual(gif.json().error.details[0].path, ['image'])
    const missing = await client.post('/avatars', { multipart: { title: 'x' } })
    assert.equal(missing.status, 422)
    const text = await client.post('/avatars', { multipart: { title: 'x', image: 'not a file' } })
    assert.equal(text.status, 422)
    // The refused GIF had been spooled; it is removed after the 422 like after any response.
    assert.deepEqual(await waitUntilEmpty(dir), [])
  })

  it('answers 422 from z.file().max() below fileSize, and 413 from fileSize above it', async (t) => {
    const client = avatarApp(await uploadDir(t), { fileSize: 2_000_000 })
    const big = new File([new Uint8Array(1_500_000)], 'big.png', { type: 'image/png' })
    assert.equal(
      (await client.post('/avatars', { multipart: { title: 'x', image: big } })).status,
      422,
    )
    const huge = new File([new Uint8Array(2_000_001)], 'huge.png', { type: 'image/png' })
    const res = await client.post('/avatars', { multipart: { title: 'x', image: huge } })
    assertError(res, 413, 'file_too_large')
  })

  it('answers 415 when a multipart route receives JSON', async (t) => {
    const client = avatarApp(await uploadDir(t))
    const res = await client.post('/avatars', { json: { title: 'x' } })
    assert.equal(res.status, 415)
  })
})

describe('per-route upload limits', () => {
  it('applies a route’s own limits without changing other routes', async (t) => {
    const dir = await uploadDir(t)
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileSize: 1_000_000 } })
    app.post('/small', { limits: { fileSize: 100, fields: 1 } }, async (ctx) =>
      Object.keys(await ctx.form()),
    )
    app.post('/large', { limits: { fileSize: 5_000_000 } }, async (ctx) => {
      const file = (await ctx.form()).f as UploadedFile
      return { size: file.size }
    })
    app.post('/default', async (ctx) => Object.keys(await ctx.form()))
    const client = testClient(app)
    const file = (size: number) => multipart([filePart('f', 'f.bin', Buffer.alloc(size))])

    assert.equal((await post(client, file(100), {}, '/small')).status, 200)
    assertError(await post(client, file(101), {}, '/small'), 413, 'file_too_large')
    const twoFields = multipart([field('a', '1'), field('b', '2')])
    assertError(await post(client, twoFields, {}, '/small'), 413, 'too_many_fields')
    assert.equal((await post(client, twoFields, {}, '/default')).status, 200)
    // Over the app's fileSize of 1 MB: refused by default, accepted where the route raises it.
    assert.deepEqual((await post(client, file(4_000_000), {}, '/large')).json(), {
      size: 4_000_000,
    })
    assertError(await post(client, file(4_000_000), {}, '/default'), 413, 'file_too_large')
    assert.deepEqual(await waitUntilEmpty(dir), [])
  })
})

describe('temp files and the request lifecycle', () => {
  it('removes spooled files after a handler error, and keeps a file the handler moved', async (t) => {
    const dir = await uploadDir(t)
    const keep = await uploadDir(t)
    const app = createApp({ logger: false, uploadDir: dir, limits: { fileMemorySize: 8 } })
    let spooledPath = ''
    app.post('/fail', async (ctx) => {
      spooledPath = ((await ctx.form()).f as UploadedFile).path!
      throw new HttpError(409, 'Already uploaded.')
    })
    app.post('/keep', async (ctx) => {
      const file = (await ctx.form()).f as UploadedFile
      const target = `${keep}/kept.bin`
      await rename(file.path!, target)
      return { kept: true }
    })
    const client = testClient(app)
    const body = multipart([filePart('f', 'f.bin', 'x'.repeat(100))])

    assert.equal((await post(client, body, {}, '/fail')).status, 409)
    assert.ok(spooledPath.startsWith(dir))
    assert.deepEqual(await waitUntilEmpty(dir), [])
    assert.equal(existsSync(spooledPath), false)

    assert.deepEqual((await post(client, body, {}, '/keep')).json(), { kept: true })
    assert.deepEqual(await waitUntilEmpty(dir), [])
    assert.equal(await readFile(`${keep}/kept.bin`, 'utf8'), 'x'.repeat(100))
  })

  it('parses the body once however often ctx.form() is called', async (t) => {
    const app = createApp({ logger: false, uploadDir: await uploadDir(t) })
    app.post('/twice', async (ctx) => {
      const [first, second] = await Promise.all([ctx.form(), ctx.form()])
      return { same: first === second, third: (await ctx.form()) === first }
    })
    const res = await post(testClient(app), multipart([field('a', '1')]), {}, '/twice')
    assert.deepEqual(res.json(), { same: true, third: true })
  })
})
